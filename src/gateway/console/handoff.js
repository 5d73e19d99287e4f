// @ts-check
/**
 * Who holds the thread (the orchestrator or a handoff's specialist), and starting or cancelling a
 * handoff. Actions the role may not use are not offered (GET /v1/me lists the allowed operations).
 */
import { byId, byIdAs, el, showError } from "./dom.js";
import { isAbort, isCurrent, may, session } from "./session.js";

/** @typedef {import("./types.js").Holder} Holder */

/**
 * Shows who holds the selected thread (null: no thread selected).
 * @param {Holder | null} holder
 */
export function setHolder(holder) {
  const s = session();
  if (s) s.holder = holder;
  const badge = byId("holder");
  const line = byId("handoff-holder");
  badge.className = "badge" + (holder?.kind === "handoff" ? " handoff" : "");
  badge.dataset.kind = holder ? holder.kind : "none";
  badge.dataset.agentId = holder ? holder.agentId : "";
  const text = !holder
    ? "No thread"
    : holder.kind === "handoff"
      ? `Held by ${holder.agentId} (handoff)`
      : "Held by the orchestrator";
  // In its own span, so a long agent id ends in an ellipsis (the whole text stays in the title).
  badge.replaceChildren(el("span", "badge-text", text));
  badge.title = text;
  line.textContent = holder ? text : "Pick a thread to see who holds it.";
  updateHandoffControls();
}

/** Fills the specialist picker with the tenant's handoff-capable agents. */
export function renderHandoffAgents() {
  const s = session();
  const select = byIdAs("handoff-agent", HTMLSelectElement);
  select.replaceChildren();
  const agents = s ? s.agents.filter((agent) => agent.handoff) : [];
  if (agents.length === 0) select.append(el("option", null, "No handoff-capable agents"));
  for (const agent of agents) {
    const option = el("option", null, `${agent.card.identity.name} (${agent.card.identity.id})`);
    option.value = agent.card.identity.id;
    select.append(option);
  }
  updateHandoffControls();
}

function updateHandoffControls() {
  const s = session();
  const start = byIdAs("handoff-start", HTMLButtonElement);
  const cancel = byIdAs("handoff-cancel", HTMLButtonElement);
  const select = byIdAs("handoff-agent", HTMLSelectElement);
  const summary = byIdAs("handoff-summary", HTMLInputElement);
  const mayStart = may(s, "startHandoff");
  const mayCancel = may(s, "cancelHandoff");
  const held = s?.holder?.kind === "handoff";
  const capable = !!s && s.agents.some((agent) => agent.handoff);
  start.hidden = !mayStart;
  byId("handoff-start-form").hidden = !mayStart;
  cancel.hidden = !mayCancel;
  start.disabled = !s?.threadId || held || !capable;
  select.disabled = !capable || held;
  summary.disabled = !capable || held;
  cancel.disabled = !s?.threadId || !held;
  byId("handoff-reason").textContent = !s
    ? ""
    : !mayStart && !mayCancel
      ? `Your role (${s.me.role}) cannot start or cancel handoffs.`
      : !s.threadId
        ? "Pick a thread to hand it off."
        : !capable && !held
          ? "No agent of this tenant accepts handoffs."
          : "";
}

/**
 * @param {() => Promise<void>} refresh Reloads the thread and its messages afterwards.
 */
export async function startHandoff(refresh) {
  const s = session();
  if (!s?.threadId) return;
  showError("handoff-error", null);
  try {
    const summary = byIdAs("handoff-summary", HTMLInputElement).value.trim();
    /** @type {{ accepted: boolean, rejectionReason?: string }} */
    const result = await s.api.send("POST", `/v1/threads/${s.threadId}/handoff`, {
      targetAgentId: byIdAs("handoff-agent", HTMLSelectElement).value,
      contextSummary: summary || "Handed off from the OmniForge console",
      handoffReason: "console_request",
    });
    if (!isCurrent(s)) return;
    if (!result.accepted)
      showError("handoff-error", `Rejected: ${result.rejectionReason ?? "no reason given"}`);
    byIdAs("handoff-summary", HTMLInputElement).value = "";
    await refresh();
  } catch (error) {
    if (!isAbort(error) && isCurrent(s)) showError("handoff-error", error);
  }
}

/**
 * @param {() => Promise<void>} refresh Reloads the thread and its messages afterwards.
 */
export async function cancelHandoff(refresh) {
  const s = session();
  if (!s?.threadId) return;
  showError("handoff-error", null);
  try {
    await s.api.send("DELETE", `/v1/threads/${s.threadId}/handoff`, { reason: "Cancelled from the console" });
    if (isCurrent(s)) await refresh();
  } catch (error) {
    if (!isAbort(error) && isCurrent(s)) showError("handoff-error", error);
  }
}

/** Back to the signed-out state. */
export function resetHandoff() {
  byIdAs("handoff-summary", HTMLInputElement).value = "";
  showError("handoff-error", null);
  renderHandoffAgents();
  setHolder(null);
}
