/**
 * The web console: one self-contained HTML page (inline CSS and JS, no external assets, no build
 * step). It keeps the API key in localStorage, lists and starts threads, streams replies by
 * reading the SSE frames from `fetch` (EventSource cannot send an Authorization header), shows
 * who holds the thread, starts and cancels handoffs, and charts per-agent delegation timings.
 * Every piece of data is rendered with `textContent`; nothing is parsed as HTML.
 */
import { createHash } from "node:crypto";
import { CONSOLE_STYLE as STYLE } from "./console-style.js";

const SCRIPT = `
"use strict";
(function () {
  var KEY_STORAGE = "omniforge.apiKey";
  var state = { key: localStorage.getItem(KEY_STORAGE), threadId: null, agents: [], busy: false, me: null };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function showError(id, error) { $(id).textContent = error ? (error.message || String(error)) : ""; }

  function headers(extra) {
    var h = { authorization: "Bearer " + state.key };
    for (var k in extra || {}) h[k] = extra[k];
    return h;
  }
  async function api(method, path, body) {
    var init = { method: method, headers: headers(body === undefined ? {} : { "content-type": "application/json" }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    var res = await fetch(path, init);
    if (res.status === 204) return null;
    var data = await res.json().catch(function () { return null; });
    if (!res.ok) {
      var err = data && data.error ? data.error : { code: "HTTP_" + res.status, message: res.statusText };
      if (res.status === 401) signOut(err.message);
      var e = new Error(err.code + ": " + err.message);
      e.status = res.status;
      throw e;
    }
    return data;
  }

  // ------------------------------------------------------------------ session
  function may(operation) { return !!state.me && state.me.operations.indexOf(operation) !== -1; }
  function signOut(reason) {
    localStorage.removeItem(KEY_STORAGE);
    state.key = null; state.threadId = null; state.me = null;
    $("app").hidden = true; $("login").hidden = false; $("who").textContent = "";
    showError("login-error", reason ? { message: reason } : null);
  }
  async function connect(key) {
    state.key = key;
    try {
      var me = await api("GET", "/v1/me");
      var agents = await api("GET", "/v1/agents?limit=200");
      localStorage.setItem(KEY_STORAGE, key);
      state.me = me;
      state.agents = agents.agents;
      $("login").hidden = true; $("app").hidden = false;
      $("who").textContent = me.userId + " \\u00b7 " + me.role + " \\u00b7 " + me.tenantId;
      // Actions the role cannot take are not offered.
      $("handoff-cancel").hidden = !may("cancelHandoff");
      $("handoff-start").hidden = !may("startHandoff");
      renderAgents();
      await loadThreads();
    } catch (error) {
      if (error.status !== 401) showError("login-error", error);
    }
  }

  // ------------------------------------------------------------------ threads
  async function loadThreads() {
    var data = await api("GET", "/v1/threads?mine=true&limit=100");
    var list = $("threads");
    list.replaceChildren();
    if (data.threads.length === 0) list.append(el("li", "hint", "No threads yet."));
    data.threads.forEach(function (thread) {
      var item = el("li");
      var button = el("button");
      button.type = "button";
      button.dataset.threadId = thread.id;
      button.setAttribute("aria-current", String(thread.id === state.threadId));
      button.append(el("span", "title", thread.title || "Untitled thread"));
      button.append(el("span", "meta", thread.id.slice(0, 8) + " \\u00b7 " + new Date(thread.createdAt).toLocaleString()));
      button.addEventListener("click", function () { selectThread(thread.id); });
      item.append(button);
      list.append(item);
    });
  }
  async function newThread() {
    try {
      var title = "Conversation " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      var thread = await api("POST", "/v1/threads", { title: title });
      await selectThread(thread.id);
    } catch (error) { showError("chat-error", error); }
  }
  async function selectThread(threadId) {
    state.threadId = threadId;
    showError("chat-error", null);
    $("composer-input").disabled = !may("postMessage"); $("send").disabled = !may("postMessage");
    await Promise.all([loadThreads(), refreshThread(), loadMessages(), loadTimings()]);
    $("composer-input").focus();
  }
  async function refreshThread() {
    if (!state.threadId) return;
    var data = await api("GET", "/v1/threads/" + state.threadId);
    $("thread-name").textContent = data.thread.title || "Untitled thread";
    setHolder(data.holder.kind, data.holder.agentId);
  }
  function setHolder(kind, agentId) {
    var badge = $("holder");
    badge.className = "badge" + (kind === "handoff" ? " handoff" : "");
    badge.dataset.kind = kind;
    badge.dataset.agentId = agentId;
    badge.textContent = kind === "handoff" ? "Held by " + agentId + " (handoff)" : "Held by the orchestrator";
    $("handoff-cancel").disabled = kind !== "handoff";
    $("handoff-start").disabled = kind === "handoff" || handoffAgents().length === 0;
  }

  // ------------------------------------------------------------------ messages
  async function loadMessages() {
    var data = await api("GET", "/v1/threads/" + state.threadId + "/messages?limit=200");
    var box = $("messages");
    box.replaceChildren();
    if (data.messages.length === 0) box.append(el("p", "empty", "Say hello to start the conversation."));
        data.messages.forEach(function (m) {
      var node = messageNode(m.role, m.content, m.agentId);
      if (m.metadata && m.metadata.inputRequired) markAsking(node, m.agentId);
      box.append(node);
    });
    var last = data.messages[data.messages.length - 1];
    setAsking(last && last.metadata && last.metadata.inputRequired ? last.agentId : null);
    box.scrollTop = box.scrollHeight;
  }
  /** A reply that ends with the agent asking: marked, and the composer says who waits for the answer. */
  function markAsking(node, agentId) {
    node.classList.add("asking");
    node.setAttribute("data-testid", "asking");
    node.append(el("span", "asking-note", (agentId || "The agent") + " is waiting for your answer"));
  }
  function setAsking(agentId) {
    $("composer-input").placeholder = agentId
      ? "Answer " + agentId + " (your message continues its task)"
      : "Type a message. Enter sends, Shift+Enter adds a line.";
  }
  function messageNode(role, content, agentId) {
    var node = el("div", "msg " + role);
    if (role !== "system") node.append(el("span", "who", role === "user" ? "You" : (agentId || "assistant")));
    var text = el("span", "text", content);
    node.append(text);
    return node;
  }
  function appendMessage(role, content, agentId) {
    var box = $("messages");
    var empty = box.querySelector(".empty");
    if (empty) empty.remove();
    var node = messageNode(role, content, agentId);
    box.append(node);
    box.scrollTop = box.scrollHeight;
    return node;
  }

  function parseFrames(buffer, onEvent) {
    var index;
    while ((index = buffer.indexOf("\\n\\n")) !== -1) {
      var frame = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      var type = "message", data = [];
      frame.split("\\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) type = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (data.length > 0) onEvent(type, JSON.parse(data.join("\\n")));
    }
    return buffer;
  }

  async function send(event) {
    event.preventDefault();
    var input = $("composer-input");
    var text = input.value.trim();
    if (!text || !state.threadId || state.busy) return;
    state.busy = true; $("send").disabled = true; showError("chat-error", null);
        input.value = "";
    appendMessage("user", text);
    setAsking(null);
    var bubble = null;
    var ensureBubble = function (agentId) {
      if (!bubble) {
        bubble = appendMessage("assistant", "", agentId);
        bubble.classList.add("streaming");
      }
      return bubble;
    };
    try {
      var res = await fetch("/v1/threads/" + state.threadId + "/messages", {
        method: "POST",
        headers: headers({ "content-type": "application/json", accept: "text/event-stream" }),
        body: JSON.stringify({ message: text }),
      });
      if (!res.ok) {
        var data = await res.json().catch(function () { return null; });
        var err = data && data.error ? data.error : { code: "HTTP_" + res.status, message: res.statusText };
        if (res.status === 401) signOut(err.message);
        throw new Error(err.code + ": " + err.message);
      }
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffer = parseFrames(buffer + decoder.decode(chunk.value, { stream: true }), function (type, data) {
          handleEvent(type, data, ensureBubble);
        });
      }
    } catch (error) {
      showError("chat-error", error);
    } finally {
      if (bubble) bubble.classList.remove("streaming");
      state.busy = false; $("send").disabled = false;
      refreshThread().catch(function () {});
      loadTimings().catch(function () {});
    }
  }

  function handleEvent(type, data, ensureBubble) {
    var box = $("messages");
    if (type === "route") {
      setHolder(data.target === "handoff" ? "handoff" : "orchestrator", data.target === "handoff" ? data.agentId : "orchestrator");
      ensureBubble(data.agentId);
    } else if (type === "chunk") {
      var bubble = ensureBubble(data.agentId);
      bubble.querySelector(".who").textContent = data.agentId;
      bubble.querySelector(".text").textContent += data.text;
        } else if (type === "input_required") {
      markAsking(ensureBubble(data.agentId), data.agentId);
      setAsking(data.agentId);
    } else if (type === "delegation") {
      renderTimings(data.results.map(function (r) { return { agentId: r.agentId, latencyMs: r.latencyMs, success: r.success }; }));
    } else if (type === "handoff_returned") {
      setHolder("orchestrator", "orchestrator");
      appendMessage("system", data.agentId + " returned control (" + data.completionStatus + ")" + (data.resultSummary ? ": " + data.resultSummary : ""));
    } else if (type === "handoff_cancelled") {
      setHolder("orchestrator", "orchestrator");
      appendMessage("system", "Handoff to " + data.agentId + " cancelled");
    } else if (type === "error") {
      var failed = ensureBubble(data.agentId);
      failed.classList.add("failed");
      failed.querySelector(".text").textContent += (failed.querySelector(".text").textContent ? "\\n" : "") + data.code + ": " + data.message;
    }
    box.scrollTop = box.scrollHeight;
  }

  // ------------------------------------------------------------------ handoff
  function handoffAgents() { return state.agents.filter(function (a) { return a.handoff; }); }
  function renderAgents() {
    var select = $("handoff-agent");
    select.replaceChildren();
    var agents = handoffAgents();
    if (agents.length === 0) select.append(el("option", null, "No handoff-capable agents"));
    agents.forEach(function (a) {
      var option = el("option", null, a.card.identity.name + " (" + a.card.identity.id + ")");
      option.value = a.card.identity.id;
      select.append(option);
    });
    select.disabled = agents.length === 0;
    $("handoff-start").disabled = agents.length === 0 || !state.threadId;
  }
  async function startHandoff() {
    if (!state.threadId) return;
    showError("handoff-error", null);
    try {
      var summary = $("handoff-summary").value.trim() || "Handed off from the OmniForge console";
      var result = await api("POST", "/v1/threads/" + state.threadId + "/handoff", {
        targetAgentId: $("handoff-agent").value, contextSummary: summary, handoffReason: "console_request",
      });
      if (!result.accepted) showError("handoff-error", { message: "Rejected: " + (result.rejectionReason || "no reason given") });
      await Promise.all([refreshThread(), loadMessages()]);
    } catch (error) { showError("handoff-error", error); }
  }
  async function cancelHandoff() {
    if (!state.threadId) return;
    showError("handoff-error", null);
    try {
      await api("DELETE", "/v1/threads/" + state.threadId + "/handoff", { reason: "Cancelled from the console" });
      await Promise.all([refreshThread(), loadMessages()]);
    } catch (error) { showError("handoff-error", error); }
  }

  // ------------------------------------------------------------------ timings
  async function loadTimings() {
    if (!state.threadId) return;
    var data = await api("GET", "/v1/threads/" + state.threadId + "/delegations?limit=20");
    renderTimings(data.records);
  }
  function renderTimings(records) {
    var box = $("timings");
    box.replaceChildren();
    if (records.length === 0) { box.append(el("p", "hint", "No delegations yet.")); return; }
    var max = Math.max.apply(null, records.map(function (r) { return r.latencyMs; }).concat([1]));
    records.forEach(function (r) {
      var row = el("div", "timing");
      row.dataset.agentId = r.agentId;
      var label = el("div", "label");
      label.append(el("span", "agent", r.agentId + (r.success ? "" : " (failed)")));
      label.append(el("span", "ms", Math.round(r.latencyMs) + " ms"));
      var bar = el("div", "bar");
      var fill = el("span", r.success ? "" : "fail");
      fill.style.width = Math.max(2, Math.round((r.latencyMs / max) * 100)) + "%";
      bar.append(fill);
      row.append(label, bar);
      box.append(row);
    });
  }

  // ------------------------------------------------------------------ wiring
  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var key = $("key-input").value.trim();
    if (key) connect(key);
  });
  $("sign-out").addEventListener("click", function () { signOut(null); });
  $("new-thread").addEventListener("click", newThread);
  $("composer").addEventListener("submit", send);
  $("composer-input").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("composer").requestSubmit(); }
  });
  $("handoff-start").addEventListener("click", startHandoff);
  $("handoff-cancel").addEventListener("click", cancelHandoff);
  if (state.key) connect(state.key); else $("login").hidden = false;
})();
`;

const BODY = `
<header>
  <h1>Omni<span>Forge</span> console</h1>
  <span class="who" id="who" data-testid="who"></span>
  <button type="button" id="sign-out" data-testid="sign-out">Sign out</button>
</header>
<section id="login" class="panel" hidden>
  <h2>Connect</h2>
  <div class="body">
    <p>Enter an OmniForge API key. It is kept in this browser's local storage only.</p>
    <form id="login-form">
      <input id="key-input" data-testid="key-input" type="password" autocomplete="off" placeholder="of_..." aria-label="API key">
      <button class="primary" type="submit" data-testid="connect">Connect</button>
    </form>
    <div class="error" id="login-error" data-testid="login-error" role="alert"></div>
  </div>
</section>
<main id="app" hidden>
  <nav class="panel" aria-label="Threads">
    <h2>Threads</h2>
    <div class="body">
      <button class="primary" type="button" id="new-thread" data-testid="new-thread">New thread</button>
      <ul id="threads" data-testid="threads"></ul>
    </div>
  </nav>
  <section class="panel chat" aria-label="Conversation">
    <div class="chat-head">
      <span class="name" id="thread-name">No thread selected</span>
      <span class="badge" id="holder" data-testid="holder" data-kind="none">Pick or start a thread</span>
    </div>
    <div id="messages" data-testid="messages" aria-live="polite"><p class="empty">Start a thread to chat with your agents.</p></div>
    <div class="error" id="chat-error" data-testid="chat-error" role="alert"></div>
    <form id="composer">
      <textarea id="composer-input" data-testid="message-input" rows="1" placeholder="Type a message. Enter sends, Shift+Enter adds a line." disabled aria-label="Message"></textarea>
      <button class="primary" type="submit" id="send" data-testid="send" disabled>Send</button>
    </form>
  </section>
  <aside class="side">
    <section class="panel" aria-label="Handoff">
      <h2>Handoff</h2>
      <div class="body">
        <div class="field">
          <label for="handoff-agent">Specialist</label>
          <select id="handoff-agent" data-testid="handoff-agent"></select>
        </div>
        <div class="field">
          <label for="handoff-summary">Context for the specialist</label>
          <input id="handoff-summary" data-testid="handoff-summary" placeholder="What should it know?">
        </div>
        <div class="row">
          <button class="primary" type="button" id="handoff-start" data-testid="handoff-start" disabled>Hand off</button>
          <button class="danger" type="button" id="handoff-cancel" data-testid="handoff-cancel" disabled>Cancel handoff</button>
        </div>
        <div class="error" id="handoff-error" data-testid="handoff-error" role="alert"></div>
      </div>
    </section>
    <section class="panel" aria-label="Delegation timings">
      <h2>Delegation timings</h2>
      <div class="body" id="timings" data-testid="timings"><p class="hint">No delegations yet.</p></div>
    </section>
  </aside>
</main>
`;

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** The console page. */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>OmniForge console</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>${BODY}<script>${SCRIPT}</script>
</body>
</html>
`;

/** Only the page's own inline script and style may run; it may only talk to this origin. */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
