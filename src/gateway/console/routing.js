// @ts-check
/**
 * The routing panel. "Who would answer?" asks POST /v1/route/explain with a draft message (and the
 * selected thread, whose history and handoff count) and shows the choice without sending anything.
 * Admins also see the tenant's routing setting (GET/PUT /v1/routing): skill routing on or off, how
 * many agents may answer one message, the lowest score that answers, and what happens when nothing
 * fits. Errors the gateway finds in the setting are shown next to the field at fault.
 */
import { ApiError } from "./api.js";
import { byId, byIdAs, el, showError } from "./dom.js";
import { choiceNode } from "./route-choice.js";
import { isAbort, isCurrent, may, session } from "./session.js";

/** @typedef {import("./types.js").RouteExplanation} RouteExplanation */
/** @typedef {import("./types.js").TenantRouting} TenantRouting */

/** The setting's form fields, by the request field they carry. */
const FIELDS = {
  enabled: "routing-enabled",
  maxAgents: "routing-max-agents",
  minScore: "routing-min-score",
  fallback: "routing-fallback",
};

/** True when the signed-in role may read and change the tenant's routing setting. */
function mayAdminister() {
  const s = session();
  return may(s, "getRouting") && may(s, "updateRouting");
}

/** Shows what the role may use: explain for readers, the setting for admins. */
export function updateRoutingPanel() {
  const s = session();
  const explain = may(s, "explainRoute");
  byIdAs("explain-composer", HTMLButtonElement).hidden = !explain;
  byId("explain-section").hidden = !explain;
  byId("routing-settings").hidden = !mayAdminister();
  updateExplainButtons();
}

/** Enables "Who would answer?" when there is a message to explain. */
export function updateExplainButtons() {
  const s = session();
  const draft = byIdAs("composer-input", HTMLTextAreaElement).value.trim();
  const typed = byIdAs("explain-message", HTMLTextAreaElement).value.trim();
  byIdAs("explain-composer", HTMLButtonElement).disabled = !s || !draft || explaining;
  byIdAs("explain-run", HTMLButtonElement).disabled = !s || !typed || explaining;
  byId("explain-context").textContent = !s
    ? ""
    : s.threadId
      ? "Explained for the selected thread (its history and any handoff count). Nothing is sent."
      : "No thread selected: explained as the first message of a new thread. Nothing is sent.";
}

let explaining = false;

/**
 * Explains the composer's draft: copies it to the panel, which `show` opens, and explains it there.
 * @param {() => void} show Opens the routing tab.
 */
export async function explainDraft(show) {
  const draft = byIdAs("composer-input", HTMLTextAreaElement).value.trim();
  if (!draft) return;
  byIdAs("explain-message", HTMLTextAreaElement).value = draft;
  show();
  await explain();
}

/** Asks who would answer the panel's message, and shows the choice. */
export async function explain() {
  const s = session();
  const message = byIdAs("explain-message", HTMLTextAreaElement).value.trim();
  if (!s || !message || explaining) return;
  const threadId = s.threadId;
  showError("explain-error", null);
  explaining = true;
  updateExplainButtons();
  const box = byId("explain-result");
  try {
    /** @type {RouteExplanation} */
    const answer = await s.api.send("POST", "/v1/route/explain", {
      message,
      ...(threadId ? { threadId } : {}),
    });
    if (!isCurrent(s)) return;
    box.replaceChildren();
    if (!answer.routing && answer.outcome !== "handoff") {
      box.append(
        el("p", "hint", "Skill routing is off for this tenant: every message goes to the default agents."),
      );
    }
    box.append(
      choiceNode({
        outcome: answer.outcome,
        agentIds: answer.agentIds,
        candidates: answer.candidates,
        reason: answer.reason,
        routing: answer.routing,
      }),
    );
  } catch (error) {
    if (!isAbort(error) && isCurrent(s)) {
      box.replaceChildren();
      showError("explain-error", error);
    }
  } finally {
    explaining = false;
    if (isCurrent(s)) updateExplainButtons();
  }
}

/** True while the form holds changes not saved yet (reopening the tab must not discard them). */
let edited = false;

/** Notes that the admin changed the form. */
export function markEdited() {
  edited = true;
}

/** Loads the tenant's setting into the form (admins only), unless it holds unsaved changes. */
export async function loadRouting() {
  const s = session();
  if (!s || !mayAdminister() || edited) return;
  showError("routing-error", null);
  try {
    /** @type {TenantRouting} */
    const setting = await s.api.get("/v1/routing");
    if (isCurrent(s) && !edited) fillForm(setting);
  } catch (error) {
    if (!isAbort(error) && isCurrent(s)) showError("routing-error", error);
  }
}

/** @param {TenantRouting} setting */
function fillForm(setting) {
  byIdAs(FIELDS.enabled, HTMLInputElement).checked = setting.enabled;
  byIdAs(FIELDS.maxAgents, HTMLInputElement).value = String(setting.maxAgents);
  byIdAs(FIELDS.minScore, HTMLInputElement).value = String(setting.minScore);
  byIdAs(FIELDS.fallback, HTMLSelectElement).value = setting.fallback;
  markInvalid(null);
  edited = false;
  byId("routing-status").textContent = setting.updatedAt
    ? `Skill routing is ${setting.enabled ? "on" : "off"}. Last changed by ${setting.updatedBy ?? "someone"}, ${new Date(setting.updatedAt).toLocaleString()}.`
    : `Skill routing is ${setting.enabled ? "on" : "off"} (never changed: the defaults apply).`;
}

/**
 * Marks the field the gateway refused (or none).
 * @param {string | null | undefined} field
 */
function markInvalid(field) {
  for (const [name, id] of Object.entries(FIELDS)) {
    const control = byId(id);
    if (name === field) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
}

/**
 * A number field's value: omitted when empty (the gateway's default applies), NaN sent as it is
 * typed otherwise so the gateway names what is wrong.
 * @param {string} id
 */
function numberField(id) {
  const raw = byIdAs(id, HTMLInputElement).value.trim();
  return raw === "" ? undefined : Number(raw);
}

let saving = false;

/** Saves the form with PUT /v1/routing. */
export async function saveRouting() {
  const s = session();
  if (!s || !mayAdminister() || saving) return;
  showError("routing-error", null);
  markInvalid(null);
  const maxAgents = numberField(FIELDS.maxAgents);
  const minScore = numberField(FIELDS.minScore);
  for (const [name, value] of /** @type {const} */ ([
    ["maxAgents", maxAgents],
    ["minScore", minScore],
  ])) {
    if (value !== undefined && !Number.isFinite(value)) {
      markInvalid(name);
      return showError("routing-error", `${name}: must be a number`);
    }
  }
  saving = true;
  byIdAs("routing-save", HTMLButtonElement).disabled = true;
  try {
    /** @type {TenantRouting} */
    const saved = await s.api.send("PUT", "/v1/routing", {
      enabled: byIdAs(FIELDS.enabled, HTMLInputElement).checked,
      ...(maxAgents === undefined ? {} : { maxAgents }),
      ...(minScore === undefined ? {} : { minScore }),
      fallback: byIdAs(FIELDS.fallback, HTMLSelectElement).value,
    });
    if (!isCurrent(s)) return;
    fillForm(saved);
    byId("routing-status").prepend("Saved. ");
  } catch (error) {
    if (isAbort(error) || !isCurrent(s)) return;
    markInvalid(error instanceof ApiError ? error.field : null);
    showError("routing-error", error);
  } finally {
    saving = false;
    if (isCurrent(s)) byIdAs("routing-save", HTMLButtonElement).disabled = false;
  }
}

/** Back to the signed-out state. */
export function resetRouting() {
  byIdAs("explain-message", HTMLTextAreaElement).value = "";
  byId("explain-result").replaceChildren();
  byId("routing-status").textContent = "";
  showError("explain-error", null);
  showError("routing-error", null);
  fillForm({ enabled: false, maxAgents: 1, minScore: 0, fallback: "defaults" });
  byId("routing-status").textContent = "";
  explaining = false;
  saving = false;
  updateRoutingPanel();
}
