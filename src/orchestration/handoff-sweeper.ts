/**
 * Ends the sessions no participant ends: a pending one the target never answered, an active one
 * idle past its limit (both EXPIRED), and one whose directory agent the tenant removed
 * (CANCELLED). Each end is noted in the thread; an expired active specialist is told.
 */
import { ErrorCode, isOrchestrationError } from "../errors.js";
import type { Logger } from "../observability.js";
import type { HandoffRecorder } from "./handoff-recorder.js";
import type { HandoffRequests } from "./handoff-requests.js";
import {
  LIVE_STATES,
  type HandoffSession,
  type HandoffStore,
  type NewHandoffSession,
} from "./handoff-store.js";
import { HandoffState } from "./types.js";

export class HandoffSweeper {
  readonly #store: HandoffStore;
  readonly #recorder: HandoffRecorder;
  readonly #requests: HandoffRequests;
  readonly #logger: Logger;

  constructor(deps: {
    store: HandoffStore;
    recorder: HandoffRecorder;
    requests: HandoffRequests;
    logger: Logger;
  }) {
    this.#store = deps.store;
    this.#recorder = deps.recorder;
    this.#requests = deps.requests;
    this.#logger = deps.logger;
  }

  /** The thread's live session, or null; one past its deadline is expired here. */
  async live(threadId: string, tenantId: string): Promise<HandoffSession | null> {
    const session = await this.#store.getLive(threadId, tenantId);
    if (!session) return null;
    if (isExpired(session, new Date())) {
      await this.expire(session);
      return null;
    }
    return session;
  }

  /** Reserves the thread for a new session, first expiring a holder past its deadline. */
  async reserve(input: NewHandoffSession): Promise<HandoffSession> {
    try {
      return await this.#store.reserve(input);
    } catch (error) {
      if (!isOrchestrationError(error, ErrorCode.HANDOFF_ALREADY_ACTIVE)) throw error;
      // The holder may be an idle-expired or abandoned session: expire it and try once more.
      const holder = await this.#store.getLive(input.threadId, input.tenantId);
      if (holder && isExpired(holder, new Date()) && (await this.expire(holder))) {
        return this.#store.reserve(input);
      }
      throw error;
    }
  }

  /** Expires every live session past its deadline at `now`; how many this call expired. */
  async expireIdle(now: Date): Promise<number> {
    let expired = 0;
    for (const session of await this.#store.listExpired(now)) {
      if (await this.expire(session)) expired++;
    }
    return expired;
  }

  /** Expires `session` if it is still live; true when this call did it. */
  async expire(session: HandoffSession): Promise<boolean> {
    const reason =
      session.state === HandoffState.PENDING
        ? "no answer from the target"
        : `idle for more than ${session.idleTimeoutSeconds} s`;
    const expired = await this.#recorder.tryTransition(session, HandoffState.EXPIRED, {}, reason);
    if (!expired) return false;
    await this.#recorder.note(
      expired,
      `Handoff to ${session.targetAgentId} expired (${reason}); control returned to ${session.sourceAgentId}`,
    );
    this.#logger.info({ threadId: session.threadId, handoffId: session.handoffId }, "handoff expired");
    if (session.state === HandoffState.ACTIVE)
      await this.#requests.notifyCancel(session, `expired: ${reason}`);
    return true;
  }

  /** Cancels every live session of `tenantId` held by the directory agent `agentId`; how many. */
  async endHandoffsTo(tenantId: string, agentId: string): Promise<number> {
    let ended = 0;
    for (const session of await this.#store.listLiveTo(tenantId, agentId)) {
      if (session.targetSource !== "directory") continue;
      if (await this.endForRemovedAgent(session)) ended++;
    }
    return ended;
  }

  /** Cancels `session`, whose directory agent was removed; true when this call did it. */
  async endForRemovedAgent(session: HandoffSession): Promise<boolean> {
    const reason = `agent ${session.targetAgentId} was removed from the tenant's directory`;
    const ended = await this.#recorder.tryTransition(session, HandoffState.CANCELLED, {}, reason);
    if (!ended) return false;
    await this.#recorder.note(
      ended,
      `Handoff to ${session.targetAgentId} ended: the agent was removed; control returned to ${session.sourceAgentId}`,
    );
    return true;
  }
}

function isExpired(session: HandoffSession, now: Date): boolean {
  return LIVE_STATES.includes(session.state) && now.getTime() > session.expiresAt.getTime();
}
