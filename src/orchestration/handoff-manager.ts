/**
 * The handoff pattern: a specialist agent takes control of a thread for a multi-turn workflow
 * and gives it back. One live handoff per thread, enforced by the database; every transition
 * validated, stored, noted in the thread, logged and traced.
 *
 * The manager coordinates; the work is done by its parts: the target's card
 * (`handoff-targets.ts`), the messages to the specialist (`handoff-requests.ts`) and their audit
 * (`handoff-call-audit.ts`), the record of each move (`handoff-recorder.ts`), the sessions nobody
 * ends (`handoff-sweeper.ts`), and the accepted input (`handoff-input.ts`).
 */
import { randomUUID } from "node:crypto";
import type { A2AClient } from "../a2a/client/a2a-client.js";
import { HANDOFF_EXTENSION_URI, type HandoffAcceptPayload } from "../a2a/handoff-extension.js";
import type { AgentCard } from "../a2a/agent-card.js";
import { withoutCredentials } from "../a2a/agent-credentials.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import {
  ConfigurationError,
  ErrorCode,
  HandoffError,
  PermissionDeniedError,
  ValidationError,
} from "../errors.js";
import {
  defaultLogger,
  defaultTracer,
  errorCodeOf,
  inSpan,
  throwIfAborted,
  type Logger,
  type Tracer,
} from "../observability.js";
import { Permission, type PermissionChecker } from "../security/rbac.js";
import { SecretKeyring } from "../security/secret-keyring.js";
import { ContextSanitizer } from "../security/sanitizer/index.js";
import { identifierSchema, isUuid, parseInput } from "../validation.js";
import type { AgentCallAudit } from "./agent-call-audit.js";
import type { AgentDirectory } from "./agent-directory.js";
import { HandoffCallAudit } from "./handoff-call-audit.js";
import {
  cancelSchema,
  handoffReturnSchema,
  handoffSettings,
  initiateSchema,
  refSchema,
  sessionRefSchema,
  tenantSchema,
} from "./handoff-input.js";
import { HandoffRecorder } from "./handoff-recorder.js";
import { HandoffRequests, requestFailure } from "./handoff-requests.js";
import type { HandoffSession, HandoffStore, HandoffTransition } from "./handoff-store.js";
import { HandoffSweeper } from "./handoff-sweeper.js";
import { HandoffTargets } from "./handoff-targets.js";
import type {
  HandoffAcceptance,
  HandoffReturn,
  InitiateHandoffOptions,
  ThreadHandoffRef,
} from "./handoff-types.js";
import { storesOf } from "./stores.js";
import { ThreadManager, type HandoffStateReader } from "./thread-manager.js";
import { CompletionStatus, HandoffState } from "./types.js";

export type { HandoffSession, HandoffTransition } from "./handoff-store.js";
export type {
  HandoffAcceptance,
  HandoffReturn,
  InitiateHandoffOptions,
  ThreadHandoffRef,
} from "./handoff-types.js";

export interface HandoffManagerConfig {
  a2aClient: A2AClient;
  conversationRepo: ConversationRepository;
  /** When given, initiate needs HANDOFF_INITIATE and cancel needs HANDOFF_CANCEL. */
  rbac?: PermissionChecker;
  /** Applied to the summary and history sent to the specialist. Default: a new ContextSanitizer. */
  sanitizer?: ContextSanitizer;
  /** Where sessions live. Default: the repository's database, when it is a SQL repository. */
  store?: HandoffStore;
  /** A handoff idle longer than this expires (an agent card's policy overrides). Default 3600. */
  idleTimeoutSeconds?: number;
  /** How long the target has to answer a handoff request. Default 30 000. */
  requestTimeoutMs?: number;
  /** Bound on best-effort notifications (cancel, expiry). Default 5 000. */
  notifyTimeoutMs?: number;
  /** Recent thread messages sent with a request. Default 10. */
  recentMessages?: number;
  /**
   * The tenants' agent directory: `initiateHandoff({ targetAgentId })` hands off to an agent in it,
   * and such a session resolves the agent's current card and credentials from it on every turn.
   */
  agentDirectory?: AgentDirectory;
  /**
   * Seals the credentials of a `targetAgentCard` so that every replica (and a restart) can call the
   * specialist with them. Default: `SecretKeyring.fromEnvironment()` (`OMNIFORGE_SECRET_KEY`).
   */
  secrets?: SecretKeyring;
  /** Where every call to a specialist is audited. Default: the repository's database (SQL repositories). */
  audit?: AgentCallAudit;
  logger?: Logger;
  tracer?: Tracer;
}

const COMPLETION_STATE: Record<CompletionStatus, HandoffState> = {
  [CompletionStatus.COMPLETED]: HandoffState.COMPLETED,
  [CompletionStatus.CANCELLED]: HandoffState.CANCELLED,
  [CompletionStatus.ERROR]: HandoffState.ERROR,
};

/** What `#start` needs of a checked initiate call. */
interface StartInput {
  handoffId: string;
  threadId: string;
  tenantId: string;
  userId: string;
  sourceAgentId: string;
  contextSummary: string;
  handoffReason: string;
  sanitize: boolean | undefined;
  given: AgentCard | undefined;
  signal: AbortSignal | undefined;
}

export class HandoffManager implements HandoffStateReader {
  readonly #repo: ConversationRepository;
  readonly #threads: ThreadManager;
  readonly #store: HandoffStore;
  readonly #rbac: PermissionChecker | undefined;
  readonly #logger: Logger;
  readonly #tracer: Tracer;
  readonly #idleTimeoutSeconds: number;
  readonly #pendingTimeoutMs: number;
  readonly #targets: HandoffTargets;
  readonly #calls: HandoffCallAudit;
  readonly #recorder: HandoffRecorder;
  readonly #requests: HandoffRequests;
  readonly #sweeper: HandoffSweeper;

  constructor(config: HandoffManagerConfig) {
    if (!config?.a2aClient)
      throw new ConfigurationError("a2aClient is required", { context: { field: "a2aClient" } });
    if (!config.conversationRepo) {
      throw new ConfigurationError("conversationRepo is required", {
        context: { field: "conversationRepo" },
      });
    }
    const offered = storesOf(config.conversationRepo);
    const store = config.store ?? offered?.handoffStore();
    if (!store) {
      throw new ConfigurationError(
        "a handoff store is required when conversationRepo does not offer one (SqlConversationRepository does)",
        {
          context: { field: "store" },
        },
      );
    }
    this.#store = store;
    this.#repo = config.conversationRepo;
    this.#threads = new ThreadManager(config.conversationRepo, { handoffs: this });
    this.#rbac = config.rbac;
    const sanitizer = config.sanitizer ?? new ContextSanitizer();
    const logger = (config.logger ?? defaultLogger()).child({ component: "handoff" });
    this.#logger = logger;
    this.#tracer = config.tracer ?? defaultTracer();
    const settings = handoffSettings(config);
    this.#idleTimeoutSeconds = settings.idleTimeoutSeconds;
    this.#pendingTimeoutMs = settings.requestTimeoutMs * 2 + 5_000;
    this.#targets = new HandoffTargets({
      directory: config.agentDirectory,
      secrets: config.secrets ?? SecretKeyring.fromEnvironment(),
      onRemoved: (session) => this.#sweeper.endForRemovedAgent(session),
    });
    this.#calls = new HandoffCallAudit({ audit: config.audit ?? offered?.agentCallAudit(), logger });
    this.#recorder = new HandoffRecorder({ store, repo: this.#repo, tracer: this.#tracer, logger });
    this.#requests = new HandoffRequests({
      requestTimeoutMs: settings.requestTimeoutMs,
      notifyTimeoutMs: settings.notifyTimeoutMs,
      recentMessages: settings.recentMessages,
      client: config.a2aClient,
      repo: this.#repo,
      sanitizer,
      audit: this.#calls,
      logger,
      cardFor: (session) => this.#targets.cardFor(session),
    });
    this.#sweeper = new HandoffSweeper({ store, recorder: this.#recorder, requests: this.#requests, logger });
  }

  /** The repository threads and handoff notes are stored in. */
  get conversationRepo(): ConversationRepository {
    return this.#repo;
  }

  /** The thread manager whose `isHandoffActive` reads this manager's table. */
  get threads(): ThreadManager {
    return this.#threads;
  }

  /**
   * Hands the thread to `targetAgentCard`: reserves the thread (one live handoff per thread,
   * enforced by the database), asks the target, and records ACTIVE or REJECTED.
   *
   * @throws ThreadAccessError, PermissionDeniedError, ValidationError; HandoffError
   *   HANDOFF_ALREADY_ACTIVE (busy thread) or AGENT_UNAVAILABLE (target unreachable or timed out;
   *   the reservation is released).
   */
  async initiateHandoff(options: InitiateHandoffOptions): Promise<HandoffAcceptance> {
    const input = parseInput(initiateSchema, options);
    const { threadId, tenantId, userId } = input;
    const given = this.#targets.given(options);
    await this.#threads.requireThread({ threadId, tenantId, userId });
    await this.#requirePermission(Permission.HANDOFF_INITIATE, { threadId, tenantId, userId });
    const card = given ?? (await this.#targets.fromDirectory(tenantId, options.targetAgentId!));
    const handoffId = randomUUID();
    return this.#start(card, {
      ...input,
      handoffId,
      given,
      sanitize: input.sanitize,
      signal: options.signal,
    });
  }

  /** Initiate, once the call is checked: asks the target, reserves the thread, records the answer. */
  async #start(card: AgentCard, input: StartInput): Promise<HandoffAcceptance> {
    const { threadId, tenantId, handoffId, given } = input;
    // Sealed before anything is written: without a key, nothing is half-done.
    const targetCredentials = this.#targets.seal(given, tenantId, handoffId);
    const log = this.#logger.child({ threadId, tenantId, agentId: card.identity.id });
    const attributes = {
      "omniforge.thread_id": threadId,
      "omniforge.tenant_id": tenantId,
      "omniforge.agent_id": card.identity.id,
    };
    return inSpan(this.#tracer, "omniforge.handoff.initiate", attributes, async (span) => {
      if (!(await this.#requests.supported(card, tenantId, input.signal))) {
        log.info("handoff refused: target does not declare the handoff extension");
        return {
          accepted: false,
          rejectionReason: `Agent ${card.identity.id} does not support handoffs (${HANDOFF_EXTENSION_URI})`,
        };
      }
      const session = await this.#sweeper.reserve({
        handoffId,
        threadId,
        tenantId,
        userId: input.userId,
        sourceAgentId: input.sourceAgentId,
        targetAgentCard: withoutCredentials(card),
        targetSource: given ? "card" : "directory",
        ...(targetCredentials ? { targetCredentials } : {}),
        contextSummary: input.contextSummary,
        handoffReason: input.handoffReason,
        idleTimeoutSeconds: card.policy?.handoffIdleTimeoutSeconds ?? this.#idleTimeoutSeconds,
        expiresAt: new Date(Date.now() + this.#pendingTimeoutMs),
      });
      span.setAttribute("omniforge.handoff_id", session.handoffId);
      log.info({ handoffId: session.handoffId }, "handoff reserved");
      const sanitize = input.sanitize !== false && card.policy?.sanitize !== false;
      const accept = await this.#ask(card, session, sanitize, input.signal, log);
      return this.#settle(session, accept, log);
    });
  }

  /** The target's answer; on failure the session is recorded as ERROR and the error mapped. */
  async #ask(
    card: AgentCard,
    session: HandoffSession,
    sanitize: boolean,
    signal: AbortSignal | undefined,
    log: Logger,
  ): Promise<HandoffAcceptPayload> {
    try {
      return await this.#requests.ask(card, session, sanitize, signal);
    } catch (error) {
      await this.#recorder.transition(
        session,
        HandoffState.ERROR,
        {},
        `request failed: ${errorCodeOf(error)}`,
      );
      log.warn({ handoffId: session.handoffId, errorCode: errorCodeOf(error) }, "handoff request failed");
      throw requestFailure(error, card.identity.id, session);
    }
  }

  /** Records the target's answer: REJECTED, or ACTIVE with its estimate. */
  async #settle(
    session: HandoffSession,
    accept: HandoffAcceptPayload,
    log: Logger,
  ): Promise<HandoffAcceptance> {
    if (!accept.accepted) {
      const reason = accept.rejectionReason ?? "rejected by the agent";
      await this.#recorder.transition(session, HandoffState.REJECTED, { rejectionReason: reason }, reason);
      await this.#recorder.note(session, `Handoff to ${session.targetAgentId} was rejected: ${reason}`);
      return { accepted: false, handoffId: session.handoffId, rejectionReason: reason };
    }
    const estimate =
      accept.estimatedDurationSeconds !== undefined
        ? { estimatedDurationSeconds: accept.estimatedDurationSeconds }
        : {};
    await this.#recorder.transition(session, HandoffState.ACTIVE, estimate, "accepted");
    await this.#recorder.note(
      session,
      `Handoff to ${session.targetAgentId} started (${session.handoffReason})`,
    );
    log.info({ handoffId: session.handoffId }, "handoff active");
    return { accepted: true, handoffId: session.handoffId, ...estimate };
  }

  /**
   * The thread's ACTIVE handoff, or null (none, pending, another tenant's thread, bad ids).
   * An idle-expired session is expired here and null is returned. Never throws for a foreign
   * or malformed thread (an aborted `signal` throws ABORTED).
   */
  async getActiveHandoff(ref: ThreadHandoffRef): Promise<HandoffSession | null> {
    throwIfAborted(ref?.signal);
    if (!isUuid(ref?.threadId) || !identifierSchema.safeParse(ref.tenantId).success) return null;
    const session = await this.#sweeper.live(ref.threadId.toLowerCase(), ref.tenantId);
    return session?.state === HandoffState.ACTIVE ? session : null;
  }

  /** True when the thread has an ACTIVE handoff. */
  async isHandoffActive(ref: ThreadHandoffRef): Promise<boolean> {
    return (await this.getActiveHandoff(ref)) !== null;
  }

  /** Every handoff session of the thread, oldest first (history is kept). */
  async listHandoffs(ref: ThreadHandoffRef): Promise<HandoffSession[]> {
    const { threadId, tenantId } = parseInput(refSchema, ref);
    throwIfAborted(ref.signal);
    return this.#store.list(threadId, tenantId);
  }

  /** The recorded transitions of one session. */
  async getTransitions(input: { handoffId: string; tenantId: string }): Promise<HandoffTransition[]> {
    const { handoffId, tenantId } = parseInput(sessionRefSchema, input);
    return this.#store.transitions(handoffId, tenantId);
  }

  /**
   * Ends the active handoff with the specialist's return. The return must name this session's
   * agents (sourceAgentId = the specialist, targetAgentId = who started it).
   */
  async completeHandoff(input: {
    threadId: string;
    tenantId: string;
    handoffReturn: HandoffReturn;
    signal?: AbortSignal;
  }): Promise<HandoffSession> {
    const { threadId, tenantId } = parseInput(refSchema, input);
    const ret = parseInput(handoffReturnSchema, input.handoffReturn, "handoffReturn");
    throwIfAborted(input.signal);
    if (ret.threadId !== threadId)
      throw new ValidationError("handoffReturn.threadId", "does not match threadId");
    if (ret.tenantId !== tenantId)
      throw new ValidationError("handoffReturn.tenantId", "does not match tenantId");
    const session = await this.#sweeper.live(threadId, tenantId);
    if (!session || session.state !== HandoffState.ACTIVE) throw noActiveHandoff(threadId, tenantId);
    if (ret.sourceAgentId !== session.targetAgentId) {
      throw new ValidationError(
        "handoffReturn.sourceAgentId",
        `must be the specialist ${session.targetAgentId}`,
      );
    }
    if (ret.targetAgentId !== session.sourceAgentId) {
      throw new ValidationError(
        "handoffReturn.targetAgentId",
        `must be the agent that started the handoff, ${session.sourceAgentId}`,
      );
    }
    // The last moment to give up: past it the handoff is completed.
    throwIfAborted(input.signal);
    return this.finishFromAgent(session, ret);
  }

  /**
   * @internal The router's path: the specialist returned control in its stream.
   */
  async finishFromAgent(
    session: HandoffSession,
    ret: Pick<HandoffReturn, "completionStatus" | "resultSummary" | "artifactsCreated">,
    options: { note?: boolean } = {},
  ): Promise<HandoffSession> {
    const to = COMPLETION_STATE[ret.completionStatus];
    const changes = {
      ...(ret.resultSummary !== undefined ? { resultSummary: ret.resultSummary } : {}),
      ...(ret.artifactsCreated !== undefined ? { artifactsCreated: ret.artifactsCreated } : {}),
    };
    const done = await this.#recorder.transition(session, to, changes, `returned: ${ret.completionStatus}`);
    if (options.note !== false) await this.noteReturn(done, ret);
    this.#logger.info(
      { threadId: session.threadId, handoffId: session.handoffId, state: to },
      "handoff returned",
    );
    return done;
  }

  /**
   * @internal The thread's note that the handoff ended. The router writes it after the reply that
   * carried the `handoffReturn` is stored, so a reader of the thread sees them in that order.
   */
  async noteReturn(
    done: HandoffSession,
    ret: Pick<HandoffReturn, "completionStatus" | "resultSummary">,
  ): Promise<void> {
    const summary = ret.resultSummary ? `: ${ret.resultSummary}` : "";
    await this.#recorder.note(
      done,
      `Handoff to ${done.targetAgentId} ended (${ret.completionStatus})${summary}`,
    );
  }

  /**
   * Cancels the thread's live handoff and notifies the specialist (best effort). With RBAC, the
   * acting user (default: the one who started the handoff) needs HANDOFF_CANCEL.
   */
  async cancelHandoff(input: {
    threadId: string;
    tenantId: string;
    reason: string;
    userId?: string;
    signal?: AbortSignal;
  }): Promise<HandoffSession> {
    const { threadId, tenantId, reason, userId } = parseInput(cancelSchema, input);
    throwIfAborted(input.signal);
    const session = await this.#sweeper.live(threadId, tenantId);
    if (!session) throw noActiveHandoff(threadId, tenantId);
    await this.#requirePermission(Permission.HANDOFF_CANCEL, {
      threadId,
      tenantId,
      userId: userId ?? session.userId,
    });
    // The last moment to give up: past it the handoff is cancelled (and the specialist told).
    throwIfAborted(input.signal);
    const cancelled = await this.#recorder.transition(session, HandoffState.CANCELLED, {}, reason);
    await this.#recorder.note(cancelled, `Handoff to ${session.targetAgentId} cancelled: ${reason}`);
    await this.#requests.notifyCancel(session, reason);
    return cancelled;
  }

  /** Whether `userId` may cancel handoffs in `tenantId` (RBAC `handoff:cancel`; true without RBAC). */
  async mayCancel(ref: { userId: string; tenantId: string }): Promise<boolean> {
    return this.#rbac ? this.#rbac.hasPermission(ref.userId, ref.tenantId, Permission.HANDOFF_CANCEL) : true;
  }

  /** @internal The router's path: records a routed message on the session, pushing its idle expiry back. */
  async recordActivity(session: HandoffSession): Promise<void> {
    await this.#store.touch(session);
  }

  /**
   * @internal The router's path: the card (with credentials) to reach a session's specialist, resolved from the database: the
   * tenant's directory entry, or the session's own card with its sealed credentials. Every
   * replica and a restarted process resolve the same.
   */
  async targetCardFor(session: HandoffSession): Promise<AgentCard> {
    return this.#targets.cardFor(session);
  }

  /**
   * Ends (CANCELLED, noted in each thread) every live handoff of `tenantId` whose specialist is the
   * directory agent `agentId`: called when the tenant removes that agent. Returns how many ended.
   */
  async endHandoffsTo(input: { tenantId: string; agentId: string }): Promise<number> {
    const { tenantId } = parseInput(tenantSchema, input);
    return this.#sweeper.endHandoffsTo(tenantId, input.agentId);
  }

  /** Expires every live session idle past its limit (a sweeper may call this periodically). */
  async expireIdleHandoffs(now: Date = new Date()): Promise<number> {
    return this.#sweeper.expireIdle(now);
  }

  /** With RBAC, `context.userId` needs `permission` in `context.tenantId`. */
  async #requirePermission(
    permission: Permission,
    context: { threadId: string; tenantId: string; userId: string },
  ): Promise<void> {
    if (this.#rbac && !(await this.#rbac.hasPermission(context.userId, context.tenantId, permission))) {
      throw new PermissionDeniedError(permission, { context });
    }
  }
}

function noActiveHandoff(threadId: string, tenantId: string): HandoffError {
  return new HandoffError(ErrorCode.NO_ACTIVE_HANDOFF, `Thread ${threadId} has no active handoff`, {
    context: { threadId, tenantId },
  });
}
