// @ts-check
/**
 * The delegation panel: ask several of the tenant's agents at once (POST
 * /v1/threads/:id/delegations) with a strategy and a per-agent timeout, and show each agent's
 * result: ok, declined (it had no answer), cancelled (a FIRST_SUCCESS loser), or failed with its code,
 * and what it said (one line that opens to the whole answer).
 */
import { byId, byIdAs, el, formatMs, showError } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { isAbort, isCurrent, may, session } from "./session.js";
import { loadTimeline, outcomeOf } from "./timeline.js";

/** @typedef {import("./types.js").DelegationResult} DelegationResult */
/** @typedef {import("./types.js").TimelineTurn} TimelineTurn */

/**
 * How one agent's call ended, as the console names it.
 * @param {DelegationResult} result
 */
export function delegationOutcome(result) {
  if (result.outcome === "not run") return "not run";
  if (result.outcome === "declined" || result.errorCode === "AGENT_DECLINED") return "declined";
  if (result.outcome === "cancelled" || result.errorCode === "ABORTED") return "cancelled";
  return result.success ? "ok" : "failed";
}

/** Lists the tenant's agents as choices. */
export function renderDelegateAgents() {
  const s = session();
  const box = byId("delegate-agents");
  box.replaceChildren();
  for (const agent of s?.agents ?? []) {
    const label = el("label", "check");
    const box_ = el("input");
    box_.type = "checkbox";
    box_.value = agent.card.identity.id;
    box_.name = "delegate-agent";
    label.append(box_, el("span", null, agent.card.identity.name));
    if (agent.card.identity.name !== agent.card.identity.id)
      label.append(el("code", null, agent.card.identity.id));
    box.append(label);
  }
  if (!s || s.agents.length === 0) box.append(el("p", "hint", "This tenant has no agents."));
  updateDelegateForm();
}

/** Enables the form when a delegation can run, and otherwise says why not. */
export function updateDelegateForm() {
  const s = session();
  const allowed = may(s, "delegate");
  const form = byIdAs("delegate-form", HTMLFormElement);
  const run = byIdAs("delegate-run", HTMLButtonElement);
  for (const control of form.querySelectorAll("input, select, textarea")) {
    /** @type {HTMLInputElement} */ (control).disabled = !allowed;
  }
  run.hidden = !allowed;
  run.disabled = !allowed || !s?.threadId || running;
  byId("delegate-reason").textContent = !s
    ? ""
    : !allowed
      ? `Your role (${s.me.role}) cannot delegate.`
      : !s.threadId
        ? "Pick a thread: the delegation is recorded in it."
        : "";
}

let running = false;

/** Runs the delegation the form describes. */
export async function runDelegation() {
  const s = session();
  if (!s?.threadId || running) return;
  const threadId = s.threadId;
  showError("delegate-error", null);
  const agentIds = [...byId("delegate-agents").querySelectorAll("input:checked")].map(
    (input) => /** @type {HTMLInputElement} */ (input).value,
  );
  const message = byIdAs("delegate-message", HTMLTextAreaElement).value.trim();
  const strategy = byIdAs("delegate-strategy", HTMLSelectElement).value;
  const timeoutMs = Number(byIdAs("delegate-timeout", HTMLInputElement).value);
  if (agentIds.length === 0) return showError("delegate-error", "Pick at least one agent.");
  if (!message) return showError("delegate-error", "Write the question to ask them.");
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    return showError("delegate-error", "The timeout must be a whole number of milliseconds.");
  }
  running = true;
  updateDelegateForm();
  const started = performance.now();
  try {
    /** @type {{ results: DelegationResult[], synthesis: string }} */
    const response = await s.api.send("POST", `/v1/threads/${threadId}/delegations`, {
      message,
      agentIds,
      strategy,
      timeoutMs,
    });
    if (!isCurrent(s)) return;
    const totalMs = performance.now() - started;
    const results = await withUnreported(s, threadId, agentIds, response.results);
    if (!isCurrent(s)) return;
    showRun({ strategy, results, totalMs });
    if (s.threadId === threadId) void loadTimeline();
  } catch (error) {
    if (!isAbort(error) && isCurrent(s)) showError("delegate-error", error);
  } finally {
    running = false;
    if (isCurrent(s)) updateDelegateForm();
  }
}

/**
 * `results` for every agent asked, in the order asked. A FIRST_SUCCESS answer reports only its
 * winner; what happened to the others (cancelled, or never started) is in the turn's timeline.
 * @param {import("./session.js").Session} s
 * @param {string} threadId
 * @param {string[]} agentIds
 * @param {DelegationResult[]} results
 * @returns {Promise<DelegationResult[]>}
 */
async function withUnreported(s, threadId, agentIds, results) {
  const reported = new Map(results.map((result) => [result.agentId, result]));
  const missing = agentIds.filter((id) => !reported.has(id));
  if (missing.length === 0) return results;
  /** @type {Map<string, DelegationResult>} */
  const attempts = new Map();
  try {
    /** @type {{ turns: TimelineTurn[] }} */
    const { turns } = await s.api.get(`/v1/threads/${threadId}/timeline?limit=1`);
    for (const event of turns.at(-1)?.events ?? []) {
      if (event.kind !== "delegation" || !event.agentId || !missing.includes(event.agentId)) continue;
      attempts.set(event.agentId, {
        agentId: event.agentId,
        success: event.outcome === "success",
        outcome: outcomeOf(event) ?? "failed",
        ...(event.errorCode ? { errorCode: event.errorCode } : {}),
        latencyMs: event.durationMs ?? Number.NaN,
      });
    }
  } catch (error) {
    if (isAbort(error)) throw error;
    // Without the timeline, the agents not reported show as not run.
  }
  return agentIds.map(
    (id) =>
      reported.get(id) ??
      attempts.get(id) ?? { agentId: id, success: false, outcome: "not run", latencyMs: Number.NaN },
  );
}

/**
 * Adds one run's results on top of the earlier ones.
 * @param {{ strategy: string, results: DelegationResult[], totalMs: number }} run
 */
export function showRun({ strategy, results, totalMs }) {
  const box = byId("delegate-results");
  const node = el("section", "run");
  node.dataset.strategy = strategy;
  node.append(
    el(
      "header",
      "run-head",
      `${strategy} · ${results.length} agent${results.length === 1 ? "" : "s"} · ${formatMs(totalMs)}`,
    ),
  );
  const table = el("ul", "results");
  for (const result of results) {
    const outcome = delegationOutcome(result);
    const tone = outcome.replace(" ", "-");
    const row = el("li", `result ${tone}`);
    row.dataset.agentId = result.agentId;
    row.dataset.outcome = outcome;
    row.append(el("span", "agent", result.agentId));
    row.append(
      el(
        "span",
        `status ${outcome}`,
        outcome === "failed" ? `failed: ${result.errorCode ?? "ERROR"}` : outcome,
      ),
    );
    row.append(el("span", "ms", formatMs(result.latencyMs)));
    const said = result.success ? result.response : result.error;
    if (said) row.append(saidNode(said));
    table.append(row);
  }
  node.append(table);
  box.prepend(node);
}

/**
 * What an agent said: one line, which opens to the whole answer (as safe Markdown) when clicked.
 * @param {string} said
 */
function saidNode(said) {
  const node = el("details", "said");
  const line = el("summary", "said-line", said);
  const whole = el("div", "said-whole md");
  node.append(line, whole);
  // Rendered the first time it is opened: most results are never opened.
  node.addEventListener("toggle", () => {
    if (node.open && !whole.hasChildNodes()) whole.append(renderMarkdown(said));
  });
  return node;
}

/** Forgets the runs shown (they belong to the thread that was selected). */
export function clearRuns() {
  byId("delegate-results").replaceChildren();
  showError("delegate-error", null);
}

/** Back to the signed-out state. */
export function resetDelegation() {
  byId("delegate-results").replaceChildren();
  byIdAs("delegate-message", HTMLTextAreaElement).value = "";
  byIdAs("delegate-strategy", HTMLSelectElement).value = "parallel";
  byIdAs("delegate-timeout", HTMLInputElement).value = "30000";
  showError("delegate-error", null);
  running = false;
  renderDelegateAgents();
}
