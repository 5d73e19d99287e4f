/**
 * The handoff pattern: a specialist agent takes control of a thread for a multi-turn workflow
 * and gives it back. One live handoff per thread, enforced by the database; every transition
 * validated, stored, noted in the thread, logged and traced.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { A2AClient } from "../a2a/client/a2a-client.js";
import type { OutgoingMessage } from "../a2a/client/types.js";
import {
  HANDOFF_EXTENSION_URI,
  findHandoffAccept,
  handoffData,
  type DataObject,
} from "../a2a/handoff-extension.js";
import { agentEndpoint, parseAgentCard, type AgentCard } from "../a2a/agent-card.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { MessageRole } from "../conversation/models.js";
import {
  DEFAULT_HANDOFF_IDLE_TIMEOUT_SECONDS,
  DEFAULT_HANDOFF_NOTIFY_TIMEOUT_MS,
  DEFAULT_HANDOFF_RECENT_MESSAGES,
  DEFAULT_HANDOFF_REQUEST_TIMEOUT_MS,
} from "../defaults.js";
import {
  AgentError,
  ConfigurationError,
  ErrorCode,
  HandoffError,
  PermissionDeniedError,
  ValidationError,
  isOrchestrationError,
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
import {
  handoffCredentialsContext,
  openAgentAuth,
  sealAgentAuth,
  withCredentials,
  withoutCredentials,
} from "../a2a/agent-credentials.js";
import { Permission, type PermissionChecker } from "../security/rbac.js";
import { SecretKeyring } from "../security/secret-keyring.js";
import { buildOutgoingMessage } from "./outgoing-message.js";
import { storesOf } from "./stores.js";
import {
  LIMITS,
  boundedText,
  enumSchema,
  identifierSchema,
  isUuid,
  parseInput,
  uuidSchema,
} from "../validation.js";
import { AgentCallKind, outcomeOf, type AgentCallAudit } from "./agent-call-audit.js";
import type { AgentDirectory } from "./agent-directory.js";
import { ContextSanitizer } from "../security/sanitizer/index.js";
import {
  LIVE_STATES,
  type HandoffStore,
  sealedTargetCredentials,
  type HandoffSession,
  type HandoffTransition,
} from "./handoff-store.js";
import { ThreadManager, type HandoffStateReader } from "./thread-manager.js";
import { CompletionStatus, HandoffState } from "./types.js";

export type { HandoffSession, HandoffTransition } from "./handoff-store.js";

/** What a specialist hands back when it returns control. */
export interface HandoffReturn {
  threadId: string;
  tenantId: string;
  /** The specialist returning control. */
  sourceAgentId: string;
  /** Who gets control back (the agent that started the handoff). */
  targetAgentId: string;
  completionStatus: CompletionStatus;
  resultSummary?: string;
  artifactsCreated?: string[];
}

/** The outcome of {@link HandoffManager.initiateHandoff}. */
export interface HandoffAcceptance {
  accepted: boolean;
  handoffId?: string;
  estimatedDurationSeconds?: number;
  rejectionReason?: string;
}

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

export interface InitiateHandoffOptions {
  threadId: string;
  tenantId: string;
  userId: string;
  sourceAgentId: string;
  /**
   * The specialist, as a card (kept in the session, its credentials sealed). Give this or
   * `targetAgentId`.
   */
  targetAgentCard?: AgentCard;
  /** The specialist, by id in the tenant's agent directory (needs `agentDirectory`). */
  targetAgentId?: string;
  contextSummary: string;
  handoffReason: string;
  /** false: send summary and history unsanitized (a card's policy can also opt out). */
  sanitize?: boolean;
  signal?: AbortSignal;
}

export interface ThreadHandoffRef {
  threadId: string;
  tenantId: string;
  signal?: AbortSignal;
}

const initiateSchema = z.object({
  threadId: uuidSchema,
  tenantId: identifierSchema,
  userId: identifierSchema,
  sourceAgentId: identifierSchema,
  contextSummary: boundedText(LIMITS.summaryLength, { allowEmpty: true }),
  handoffReason: boundedText(LIMITS.titleLength),
  sanitize: z.boolean().optional(),
});
const refSchema = z.object({ threadId: uuidSchema, tenantId: identifierSchema });
const completionSchema = enumSchema(Object.values(CompletionStatus));
const handoffReturnSchema = z.object({
  threadId: uuidSchema,
  tenantId: identifierSchema,
  sourceAgentId: identifierSchema,
  targetAgentId: identifierSchema,
  completionStatus: completionSchema,
  resultSummary: boundedText(LIMITS.summaryLength, { allowEmpty: true }).optional(),
  artifactsCreated: z.array(z.string().max(2048)).max(1_000).optional(),
});
const cancelSchema = refSchema.extend({
  reason: boundedText(LIMITS.titleLength),
  userId: identifierSchema.optional(),
});

const COMPLETION_STATE: Record<CompletionStatus, HandoffState> = {
  [CompletionStatus.COMPLETED]: HandoffState.COMPLETED,
  [CompletionStatus.CANCELLED]: HandoffState.CANCELLED,
  [CompletionStatus.ERROR]: HandoffState.ERROR,
};

export class HandoffManager implements HandoffStateReader {
  readonly #client: A2AClient;
  readonly #repo: ConversationRepository;
  readonly #threads: ThreadManager;
  readonly #store: HandoffStore;
  readonly #rbac: PermissionChecker | undefined;
  readonly #sanitizer: ContextSanitizer;
  readonly #logger: Logger;
  readonly #tracer: Tracer;
  readonly #idleTimeoutSeconds: number;
  readonly #requestTimeoutMs: number;
  readonly #notifyTimeoutMs: number;
  readonly #recentMessages: number;
  readonly #directory: AgentDirectory | undefined;
  readonly #secrets: SecretKeyring | undefined;
  readonly #audit: AgentCallAudit | undefined;

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
    this.#client = config.a2aClient;
    this.#repo = config.conversationRepo;
    this.#threads = new ThreadManager(config.conversationRepo, { handoffs: this });
    this.#rbac = config.rbac;
    this.#sanitizer = config.sanitizer ?? new ContextSanitizer();
    this.#logger = (config.logger ?? defaultLogger()).child({ component: "handoff" });
    this.#tracer = config.tracer ?? defaultTracer();
    this.#idleTimeoutSeconds = positiveInt(
      config.idleTimeoutSeconds ?? DEFAULT_HANDOFF_IDLE_TIMEOUT_SECONDS,
      "idleTimeoutSeconds",
    );
    this.#requestTimeoutMs = positiveInt(
      config.requestTimeoutMs ?? DEFAULT_HANDOFF_REQUEST_TIMEOUT_MS,
      "requestTimeoutMs",
    );
    this.#notifyTimeoutMs = positiveInt(
      config.notifyTimeoutMs ?? DEFAULT_HANDOFF_NOTIFY_TIMEOUT_MS,
      "notifyTimeoutMs",
    );
    this.#recentMessages = positiveInt(
      config.recentMessages ?? DEFAULT_HANDOFF_RECENT_MESSAGES,
      "recentMessages",
    );
    this.#directory = config.agentDirectory;
    this.#secrets = config.secrets ?? SecretKeyring.fromEnvironment();
    this.#audit = config.audit ?? offered?.agentCallAudit();
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
    if ((options.targetAgentCard === undefined) === (options.targetAgentId === undefined)) {
      throw new ValidationError("targetAgentCard", "give exactly one of targetAgentCard or targetAgentId");
    }
    const given =
      options.targetAgentCard === undefined
        ? undefined
        : parseAgentCard(options.targetAgentCard, "targetAgentCard");
    if (given) agentEndpoint(given, "targetAgentCard.service.endpoint");
    await this.#threads.requireThread({ threadId, tenantId, userId });
    if (this.#rbac && !(await this.#rbac.hasPermission(userId, tenantId, Permission.HANDOFF_INITIATE))) {
      throw new PermissionDeniedError(Permission.HANDOFF_INITIATE, {
        context: { threadId, tenantId, userId },
      });
    }
    const card = given ?? (await this.#fromDirectory(tenantId, options.targetAgentId!));
    const handoffId = randomUUID();
    // Sealed before anything is written: without a key, nothing is half-done.
    const targetCredentials =
      given?.service?.auth !== undefined
        ? sealAgentAuth(
            this.#secrets,
            given.service.auth,
            handoffCredentialsContext(tenantId, handoffId),
            "targetAgentCard",
          )
        : undefined;
    const log = this.#logger.child({ threadId, tenantId, agentId: card.identity.id });
    return inSpan(
      this.#tracer,
      "omniforge.handoff.initiate",
      {
        "omniforge.thread_id": threadId,
        "omniforge.tenant_id": tenantId,
        "omniforge.agent_id": card.identity.id,
      },
      async (span) => {
        if (!(await this.#supportsHandoff(card, tenantId, options.signal))) {
          log.info("handoff refused: target does not declare the handoff extension");
          return {
            accepted: false,
            rejectionReason: `Agent ${card.identity.id} does not support handoffs (${HANDOFF_EXTENSION_URI})`,
          };
        }
        const session = await this.#reserve({
          handoffId,
          threadId,
          tenantId,
          userId,
          sourceAgentId: input.sourceAgentId,
          targetAgentCard: withoutCredentials(card),
          targetSource: given ? "card" : "directory",
          ...(targetCredentials ? { targetCredentials } : {}),
          contextSummary: input.contextSummary,
          handoffReason: input.handoffReason,
          idleTimeoutSeconds: card.policy?.handoffIdleTimeoutSeconds ?? this.#idleTimeoutSeconds,
          expiresAt: new Date(Date.now() + this.#pendingTimeoutMs()),
        });
        span.setAttribute("omniforge.handoff_id", session.handoffId);
        log.info({ handoffId: session.handoffId }, "handoff reserved");

        let accept;
        try {
          accept = await this.#askTarget(
            card,
            session,
            input.sanitize !== false && card.policy?.sanitize !== false,
            options.signal,
          );
        } catch (error) {
          await this.#transition(session, HandoffState.ERROR, {}, `request failed: ${errorCodeOf(error)}`);
          log.warn({ handoffId: session.handoffId, errorCode: errorCodeOf(error) }, "handoff request failed");
          if (isOrchestrationError(error) && error.code === ErrorCode.ABORTED) throw error;
          const code =
            isOrchestrationError(error) && error.code === ErrorCode.AGENT_PROTOCOL_ERROR
              ? ErrorCode.AGENT_PROTOCOL_ERROR
              : ErrorCode.AGENT_UNAVAILABLE;
          throw new HandoffError(
            code,
            `Handoff target ${card.identity.id} did not answer: ${(error as Error).message}`,
            {
              cause: error,
              context: { threadId, tenantId, agentId: card.identity.id, handoffId: session.handoffId },
            },
          );
        }

        if (!accept.accepted) {
          const reason = accept.rejectionReason ?? "rejected by the agent";
          await this.#transition(session, HandoffState.REJECTED, { rejectionReason: reason }, reason);
          await this.#note(session, `Handoff to ${session.targetAgentId} was rejected: ${reason}`);
          return { accepted: false, handoffId: session.handoffId, rejectionReason: reason };
        }
        await this.#transition(
          session,
          HandoffState.ACTIVE,
          accept.estimatedDurationSeconds !== undefined
            ? { estimatedDurationSeconds: accept.estimatedDurationSeconds }
            : {},
          "accepted",
        );
        await this.#note(session, `Handoff to ${session.targetAgentId} started (${session.handoffReason})`);
        log.info({ handoffId: session.handoffId }, "handoff active");
        return {
          accepted: true,
          handoffId: session.handoffId,
          ...(accept.estimatedDurationSeconds !== undefined
            ? { estimatedDurationSeconds: accept.estimatedDurationSeconds }
            : {}),
        };
      },
    );
  }

  /**
   * The thread's ACTIVE handoff, or null (none, pending, another tenant's thread, bad ids).
   * An idle-expired session is expired here and null is returned. Never throws for a foreign
   * or malformed thread.
   */
  async getActiveHandoff(ref: ThreadHandoffRef): Promise<HandoffSession | null> {
    if (!isUuid(ref?.threadId) || !identifierSchema.safeParse(ref.tenantId).success) return null;
    const session = await this.#liveSession(ref.threadId.toLowerCase(), ref.tenantId);
    return session?.state === HandoffState.ACTIVE ? session : null;
  }

  /** True when the thread has an ACTIVE handoff. */
  async isHandoffActive(ref: ThreadHandoffRef): Promise<boolean> {
    return (await this.getActiveHandoff(ref)) !== null;
  }

  /** Every handoff session of the thread, oldest first (history is kept). */
  async listHandoffs(ref: ThreadHandoffRef): Promise<HandoffSession[]> {
    const { threadId, tenantId } = parseInput(refSchema, ref);
    return this.#store.list(threadId, tenantId);
  }

  /** The recorded transitions of one session. */
  async getTransitions(input: { handoffId: string; tenantId: string }): Promise<HandoffTransition[]> {
    const { handoffId, tenantId } = parseInput(
      z.object({ handoffId: uuidSchema, tenantId: identifierSchema }),
      input,
    );
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
    const session = await this.#requireActive(threadId, tenantId);
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
  ): Promise<HandoffSession> {
    const to = COMPLETION_STATE[ret.completionStatus];
    const changes = {
      ...(ret.resultSummary !== undefined ? { resultSummary: ret.resultSummary } : {}),
      ...(ret.artifactsCreated !== undefined ? { artifactsCreated: ret.artifactsCreated } : {}),
    };
    const done = await this.#transition(session, to, changes, `returned: ${ret.completionStatus}`);
    const summary = ret.resultSummary ? `: ${ret.resultSummary}` : "";
    await this.#note(done, `Handoff to ${session.targetAgentId} ended (${ret.completionStatus})${summary}`);
    this.#logger.info(
      { threadId: session.threadId, handoffId: session.handoffId, state: to },
      "handoff returned",
    );
    return done;
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
    const session = await this.#liveSession(threadId, tenantId);
    if (!session) {
      throw new HandoffError(ErrorCode.NO_ACTIVE_HANDOFF, `Thread ${threadId} has no active handoff`, {
        context: { threadId, tenantId },
      });
    }
    const actor = userId ?? session.userId;
    if (this.#rbac && !(await this.#rbac.hasPermission(actor, tenantId, Permission.HANDOFF_CANCEL))) {
      throw new PermissionDeniedError(Permission.HANDOFF_CANCEL, {
        context: { threadId, tenantId, userId: actor },
      });
    }
    // The last moment to give up: past it the handoff is cancelled (and the specialist told).
    throwIfAborted(input.signal);
    const cancelled = await this.#transition(session, HandoffState.CANCELLED, {}, reason);
    await this.#note(cancelled, `Handoff to ${session.targetAgentId} cancelled: ${reason}`);
    await this.#notifyCancel(session, reason);
    return cancelled;
  }

  /** Whether `userId` may cancel handoffs in `tenantId` (RBAC `handoff:cancel`; true without RBAC). */
  async mayCancel(ref: { userId: string; tenantId: string }): Promise<boolean> {
    return this.#rbac ? this.#rbac.hasPermission(ref.userId, ref.tenantId, Permission.HANDOFF_CANCEL) : true;
  }

  /** Records a routed message on the session, pushing its idle expiry back. */
  async recordActivity(session: HandoffSession): Promise<void> {
    await this.#store.touch(session);
  }

  /**
   * The card (with credentials) to reach a session's specialist, resolved from the database: the
   * tenant's directory entry, or the session's own card with its sealed credentials. Every
   * replica and a restarted process resolve the same.
   */
  async targetCardFor(session: HandoffSession): Promise<AgentCard> {
    if (session.targetSource === "directory") {
      if (!this.#directory) {
        throw new ConfigurationError(
          `Handoff ${session.handoffId} names an agent of the tenant's directory: configure agentDirectory`,
          { context: { field: "agentDirectory", handoffId: session.handoffId } },
        );
      }
      const card = await this.#directory.get(session.tenantId, session.targetAgentId);
      if (!card) {
        // The tenant removed the agent: the handoff cannot go on, and must not hold the thread.
        await this.#endForRemovedAgent(session);
        throw new HandoffError(
          ErrorCode.AGENT_UNAVAILABLE,
          `Agent ${session.targetAgentId} is no longer in the tenant's agent directory; the handoff has ended and control is back with ${session.sourceAgentId}`,
          {
            context: {
              threadId: session.threadId,
              agentId: session.targetAgentId,
              handoffId: session.handoffId,
            },
          },
        );
      }
      return card;
    }
    const sealed = sealedTargetCredentials(session);
    if (sealed === undefined) return session.targetAgentCard;
    const auth = openAgentAuth(
      this.#secrets,
      sealed,
      handoffCredentialsContext(session.tenantId, session.handoffId),
    );
    return withCredentials(session.targetAgentCard, auth);
  }

  /**
   * Records one call to a specialist in the audit trail (never throws: a failed audit write is
   * logged loudly, the call's outcome stands).
   */
  async auditCall(
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

  async #fromDirectory(tenantId: string, agentId: string): Promise<AgentCard> {
    if (!this.#directory) {
      throw new ConfigurationError("targetAgentId needs an agentDirectory; pass targetAgentCard instead", {
        context: { field: "agentDirectory" },
      });
    }
    const card = await this.#directory.get(tenantId, agentId);
    if (!card) throw new ValidationError("targetAgentId", `unknown agent "${agentId}"`);
    return parseAgentCard(card, "targetAgentId");
  }

  /**
   * Ends (CANCELLED, noted in each thread) every live handoff of `tenantId` whose specialist is the
   * directory agent `agentId`: called when the tenant removes that agent. Returns how many ended.
   */
  async endHandoffsTo(input: { tenantId: string; agentId: string }): Promise<number> {
    const { tenantId } = parseInput(z.object({ tenantId: identifierSchema }), input);
    let ended = 0;
    for (const session of await this.#store.listLiveTo(tenantId, input.agentId)) {
      if (session.targetSource !== "directory") continue;
      if (await this.#endForRemovedAgent(session)) ended++;
    }
    return ended;
  }

  async #endForRemovedAgent(session: HandoffSession): Promise<boolean> {
    const reason = `agent ${session.targetAgentId} was removed from the tenant's directory`;
    const ended = await this.#storeTransition(session, HandoffState.CANCELLED, {}, reason);
    if (!ended) return false;
    await this.#note(
      ended,
      `Handoff to ${session.targetAgentId} ended: the agent was removed; control returned to ${session.sourceAgentId}`,
    );
    return true;
  }

  /** Expires every live session idle past its limit (a sweeper may call this periodically). */
  async expireIdleHandoffs(now: Date = new Date()): Promise<number> {
    let expired = 0;
    for (const session of await this.#store.listExpired(now)) {
      if (await this.#expire(session)) expired++;
    }
    return expired;
  }

  async #reserve(input: Parameters<HandoffStore["reserve"]>[0]) {
    try {
      return await this.#store.reserve(input);
    } catch (error) {
      if (!isOrchestrationError(error, ErrorCode.HANDOFF_ALREADY_ACTIVE)) throw error;
      // The holder may be an idle-expired or abandoned session: expire it and try once more.
      const holder = await this.#store.getLive(input.threadId, input.tenantId);
      if (holder && this.#isExpired(holder, new Date()) && (await this.#expire(holder))) {
        return this.#store.reserve(input);
      }
      throw error;
    }
  }

  async #liveSession(threadId: string, tenantId: string): Promise<HandoffSession | null> {
    const session = await this.#store.getLive(threadId, tenantId);
    if (!session) return null;
    if (this.#isExpired(session, new Date())) {
      await this.#expire(session);
      return null;
    }
    return session;
  }

  async #requireActive(threadId: string, tenantId: string): Promise<HandoffSession> {
    const session = await this.#liveSession(threadId, tenantId);
    if (!session || session.state !== HandoffState.ACTIVE) {
      throw new HandoffError(ErrorCode.NO_ACTIVE_HANDOFF, `Thread ${threadId} has no active handoff`, {
        context: { threadId, tenantId },
      });
    }
    return session;
  }

  #pendingTimeoutMs(): number {
    return this.#requestTimeoutMs * 2 + 5_000;
  }

  #isExpired(session: HandoffSession, now: Date): boolean {
    return LIVE_STATES.includes(session.state) && now.getTime() > session.expiresAt.getTime();
  }

  /** Expires `session` if it is still live; true when this call did it. */
  async #expire(session: HandoffSession): Promise<boolean> {
    const reason =
      session.state === HandoffState.PENDING
        ? "no answer from the target"
        : `idle for more than ${session.idleTimeoutSeconds} s`;
    const expired = await this.#storeTransition(session, HandoffState.EXPIRED, {}, reason);
    if (!expired) return false;
    await this.#note(
      expired,
      `Handoff to ${session.targetAgentId} expired (${reason}); control returned to ${session.sourceAgentId}`,
    );
    this.#logger.info({ threadId: session.threadId, handoffId: session.handoffId }, "handoff expired");
    if (session.state === HandoffState.ACTIVE) await this.#notifyCancel(session, `expired: ${reason}`);
    return true;
  }

  /** Every stored transition gets a span and a log line. */
  #storeTransition(
    session: HandoffSession,
    to: HandoffState,
    changes: Parameters<HandoffStore["transition"]>[2],
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

  async #transition(
    session: HandoffSession,
    to: HandoffState,
    changes: Parameters<HandoffStore["transition"]>[2],
    reason: string,
  ): Promise<HandoffSession> {
    const next = await this.#storeTransition(session, to, changes, reason);
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

  async #supportsHandoff(
    card: AgentCard,
    tenantId: string,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (card.capabilities?.handoff === false) return false;
    try {
      return await this.#client.supportsExtension(card, HANDOFF_EXTENSION_URI, {
        timeoutMs: this.#requestTimeoutMs,
        tenantId,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (isOrchestrationError(error) && error.code === ErrorCode.ABORTED) throw error;
      throw new HandoffError(
        ErrorCode.AGENT_UNAVAILABLE,
        `Handoff target ${card.identity.id} is unreachable: ${(error as Error).message}`,
        {
          cause: error,
          context: { agentId: card.identity.id },
        },
      );
    }
  }

  async #askTarget(
    card: AgentCard,
    session: HandoffSession,
    sanitize: boolean,
    signal: AbortSignal | undefined,
  ) {
    const recent = await this.#repo.getRecentMessages({
      conversationId: session.threadId,
      tenantId: session.tenantId,
      limit: this.#recentMessages,
      includeSystem: false,
    });
    // Every free-text field that leaves for the agent passes the sanitizer.
    const clean = (text: string) => (sanitize ? this.#sanitizer.sanitize(text) : text);
    const started = performance.now();
    let result;
    try {
      result = await this.#client.sendMessage(
        card,
        handoffMessage(
          session,
          handoffData.request({
            handoffId: session.handoffId,
            threadId: session.threadId,
            tenantId: session.tenantId,
            userId: session.userId,
            sourceAgentId: session.sourceAgentId,
            contextSummary: clean(session.contextSummary),
            handoffReason: clean(session.handoffReason),
            recentMessages: recent.map((m) => ({ role: m.role, content: clean(m.content) })),
          }),
        ),
        { timeoutMs: this.#requestTimeoutMs, tenantId: session.tenantId, ...(signal ? { signal } : {}) },
      );
    } catch (error) {
      await this.auditCall(session, AgentCallKind.HANDOFF_REQUEST, performance.now() - started, error);
      throw error;
    }
    await this.auditCall(session, AgentCallKind.HANDOFF_REQUEST, performance.now() - started);
    let accept;
    try {
      accept = findHandoffAccept(result.data);
    } catch (error) {
      throw new AgentError(
        ErrorCode.AGENT_PROTOCOL_ERROR,
        `invalid handoffAccept: ${(error as Error).message}`,
        {
          cause: error,
          context: { agentId: card.identity.id },
        },
      );
    }
    if (!accept) {
      throw new AgentError(ErrorCode.AGENT_PROTOCOL_ERROR, "the reply carried no handoffAccept data part", {
        context: { agentId: card.identity.id },
      });
    }
    return accept;
  }

  async #notifyCancel(session: HandoffSession, reason: string): Promise<void> {
    const started = performance.now();
    try {
      await this.#client.sendMessage(
        await this.targetCardFor(session),
        handoffMessage(
          session,
          handoffData.cancel({ handoffId: session.handoffId, reason: this.#sanitizer.sanitize(reason) }),
        ),
        { timeoutMs: this.#notifyTimeoutMs, tenantId: session.tenantId },
      );
      await this.auditCall(session, AgentCallKind.HANDOFF_CANCEL, performance.now() - started);
    } catch (error) {
      await this.auditCall(session, AgentCallKind.HANDOFF_CANCEL, performance.now() - started, error);
      this.#logger.warn(
        { threadId: session.threadId, handoffId: session.handoffId, errorCode: errorCodeOf(error) },
        "handoff cancel notification not delivered",
      );
    }
  }

  async #note(session: HandoffSession, text: string): Promise<void> {
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

/**
 * A handoff message to the specialist: the thread as contextId, the extension, our metadata, and
 * the extension's data part (its free-text fields sanitized by the caller, its ids as they are).
 */
function handoffMessage(session: HandoffSession, payload: DataObject): OutgoingMessage {
  return buildOutgoingMessage(
    {
      threadId: session.threadId,
      tenantId: session.tenantId,
      userId: session.userId,
      handoffId: session.handoffId,
      extensions: [HANDOFF_EXTENSION_URI],
      protocolData: [payload],
    },
    undefined,
  );
}

function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigurationError(`${field} must be a positive integer`, { context: { field } });
  return value;
}
