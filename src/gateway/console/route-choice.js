// @ts-check
/**
 * How the router chose: who answers, why, and the selector's candidates ranked with their scores
 * ("billing-agent 0.82 — skill Invoices: invoice, charge"). The timeline's route events and "Who
 * would answer?" show it the same way, so what was explained reads like what then happened.
 */
import { el } from "./dom.js";

/** @typedef {import("./types.js").RouteCandidate} RouteCandidate */

/**
 * @typedef {object} RouteChoice
 * @property {"handoff" | "selected" | "defaults" | "ask"} outcome
 * @property {string[]} agentIds Who answers (none when the user is asked to choose).
 * @property {RouteCandidate[]} candidates Best first.
 * @property {string} reason
 * @property {boolean} [routing] False when skill routing did not apply (no candidates to show).
 */

/** The router's words for a fallback to the default agents (see router-routing.ts). */
const DEFAULTS_ANSWER = /; the default agents answer$/;

/**
 * The choice a route event records, or null for a turn routed without skills (no candidates, no reason).
 * @param {Record<string, unknown>} detail The route event's `detail`.
 * @returns {RouteChoice | null}
 */
export function choiceOfRoute(detail) {
  const hasCandidates = Array.isArray(detail.candidates);
  if (!hasCandidates && typeof detail.reason !== "string") return null;
  const candidates = hasCandidates ? /** @type {unknown[]} */ (detail.candidates).flatMap(candidateOf) : [];
  const reason = typeof detail.reason === "string" ? detail.reason : "";
  const agentIds = Array.isArray(detail.agentIds)
    ? detail.agentIds.filter((id) => typeof id === "string")
    : [];
  const ranked = new Set(candidates.map((candidate) => candidate.agentId));
  /** @type {RouteChoice["outcome"]} */
  const outcome =
    detail.target === "handoff"
      ? "handoff"
      : agentIds.length === 0
        ? "ask"
        : DEFAULTS_ANSWER.test(reason) || !agentIds.every((id) => ranked.has(id))
          ? "defaults"
          : "selected";
  return { outcome, agentIds, candidates, reason };
}

/**
 * @param {unknown} value
 * @returns {RouteCandidate[]}
 */
function candidateOf(value) {
  if (value === null || typeof value !== "object") return [];
  const { agentId, score, skillId, reason } = /** @type {Record<string, unknown>} */ (value);
  if (typeof agentId !== "string") return [];
  return [
    {
      agentId,
      ...(typeof score === "number" ? { score } : {}),
      ...(typeof skillId === "string" ? { skillId } : {}),
      ...(typeof reason === "string" ? { reason } : {}),
    },
  ];
}

/**
 * One line saying who answers: "billing-agent answers", "Nothing fits: the default agents answer
 * (docs-agent)", "Nothing fits: the user is asked to choose", "A handoff holds the thread: ...".
 * @param {RouteChoice} choice
 */
export function verdictOf(choice) {
  const who = choice.agentIds.join(", ");
  switch (choice.outcome) {
    case "handoff":
      return `A handoff holds the thread: ${who} answers`;
    case "selected":
      return `${who} ${choice.agentIds.length === 1 ? "answers" : "answer"}`;
    case "defaults":
      return choice.routing === false
        ? `The default agents answer (${who})`
        : `Nothing fits: the default agents answer (${who})`;
    case "ask":
      return "Nothing fits: the user is asked to choose";
  }
}

/**
 * A candidate's reason, shortened: the SkillRouter's `skill "Invoices" of billing-agent matches
 * "invoice", "charge"` reads "skill Invoices: invoice, charge"; any other reason is shown as it is.
 * @param {string} reason
 */
export function shortReason(reason) {
  const match = /^(skill "(.+)"|agent) of \S+ matches (.+)$/.exec(reason);
  if (!match) return reason;
  const words = (match[3] ?? "").replace(/"/g, "");
  return `${match[2] ? `skill ${match[2]}` : "agent"}: ${words}`;
}

/**
 * The choice as a block: the verdict, the reason, and the ranked candidates (the chosen ones marked).
 * @param {RouteChoice} choice
 */
export function choiceNode(choice) {
  const node = el("div", `route-choice ${choice.outcome}`);
  node.dataset.outcome = choice.outcome;
  node.dataset.testid = "route-choice";
  node.append(el("p", "route-verdict", verdictOf(choice)));
  if (choice.reason) node.append(el("p", "route-reason", choice.reason));
  if (choice.outcome === "handoff" || choice.routing === false) return node;
  if (choice.candidates.length === 0) {
    node.append(el("p", "route-none", "No candidates: no agent's skills match the message."));
    return node;
  }
  const chosen = new Set(choice.outcome === "selected" ? choice.agentIds : []);
  const list = el("ol", "candidates");
  for (const candidate of choice.candidates) {
    const item = el("li", "candidate" + (chosen.has(candidate.agentId) ? " chosen" : ""));
    item.dataset.agentId = candidate.agentId;
    item.dataset.chosen = String(chosen.has(candidate.agentId));
    item.append(el("span", "candidate-agent", candidate.agentId));
    item.append(
      el("span", "candidate-score", candidate.score === undefined ? "–" : candidate.score.toFixed(2)),
    );
    if (candidate.reason) {
      const why = el("span", "candidate-why", `— ${shortReason(candidate.reason)}`);
      why.title = candidate.reason;
      item.append(why);
    }
    list.append(item);
  }
  node.append(list);
  return node;
}
