/**
 * Agent-requested transfers: an agent answering on the orchestrator path may ask, with a
 * `handoffSuggest` data part, that the thread be handed to another agent. The router checks the
 * request (a target of the tenant's, not the agent itself; a user allowed to start handoffs; no
 * loop) and starts the handoff through the handoff manager — the same durable, one-per-thread path
 * as any handoff. A request that fails a check is ignored with a warning: the turn is answered.
 */
import { findHandoffSuggest, type HandoffSuggestPayload } from "../a2a/handoff-extension.js";
import type { AgentCard } from "../a2a/agent-card.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { MessageRole } from "../conversation/models.js";
import { isOrchestrationError } from "../errors.js";
import { LIMITS, cutToBytes } from "../validation.js";
import type { HandoffManager, HandoffSession } from "./handoff-manager.js";
import type { RouterEvent } from "./router-events.js";
import type { AgentStream } from "./router-open-tasks.js";
import type { RoutingPlan } from "./router-routing-plan.js";

/** What one turn's transfer needs. */
export interface TransferTurn {
  plan: RoutingPlan;
  handoffs: HandoffManager;
  repo: ConversationRepository;
  input: { threadId: string; tenantId: string; userId: string };
  /** The agent answering on the orchestrator path (who may ask for the transfer). */
  agentId: string;
  /** False: the user may not start handoffs. Undefined: the handoff manager's RBAC decides. */
  mayStartHandoff: boolean | undefined;
  signal: AbortSignal;
}

/** User messages between two moves of a thread up to which the second one counts as a bounce. */
const BOUNCE_GAP = 2;

/**
 * Watches one agent's stream for its first `handoffSuggest` (at most one transfer per turn) and,
 * when the reply is stored, performs the transfer before the turn's `done` event.
 */
export class TransferWatch {
  #suggestion: HandoffSuggestPayload | undefined;
  #malformed = false;
  readonly #turn: TransferTurn;

  constructor(turn: TransferTurn) {
    this.#turn = turn;
  }

  /** `stream`, noting the first `handoffSuggest` it carries. */
  async *tap(stream: AgentStream): AgentStream {
    try {
      for (;;) {
        const next = await stream.next();
        if (next.done) return next.value;
        if (next.value.type === "data" && this.#suggestion === undefined && !this.#malformed) {
          this.#note(next.value.data);
        }
        yield next.value;
      }
    } finally {
      await stream.return(undefined as never).catch(() => undefined);
    }
  }

  /** The relay's events, with the transfer (if one was asked for) performed before `done`. */
  async *around(events: AsyncGenerator<RouterEvent>): AsyncGenerator<RouterEvent> {
    let done: RouterEvent | undefined;
    for await (const event of events) {
      if (event.type === "done") done = event;
      else yield event;
    }
    if (done === undefined) return;
    if (this.#malformed) this.#warn("malformed");
    else if (this.#suggestion !== undefined) yield* this.#transfer(this.#suggestion);
    yield done;
  }

  #note(data: Record<string, unknown>): void {
    try {
      this.#suggestion = findHandoffSuggest([data]);
    } catch {
      this.#malformed = true;
    }
  }

  async *#transfer(suggestion: HandoffSuggestPayload): AsyncGenerator<RouterEvent> {
    const { plan, input, agentId } = this.#turn;
    const targetId = suggestion.targetAgentId;
    if (plan.maxBounces === 0) return this.#warn("transfers_off");
    if (targetId === agentId) return this.#warn("self");
    const target = plan.agents.find((card) => card.identity.id === targetId);
    // Another tenant's agent is as unknown as a missing one (the plan holds this tenant's only).
    if (!target) return this.#warn("unknown_target");
    if (this.#turn.mayStartHandoff === false) return this.#warn("not_permitted", targetId);
    if ((await this.#bounces(agentId, targetId)) >= plan.maxBounces) return this.#warn("loop", targetId);
    const reason = cutToBytes(plan.sanitizer.sanitize(suggestion.reason), LIMITS.titleLength);
    const summary = cutToBytes(plan.sanitizer.sanitize(suggestion.contextSummary), LIMITS.summaryLength);
    let acceptance;
    try {
      acceptance = await this.#turn.handoffs.initiateHandoff({
        ...input,
        sourceAgentId: agentId,
        ...(await targetOf(plan, target)),
        contextSummary: summary,
        handoffReason: reason,
        signal: this.#turn.signal,
      });
    } catch (error) {
      return this.#warn(
        "handoff_failed",
        targetId,
        isOrchestrationError(error) ? error.code : "INTERNAL_ERROR",
      );
    }
    if (acceptance.accepted && acceptance.handoffId !== undefined) {
      plan.logger.info(
        { tenantId: input.tenantId, threadId: input.threadId, agentId, targetAgentId: targetId },
        "agent-requested transfer started",
      );
      yield {
        type: "handoff_started",
        handoffId: acceptance.handoffId,
        agentId: targetId,
        sourceAgentId: agentId,
        reason,
      };
      return;
    }
    yield {
      type: "handoff_rejected",
      agentId: targetId,
      sourceAgentId: agentId,
      reason,
      rejectionReason: acceptance.rejectionReason ?? "rejected by the agent",
    };
  }

  /**
   * How many times in a row the thread has just moved between these two agents: its newest
   * handoffs, back to the first that is between other agents or after which the user said more
   * than {@link BOUNCE_GAP} things (the message its receiver answered, and the one that moved the
   * thread again). Read from the database, so every replica counts the same.
   */
  async #bounces(from: string, to: string): Promise<number> {
    const { handoffs, repo, input, plan } = this.#turn;
    const ref = { threadId: input.threadId, tenantId: input.tenantId };
    const window = (plan.maxBounces + 1) * 10;
    const [sessions, messages] = await Promise.all([
      handoffs.listHandoffs(ref),
      repo.getRecentMessages({
        conversationId: ref.threadId,
        tenantId: ref.tenantId,
        limit: window,
        includeSystem: false,
      }),
    ]);
    const said = messages.filter((m) => m.role === MessageRole.USER).map((m) => m.createdAt.getTime());
    const oldest = messages[0]?.createdAt.getTime() ?? 0;
    let count = 0;
    let until = Number.POSITIVE_INFINITY;
    for (const session of [...sessions].reverse()) {
      if (!between(session, from, to)) break;
      const start = session.startedAt.getTime();
      // More messages since than were read: the user said plenty in between.
      if (messages.length === window && oldest > start) break;
      if (said.filter((at) => at > start && at <= until).length > BOUNCE_GAP) break;
      count++;
      until = start;
    }
    return count;
  }

  #warn(why: string, targetAgentId?: string, errorCode?: string): void {
    const { input, agentId, plan } = this.#turn;
    // The target id only when it is one of the tenant's agents; never the summary or reason.
    plan.logger.warn(
      {
        tenantId: input.tenantId,
        threadId: input.threadId,
        agentId,
        why,
        ...(targetAgentId !== undefined ? { targetAgentId } : {}),
        ...(errorCode !== undefined ? { errorCode } : {}),
      },
      "agent-requested transfer ignored",
    );
  }
}

function between(session: HandoffSession, a: string, b: string): boolean {
  return (
    (session.sourceAgentId === a && session.targetAgentId === b) ||
    (session.sourceAgentId === b && session.targetAgentId === a)
  );
}

/** How the handoff manager is told the target: by id (its directory), or by the callable card. */
async function targetOf(
  plan: RoutingPlan,
  target: AgentCard,
): Promise<{ targetAgentId: string } | { targetAgentCard: AgentCard }> {
  const id = target.identity.id;
  if (plan.transferBy === "directory") return { targetAgentId: id };
  return { targetAgentCard: (await plan.cardFor(id)) ?? target };
}
