// @ts-check
/**
 * The caller's threads: list them (by title), start one, select one (which loads its messages,
 * holder and timeline), and rename the selected one (PATCH /v1/threads/:id).
 */
import { loadMessages, resetChat, updateComposer } from "./chat.js";
import { clearRuns, updateDelegateForm } from "./delegation.js";
import { byId, byIdAs, el, showError } from "./dom.js";
import { setHolder } from "./handoff.js";
import { isAbort, isCurrent, may, session } from "./session.js";
import { loadTimeline, resetTimeline } from "./timeline.js";

/** @typedef {import("./types.js").Thread} Thread */
/** @typedef {import("./types.js").ThreadDetail} ThreadDetail */

/** Reloads the thread list. */
export async function loadThreads() {
  const s = session();
  if (!s) return;
  /** @type {{ threads: Thread[] }} */
  const data = await s.api.get("/v1/threads?mine=true&limit=100");
  if (!isCurrent(s)) return;
  s.threads = data.threads;
  renderThreads();
}

function renderThreads() {
  const s = session();
  const list = byId("threads");
  list.replaceChildren();
  if (!s) return;
  if (s.threads.length === 0) list.append(el("li", "hint", "No threads yet."));
  for (const thread of s.threads) {
    const item = el("li");
    const button = el("button", "thread");
    button.type = "button";
    button.dataset.threadId = thread.id;
    button.setAttribute("aria-current", String(thread.id === s.threadId));
    button.append(el("span", "title", thread.title || "Untitled thread"));
    button.append(el("span", "meta", new Date(thread.updatedAt || thread.createdAt).toLocaleString()));
    button.addEventListener("click", () => void selectThread(thread.id));
    item.append(button);
    list.append(item);
  }
  byIdAs("new-thread", HTMLButtonElement).hidden = !may(s, "createThread");
}

/**
 * A title for a new thread that says when it was started.
 * @param {Date} now
 */
function newTitle(now) {
  return `New thread, ${now.toLocaleDateString([], { month: "short", day: "numeric" })} ${now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`;
}

/** Starts a thread and selects it. */
export async function newThread() {
  const s = session();
  if (!s) return;
  try {
    /** @type {Thread} */
    const thread = await s.api.send("POST", "/v1/threads", { title: newTitle(new Date()) });
    if (!isCurrent(s)) return;
    await selectThread(thread.id);
  } catch (error) {
    if (!isAbort(error) && isCurrent(s)) showError("chat-error", error);
  }
}

/**
 * Selects a thread: its title, holder, messages and timeline.
 * @param {string} threadId
 */
export async function selectThread(threadId) {
  const s = session();
  if (!s) return;
  if (s.threadId !== threadId) clearRuns();
  s.threadId = threadId;
  s.thread = s.threads.find((thread) => thread.id === threadId) ?? null;
  s.asking = null;
  showError("chat-error", null);
  stopRename();
  renderThreads();
  updateComposer();
  updateDelegateForm();
  try {
    await Promise.all([refreshThread(), loadMessages(), loadTimeline(), loadThreads()]);
  } catch (error) {
    if (!isAbort(error) && isCurrent(s)) showError("chat-error", error);
  }
  if (isCurrent(s) && s.threadId === threadId) byIdAs("composer-input", HTMLTextAreaElement).focus();
}

/** Reloads the selected thread's record and holder. */
export async function refreshThread() {
  const s = session();
  if (!s?.threadId) return;
  const threadId = s.threadId;
  /** @type {ThreadDetail} */
  const detail = await s.api.get(`/v1/threads/${threadId}`);
  if (!isCurrent(s) || s.threadId !== threadId) return;
  s.thread = detail.thread;
  showThreadName();
  setHolder(detail.holder);
  updateComposer();
}

function showThreadName() {
  const s = session();
  byId("thread-name").textContent = s?.thread ? s.thread.title || "Untitled thread" : "No thread selected";
  byIdAs("rename", HTMLButtonElement).hidden =
    !s?.thread || !may(s, "renameThread") || s.thread.userId !== s.me.userId;
}

/** Opens the rename form on the selected thread. */
export function startRename() {
  const s = session();
  if (!s?.thread || byIdAs("rename", HTMLButtonElement).hidden) return;
  const input = byIdAs("rename-input", HTMLInputElement);
  input.value = s.thread.title;
  byId("rename-form").hidden = false;
  byId("thread-name").hidden = true;
  byId("rename").hidden = true;
  input.focus();
  input.select();
}

/** Closes the rename form. */
export function stopRename() {
  byId("rename-form").hidden = true;
  byId("thread-name").hidden = false;
  showThreadName();
}

/** Saves the rename form's title. */
export async function saveRename() {
  const s = session();
  if (!s?.threadId) return;
  const title = byIdAs("rename-input", HTMLInputElement).value.trim();
  if (!title) return stopRename();
  try {
    /** @type {ThreadDetail} */
    const detail = await s.api.send("PATCH", `/v1/threads/${s.threadId}`, { title });
    if (!isCurrent(s)) return;
    s.thread = detail.thread;
    stopRename();
    await loadThreads();
  } catch (error) {
    if (!isAbort(error) && isCurrent(s)) showError("chat-error", error);
  }
}

/** Back to the signed-out state. */
export function resetThreads() {
  byId("threads").replaceChildren();
  byIdAs("rename-input", HTMLInputElement).value = "";
  stopRename();
  resetChat("Start a thread to chat with your agents.");
  resetTimeline();
  setHolder(null);
}
