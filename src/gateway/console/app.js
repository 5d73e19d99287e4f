// @ts-check
/**
 * The console's entry point: signing in and out, the side panel's tabs, and the wiring of every
 * control. Signing out ends the session (its requests are aborted, local storage is cleared) and
 * resets every view, so the next user starts from a blank console.
 */
import { showAgents, resetAgents } from "./agents.js";
import { loadMessages, resetChat, send, updateComposer } from "./chat.js";
import { renderDelegateAgents, resetDelegation, runDelegation } from "./delegation.js";
import { byId, byIdAs, showError } from "./dom.js";
import { cancelHandoff, renderHandoffAgents, resetHandoff, startHandoff } from "./handoff.js";
import {
  explain,
  explainDraft,
  loadRouting,
  markEdited,
  resetRouting,
  saveRouting,
  updateExplainButtons,
  updateRoutingPanel,
} from "./routing.js";
import { KEY_STORAGE, endSession, isAbort, session, signIn } from "./session.js";
import {
  loadThreads,
  newThread,
  refreshThread,
  resetThreads,
  saveRename,
  startRename,
  stopRename,
} from "./threads.js";

const TABS = ["timeline", "delegate", "agents", "handoff", "routing"];

/**
 * @param {string} key
 * @param {{ remembered: boolean }} options
 */
async function connect(key, { remembered }) {
  showError("login-error", null);
  try {
    const s = await signIn(key, (message) => signOut(message));
    localStorage.setItem(KEY_STORAGE, key);
    byIdAs("key-input", HTMLInputElement).value = "";
    byId("who-tenant").textContent = s.me.tenantId;
    byId("who-user").textContent = s.me.userId;
    byId("who-role").textContent = s.me.role;
    byId("identity").hidden = false;
    byId("sign-out").hidden = false;
    byId("login").hidden = true;
    byId("app").hidden = false;
    renderHandoffAgents();
    renderDelegateAgents();
    updateRoutingPanel();
    resetChat("Pick a thread on the left, or start a new one.");
    showTab("timeline");
    await loadThreads();
  } catch (error) {
    if (isAbort(error)) return;
    // A remembered key that stopped working: back to the sign-in form, saying why.
    signOut(remembered ? `Your saved key no longer works: ${messageOf(error)}` : messageOf(error));
  }
}

/** @param {unknown} error */
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Forgets everything about the signed-in user and shows the sign-in form.
 * @param {string | null} reason
 */
function signOut(reason) {
  endSession();
  for (const id of ["who-tenant", "who-user", "who-role"]) byId(id).textContent = "";
  byId("identity").hidden = true;
  byId("sign-out").hidden = true;
  byId("app").hidden = true;
  byId("login").hidden = false;
  resetThreads();
  resetDelegation();
  resetAgents();
  resetHandoff();
  resetRouting();
  for (const node of document.querySelectorAll(".error")) node.textContent = "";
  showTab("timeline");
  updateComposer();
  showError("login-error", reason);
  byIdAs("key-input", HTMLInputElement).focus();
}

/** @param {string} name */
function showTab(name) {
  for (const tab of TABS) {
    const button = /** @type {HTMLElement} */ (document.querySelector(`[data-tab="${tab}"]`));
    button.setAttribute("aria-selected", String(tab === name));
    button.tabIndex = tab === name ? 0 : -1;
    byId(`tab-${tab}`).hidden = tab !== name;
  }
  if (name === "agents" && session()) showAgents();
  if (name === "routing" && session()) {
    updateExplainButtons();
    void loadRouting();
  }
}

async function refreshAfterHandoff() {
  await Promise.all([refreshThread(), loadMessages()]);
}

function wire() {
  byIdAs("login-form", HTMLFormElement).addEventListener("submit", (event) => {
    event.preventDefault();
    const key = byIdAs("key-input", HTMLInputElement).value.trim();
    if (key) void connect(key, { remembered: false });
  });
  byId("sign-out").addEventListener("click", () => signOut(null));
  byId("new-thread").addEventListener("click", () => void newThread());
  byId("rename").addEventListener("click", startRename);
  byId("rename-cancel").addEventListener("click", stopRename);
  byIdAs("rename-form", HTMLFormElement).addEventListener("submit", (event) => {
    event.preventDefault();
    void saveRename();
  });
  byIdAs("rename-input", HTMLInputElement).addEventListener("keydown", (event) => {
    if (event.key === "Escape") stopRename();
  });
  byIdAs("composer", HTMLFormElement).addEventListener("submit", (event) => {
    event.preventDefault();
    void send();
  });
  byIdAs("composer-input", HTMLTextAreaElement).addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void send();
    }
  });
  byIdAs("composer-input", HTMLTextAreaElement).addEventListener("input", updateExplainButtons);
  byId("explain-composer").addEventListener("click", () => void explainDraft(() => showTab("routing")));
  byIdAs("explain-message", HTMLTextAreaElement).addEventListener("input", updateExplainButtons);
  byIdAs("explain-form", HTMLFormElement).addEventListener("submit", (event) => {
    event.preventDefault();
    void explain();
  });
  byIdAs("routing-form", HTMLFormElement).addEventListener("input", markEdited);
  byIdAs("routing-form", HTMLFormElement).addEventListener("change", markEdited);
  byIdAs("routing-form", HTMLFormElement).addEventListener("submit", (event) => {
    event.preventDefault();
    void saveRouting();
  });
  byIdAs("delegate-form", HTMLFormElement).addEventListener("submit", (event) => {
    event.preventDefault();
    void runDelegation();
  });
  byId("handoff-start").addEventListener("click", () => void startHandoff(refreshAfterHandoff));
  byId("handoff-cancel").addEventListener("click", () => void cancelHandoff(refreshAfterHandoff));
  for (const tab of TABS) {
    const button = /** @type {HTMLElement} */ (document.querySelector(`[data-tab="${tab}"]`));
    button.addEventListener("click", () => showTab(tab));
  }
}

const saved = localStorage.getItem(KEY_STORAGE);
wire();
signOut(null);
if (saved) {
  byId("login").hidden = true;
  void connect(saved, { remembered: true });
}
