// @ts-check
/**
 * The conversation: the selected thread's messages, the composer, and a reply streaming in over
 * SSE. User messages are text; agent replies are Markdown, sanitized (markdown.js). When an agent
 * ends its turn with a question, the question is marked as such and the next message answers it.
 */
import { byId, byIdAs, el, showError } from "./dom.js";
import { setHolder } from "./handoff.js";
import { renderMarkdown } from "./markdown.js";
import { updateExplainButtons } from "./routing.js";
import { isAbort, isCurrent, may, session } from "./session.js";
import { loadTimeline } from "./timeline.js";

/** @typedef {import("./types.js").Message} Message */
/** @typedef {import("./types.js").RouterFrame} RouterFrame */

const PLACEHOLDER = "Type a message. Enter sends, Shift+Enter adds a line.";

/** Reloads the selected thread's messages. */
export async function loadMessages() {
  const s = session();
  if (!s?.threadId) return;
  const threadId = s.threadId;
  /** @type {{ messages: Message[] }} */
  const data = await s.api.get(`/v1/threads/${threadId}/messages?limit=200`);
  if (!isCurrent(s) || s.threadId !== threadId) return;
  const box = byId("messages");
  box.replaceChildren();
  if (data.messages.length === 0) box.append(el("p", "empty", "Say hello to start the conversation."));
  for (const message of data.messages) {
    const node = messageNode(message.role, message.content, message.agentId);
    if (message.metadata?.inputRequired) markAsking(node, message.agentId);
    box.append(node);
  }
  const last = data.messages.at(-1);
  setAsking(last?.metadata?.inputRequired ? (last.agentId ?? "The agent") : null);
  box.scrollTop = box.scrollHeight;
}

/**
 * @param {string} role
 * @param {string} content
 * @param {string} [agentId]
 */
function messageNode(role, content, agentId) {
  const node = el("article", `msg ${role}`);
  if (role !== "system") node.append(el("span", "who", role === "user" ? "You" : (agentId ?? "assistant")));
  const body = el("div", role === "assistant" ? "text md" : "text");
  setContent(body, role, content);
  node.append(body);
  return node;
}

/** A message body's text as written (a reply streaming in grows here between renders). */
const raws = new WeakMap();

/**
 * @param {HTMLElement} body
 * @param {string} role
 * @param {string} content
 */
function setContent(body, role, content) {
  raws.set(body, content);
  if (role === "assistant") body.replaceChildren(renderMarkdown(content));
  else body.textContent = content;
}

/** The shortest pause between two renders of a reply streaming in. */
const RENDER_EVERY_MS = 150;

/**
 * A reply's body rendered as its chunks arrive, but not on every chunk: the first chunk shows at
 * once, later ones at most every {@link RENDER_EVERY_MS} (longer when a render itself takes long),
 * and {@link flushReply} renders the last. Re-parsing a long reply per chunk held the page for
 * seconds.
 */
class ReplyRenderer {
  /** @param {HTMLElement} body */
  constructor(body) {
    this.body = body;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    this.last = 0;
    this.cost = 0;
  }

  /** @param {string} text */
  append(text) {
    raws.set(this.body, (raws.get(this.body) ?? "") + text);
    if (this.timer !== null) return;
    const wait = Math.max(RENDER_EVERY_MS, this.cost * 4) - (performance.now() - this.last);
    if (wait <= 0) this.render();
    else this.timer = setTimeout(() => this.render(), wait);
  }

  render() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const started = performance.now();
    setContent(this.body, "assistant", raws.get(this.body) ?? "");
    this.last = performance.now();
    this.cost = this.last - started;
    const box = this.body.closest(".messages");
    if (box) box.scrollTop = box.scrollHeight;
  }
}

/** @type {WeakMap<HTMLElement, ReplyRenderer>} */
const renderers = new WeakMap();

/**
 * Adds a chunk to a reply streaming in.
 * @param {HTMLElement} body
 * @param {string} text
 */
function appendReply(body, text) {
  let renderer = renderers.get(body);
  if (!renderer) renderers.set(body, (renderer = new ReplyRenderer(body)));
  renderer.append(text);
}

/**
 * Renders what a reply has received and not yet shown.
 * @param {HTMLElement} body
 */
function flushReply(body) {
  const renderer = renderers.get(body);
  if (renderer?.timer !== null) renderer?.render();
}

/**
 * Marks a reply that ends with the agent asking the user something.
 * @param {HTMLElement} node
 * @param {string | undefined} agentId
 */
function markAsking(node, agentId) {
  node.classList.add("asking");
  node.dataset.testid = "asking";
  node.prepend(el("span", "asking-label", "Question"));
  node.append(el("span", "asking-note", `${agentId ?? "The agent"} is waiting for your answer`));
}

/**
 * Who waits for the user's answer (null: nobody).
 * @param {string | null} agentId
 */
function setAsking(agentId) {
  const s = session();
  if (s) s.asking = agentId;
  byIdAs("composer-input", HTMLTextAreaElement).placeholder = agentId
    ? `Answer ${agentId} (your message continues its task)`
    : PLACEHOLDER;
  updateComposer();
}

/**
 * @param {string} role
 * @param {string} content
 * @param {string} [agentId]
 */
function appendMessage(role, content, agentId) {
  const box = byId("messages");
  box.querySelector(".empty")?.remove();
  const node = messageNode(role, content, agentId);
  box.append(node);
  box.scrollTop = box.scrollHeight;
  return node;
}

/** Enables the composer when a message can be sent, and otherwise says why not. */
export function updateComposer() {
  const s = session();
  const input = byIdAs("composer-input", HTMLTextAreaElement);
  const send = byIdAs("send", HTMLButtonElement);
  let reason = "";
  if (!s) reason = "Sign in to chat.";
  else if (!may(s, "postMessage"))
    reason = `Your role (${s.me.role}) can read threads but not send messages.`;
  else if (!s.threadId) reason = "Pick a thread on the left or start a new one to send a message.";
  else if (s.thread && s.thread.userId !== s.me.userId) {
    reason = `This thread belongs to ${s.thread.userId}; only its owner can write in it.`;
  }
  input.disabled = reason !== "";
  send.disabled = reason !== "" || (s?.busy ?? false);
  const hint = s?.busy
    ? "Waiting for the reply..."
    : s?.asking
      ? `${s.asking} is waiting for your answer.`
      : "";
  const line = byId("composer-reason");
  line.textContent = reason || hint;
  line.classList.toggle("blocked", reason !== "");
  updateExplainButtons();
}

/** Sends the composer's text and streams the reply in. */
export async function send() {
  const s = session();
  const input = byIdAs("composer-input", HTMLTextAreaElement);
  const text = input.value.trim();
  if (!s || !text || !s.threadId || s.busy || input.disabled) return;
  const threadId = s.threadId;
  s.busy = true;
  updateComposer();
  showError("chat-error", null);
  input.value = "";
  appendMessage("user", text);
  setAsking(null);
  /** @type {HTMLElement | null} */
  let bubble = null;
  /** @param {string | undefined} agentId */
  const ensureBubble = (agentId) => {
    bubble ??= appendMessage("assistant", "", agentId);
    bubble.classList.add("streaming");
    return bubble;
  };
  try {
    await s.api.stream(`/v1/threads/${threadId}/messages`, { message: text }, (frame) => {
      if (isCurrent(s) && s.threadId === threadId) handleFrame(frame, ensureBubble);
    });
  } catch (error) {
    if (!isAbort(error) && isCurrent(s)) showError("chat-error", error);
  } finally {
    const done = /** @type {HTMLElement | null} */ (bubble);
    const body = done?.querySelector(".text");
    if (body instanceof HTMLElement) flushReply(body);
    done?.classList.remove("streaming");
    if (isCurrent(s)) {
      s.busy = false;
      updateComposer();
      if (s.threadId === threadId) {
        void loadTimeline();
        void refreshHolder(s.threadId);
      }
    }
  }
}

/**
 * @param {string} threadId
 */
async function refreshHolder(threadId) {
  const s = session();
  if (!s) return;
  try {
    /** @type {import("./types.js").ThreadDetail} */
    const detail = await s.api.get(`/v1/threads/${threadId}`);
    if (isCurrent(s) && s.threadId === threadId) setHolder(detail.holder);
  } catch {
    // The holder badge keeps what the stream said.
  }
}

/**
 * @param {RouterFrame} frame
 * @param {(agentId: string | undefined) => HTMLElement} ensureBubble
 */
function handleFrame({ type, data }, ensureBubble) {
  const agentId = typeof data.agentId === "string" ? data.agentId : undefined;
  const str = (/** @type {unknown} */ value) => (typeof value === "string" ? value : "");
  if (type === "route") {
    setHolder({
      kind: data.target === "handoff" ? "handoff" : "orchestrator",
      agentId: agentId ?? "orchestrator",
    });
    ensureBubble(agentId);
  } else if (type === "chunk") {
    const bubble = ensureBubble(agentId);
    const who = bubble.querySelector(".who");
    if (who && agentId) who.textContent = agentId;
    appendReply(/** @type {HTMLElement} */ (bubble.querySelector(".text")), str(data.text));
  } else if (type === "input_required") {
    const bubble = ensureBubble(agentId);
    const body = /** @type {HTMLElement} */ (bubble.querySelector(".text"));
    flushReply(body);
    if (!raws.get(body)) setContent(body, "assistant", str(data.question));
    markAsking(bubble, agentId);
    setAsking(agentId ?? "The agent");
  } else if (type === "handoff_returned") {
    setHolder({ kind: "orchestrator", agentId: "orchestrator" });
    const summary = str(data.resultSummary);
    appendMessage(
      "system",
      `${agentId} returned control (${str(data.completionStatus)})${summary ? `: ${summary}` : ""}`,
    );
  } else if (type === "handoff_started") {
    setHolder({ kind: "handoff", agentId: agentId ?? "" });
    appendMessage(
      "system",
      `${str(data.sourceAgentId)} handed the thread to ${agentId}: ${str(data.reason)}`,
    );
  } else if (type === "handoff_rejected") {
    appendMessage("system", `${agentId} declined the handoff: ${str(data.rejectionReason)}`);
  } else if (type === "handoff_cancelled") {
    setHolder({ kind: "orchestrator", agentId: "orchestrator" });
    appendMessage("system", `Handoff to ${agentId} cancelled`);
  } else if (type === "error") {
    const bubble = ensureBubble(agentId);
    bubble.classList.add("failed");
    bubble.append(el("p", "failure", `${str(data.code)}: ${str(data.message)}`));
  }
  const box = byId("messages");
  box.scrollTop = box.scrollHeight;
}

/**
 * Shows the empty conversation (no thread selected, or signed out).
 * @param {string} text
 */
export function resetChat(text) {
  byId("messages").replaceChildren(el("p", "empty", text));
  byIdAs("composer-input", HTMLTextAreaElement).value = "";
  showError("chat-error", null);
  setAsking(null);
}
