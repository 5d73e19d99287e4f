// @ts-check
/**
 * The selected thread's timeline (GET /v1/threads/:id/timeline), one block per turn, newest
 * first: route chosen -> agents called -> first chunk -> done, or the handoff and delegation
 * events, each with when it happened in the turn and how long it took. A FIRST_SUCCESS loser
 * that was stopped shows as "cancelled", an agent with no answer as "declined"; neither is a failure.
 * A turn routed by skills shows the choice under its route event (route-choice.js); a handoff an
 * agent asked for says so, and one its target refused shows as rejected.
 */
import { byId, el, formatMs } from "./dom.js";
import { choiceNode, choiceOfRoute } from "./route-choice.js";
import { isAbort, isCurrent, session } from "./session.js";

/** @typedef {import("./types.js").TimelineTurn} TimelineTurn */
/** @typedef {import("./types.js").TimelineEvent} TimelineEvent */

const TURNS = 50;

/** @type {Record<string, string>} */
const LABELS = {
  route: "Route chosen",
  agent_call: "Agent called",
  first_chunk: "First chunk",
  done: "Done",
  delegation: "Delegated",
  input_required: "Asked for input",
  handoff_started: "Handoff started",
  handoff_rejected: "Handoff rejected",
  handoff_returned: "Handoff returned",
  handoff_cancelled: "Handoff cancelled",
  error: "Error",
};

/** @type {Record<string, string>} */
const TRIGGERS = {
  message: "Message",
  delegation: "Delegation",
  handoff_start: "Handoff",
  handoff_cancel: "Handoff cancelled",
  handoff_complete: "Handoff completed",
};

/** Reloads the selected thread's timeline. */
export async function loadTimeline() {
  const s = session();
  if (!s?.threadId) return resetTimeline();
  const threadId = s.threadId;
  try {
    /** @type {{ turns: TimelineTurn[] }} */
    const data = await s.api.get(`/v1/threads/${threadId}/timeline?limit=${TURNS}`);
    if (isCurrent(s) && s.threadId === threadId) renderTimeline(data.turns);
  } catch (error) {
    if (isAbort(error) || !isCurrent(s) || s.threadId !== threadId) return;
    const box = byId("timeline");
    box.replaceChildren(el("p", "error", error instanceof Error ? error.message : String(error)));
  }
}

/**
 * How an event ended, as the console names it.
 * @param {TimelineEvent} event
 * @returns {string | null}
 */
export function outcomeOf(event) {
  if (isRejectedHandoff(event)) return "rejected";
  if (event.errorCode === "AGENT_DECLINED" || event.outcome === "declined") return "declined";
  if (event.outcome === "cancelled" || event.errorCode === "ABORTED") return "cancelled";
  if (event.outcome === "failure") return "failed";
  if (event.outcome === "success") return "ok";
  return null;
}

/**
 * A handoff its target refused: recorded as `handoff_started` with `accepted: false` (or as its own kind).
 * @param {TimelineEvent} event
 */
function isRejectedHandoff(event) {
  return (
    event.kind === "handoff_rejected" ||
    (event.kind === "handoff_started" && event.detail?.accepted === false)
  );
}

/**
 * @param {TimelineTurn[]} turns Oldest first, as the API sends them.
 */
export function renderTimeline(turns) {
  const box = byId("timeline");
  box.replaceChildren();
  if (turns.length === 0) {
    box.append(el("p", "hint", "No turns yet: send a message to see how it is routed."));
    return;
  }
  const numbered = turns.map((turn, index) => ({ turn, number: index + 1 }));
  for (const { turn, number } of numbered.reverse()) box.append(turnNode(turn, number));
}

/**
 * @param {TimelineTurn} turn
 * @param {number} number
 */
function turnNode(turn, number) {
  const node = el("section", "turn");
  node.dataset.turnId = turn.turnId;
  const head = el("header", "turn-head");
  const trigger = turn.trigger ? (TRIGGERS[turn.trigger] ?? turn.trigger) : "Turn";
  head.append(el("span", "turn-title", `#${number} ${trigger}`));
  head.append(el("time", "turn-time", new Date(turn.startedAt).toLocaleTimeString()));
  head.append(el("span", "turn-total", formatMs(turn.durationMs)));
  node.append(head);
  const total = Math.max(1, turn.durationMs ?? 0, ...turn.events.map((e) => e.atMs + (e.durationMs ?? 0)));
  const list = el("ol", "events");
  // In the order they began (a call is recorded when it ends, but began before its first chunk).
  const events = [...turn.events].sort((a, b) => a.atMs - b.atMs);
  for (const event of events) list.append(eventNode(event, total));
  node.append(list);
  return node;
}

/**
 * @param {TimelineEvent} event
 * @param {number} total
 */
function eventNode(event, total) {
  const outcome = outcomeOf(event);
  const row = el("li", "event" + (outcome ? ` ${outcome}` : ""));
  row.dataset.kind = event.kind;
  if (outcome) row.dataset.outcome = outcome;
  if (event.agentId) row.dataset.agentId = event.agentId;
  const line = el("div", "event-line");
  const kind = isRejectedHandoff(event) ? "handoff_rejected" : event.kind;
  if (kind !== event.kind) row.dataset.kind = kind;
  line.append(el("span", "event-kind", LABELS[kind] ?? kind));
  line.append(el("span", "event-agent", describe(event)));
  line.append(el("span", "event-at", `+${formatMs(event.atMs)}`));
  if (event.durationMs !== undefined && event.durationMs !== null) {
    line.append(el("span", "event-ms", formatMs(event.durationMs)));
  }
  if (outcome && outcome !== "ok") {
    line.append(
      el(
        "span",
        `status ${outcome}`,
        outcome === "failed" && event.errorCode ? `failed: ${event.errorCode}` : outcome,
      ),
    );
  }
  row.append(line);
  const choice = event.kind === "route" ? choiceOfRoute(event.detail ?? {}) : null;
  if (choice) row.append(choiceNode(choice));
  // A bar placed on the turn's time axis (CSSOM, not a style attribute: the CSP allows no inline styles).
  const bar = el("div", "event-bar");
  const fill = el("span");
  fill.style.marginLeft = `${Math.min(100, (event.atMs / total) * 100)}%`;
  fill.style.width = `${Math.max(0.8, Math.min(100, ((event.durationMs ?? 0) / total) * 100))}%`;
  bar.append(fill);
  row.append(bar);
  return row;
}

/**
 * The agent an event concerns, plus the little the event says about itself (never content).
 * @param {TimelineEvent} event
 */
function describe(event) {
  const detail = event.detail ?? {};
  const agent = event.agentId ?? "";
  if (event.kind === "route" && detail.target === "handoff") return `${agent} (handoff)`;
  if (event.kind === "route" && Array.isArray(detail.agentIds) && detail.agentIds.length !== 1) {
    return detail.agentIds.length === 0 ? "the user is asked" : detail.agentIds.join(", ");
  }
  if ((event.kind === "handoff_started" || event.kind === "handoff_rejected") && detail.by === "transfer") {
    const from = typeof detail.sourceAgentId === "string" ? detail.sourceAgentId : "the agent";
    return `${from} → ${agent} · requested by the agent`;
  }
  if (event.kind === "delegation" && typeof detail.strategy === "string")
    return `${agent} · ${detail.strategy}`;
  if (event.kind === "handoff_returned" && typeof detail.completionStatus === "string") {
    return `${agent} · ${detail.completionStatus}`;
  }
  if (event.kind === "error" && event.errorCode) return `${agent ? `${agent} · ` : ""}${event.errorCode}`;
  return agent;
}

/** Back to the empty state. */
export function resetTimeline() {
  byId("timeline").replaceChildren(el("p", "hint", "Pick a thread to see its turns."));
}
