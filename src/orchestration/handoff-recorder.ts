/**
 * Writes down what happens to a handoff session: each transition stored, traced and logged, and
 * a system note in the thread for the moves a reader of the thread should see.
 */
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { MessageRole } from "../conversation/models.js";
import { ErrorCode, HandoffError } from "../errors.js";
import { errorCodeOf, inSpan, type Logger, type Tracer } from "../observability.js";
import {
  LIVE_STATES,
  type HandoffSession,
  type HandoffStore,
  type TransitionChanges,
} from "./handoff-store.js";
import type { HandoffState } from "./types.js";

export class HandoffRecorder {
  readonly #store: HandoffStore;
  readonly #repo: ConversationRepository;
  readonly #tracer: Tracer;
  readonly #logger: Logger;

  constructor(deps: { store: HandoffStore; repo: ConversationRepository; tracer: Tracer; logger: Logger }) {
    this.#store = deps.store;
    this.#repo = deps.repo;
    this.#tracer = deps.tracer;
    this.#logger = deps.logger;
  }

  /** Moves `session` to `to` if no one moved it first: the updated session, or null. */
  tryTransition(
    session: HandoffSession,
    to: HandoffState,
    changes: TransitionChanges,
    reason: string,
  ): Promise<HandoffSession | null> {
    return inSpan(
      this.#tracer,
      "omniforge.handoff.transition",
      {
        "omniforge.handoff_id": session.handoffId,
        "omniforge.thread_id": session.threadId,
        "omniforge.from_state": session.state,
        "omniforge.to_state": to,
      },
      async (span) => {
        const next = await this.#store.transition(session, to, changes, reason);
        span.setAttribute("omniforge.applied", next !== null);
        this.#logger.debug(
          {
            threadId: session.threadId,
            handoffId: session.handoffId,
            from: session.state,
            to,
            applied: next !== null,
          },
          "handoff transition",
        );
        return next;
      },
    );
  }

  /** Moves `session` to `to`; a HandoffError when someone else moved it first. */
  async transition(
    session: HandoffSession,
    to: HandoffState,
    changes: TransitionChanges,
    reason: string,
  ): Promise<HandoffSession> {
    const next = await this.tryTransition(session, to, changes, reason);
    if (next) return next;
    // Someone else moved the session first (a cancel racing a completion, an expiry...).
    const current = await this.#store.get(session.handoffId, session.tenantId);
    const state = current?.state ?? "unknown";
    throw new HandoffError(
      LIVE_STATES.includes(state as HandoffState)
        ? ErrorCode.INVALID_HANDOFF_TRANSITION
        : ErrorCode.NO_ACTIVE_HANDOFF,
      `Handoff ${session.handoffId} is ${state}; it cannot become ${to}`,
      { context: { threadId: session.threadId, tenantId: session.tenantId, handoffId: session.handoffId } },
    );
  }

  /** A system note in the session's thread (best effort: a failed write is logged). */
  async note(session: HandoffSession, text: string): Promise<void> {
    try {
      await this.#repo.addMessage({
        conversationId: session.threadId,
        tenantId: session.tenantId,
        role: MessageRole.SYSTEM,
        content: text,
        metadata: { handoffId: session.handoffId, handoffState: session.state },
      });
    } catch (error) {
      this.#logger.error(
        { threadId: session.threadId, errorCode: errorCodeOf(error) },
        "handoff note not written",
      );
    }
  }
}
