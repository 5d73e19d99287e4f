/**
 * The audit of calls to a handoff's specialist: one record per call. Writing it never fails the
 * call: a lost record is logged loudly and the call's outcome stands.
 */
import { errorCodeOf, type Logger } from "../observability.js";
import { outcomeOf, type AgentCallAudit, type AgentCallKind } from "./agent-call-audit.js";
import type { HandoffSession } from "./handoff-store.js";

export class HandoffCallAudit {
  readonly #audit: AgentCallAudit | undefined;
  readonly #logger: Logger;

  constructor(deps: { audit: AgentCallAudit | undefined; logger: Logger }) {
    this.#audit = deps.audit;
    this.#logger = deps.logger;
  }

  /** Records one call to `session`'s specialist (never throws). */
  async record(
    session: HandoffSession,
    kind: AgentCallKind,
    latencyMs: number,
    error?: unknown,
  ): Promise<void> {
    if (!this.#audit) return;
    const errorCode = error === undefined ? undefined : errorCodeOf(error);
    try {
      await this.#audit.record([
        {
          tenantId: session.tenantId,
          threadId: session.threadId,
          userId: session.userId,
          agentId: session.targetAgentId,
          kind,
          outcome: outcomeOf(errorCode),
          ...(errorCode !== undefined ? { errorCode } : {}),
          latencyMs: Math.round(latencyMs * 100) / 100,
          handoffId: session.handoffId,
        },
      ]);
    } catch (failure) {
      this.#logger.error(
        { threadId: session.threadId, handoffId: session.handoffId, errorCode: errorCodeOf(failure) },
        "audit record not written",
      );
    }
  }

  /** Runs `call` and records how it ended and how long it took; its result or error passes on. */
  async timed<T>(session: HandoffSession, kind: AgentCallKind, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let result: T;
    try {
      result = await call();
    } catch (error) {
      await this.record(session, kind, performance.now() - started, error);
      throw error;
    }
    await this.record(session, kind, performance.now() - started);
    return result;
  }
}
