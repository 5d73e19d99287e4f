/**
 * What the gateway does, without HTTP: plain async functions over the orchestration managers,
 * each taking one options object with the caller's principal. Routes are thin adapters over
 * these; tests may call them directly. Every function authorizes the principal against the
 * operation's policy and the thread-access rule (see {@link ThreadAccess}), and scopes every read
 * and write to the principal's tenant.
 */
import { sql } from "kysely";
import type { A2AClient } from "../a2a/client/a2a-client.js";
import type { AgentCard } from "../a2a/agent-card.js";
import { SqlConversationRepository } from "../storage/sql/sql-conversation-repository.js";
import type { Conversation, ConversationType } from "../conversation/models.js";
import {
  ConfigurationError,
  ErrorCode,
  HandoffError,
  ValidationError,
  isOrchestrationError,
} from "../errors.js";
import { defaultLogger, type Logger } from "../observability.js";
import type { AgentCallKind } from "../orchestration/agent-call-audit.js";
import { HandoffManager, type HandoffAcceptance } from "../orchestration/handoff-manager.js";
import { OrchestrationManager, type DelegationResult } from "../orchestration/orchestration-manager.js";
import type { RouterEvent, StreamRouter } from "../orchestration/stream-router.js";
import type { ThreadManager } from "../orchestration/thread-manager.js";
import { TurnTrigger } from "../orchestration/turn-timeline.js";
import { DelegationStrategy, type CompletionStatus } from "../orchestration/types.js";
import type { ApiKeyPrincipal } from "../security/api-keys.js";
import { Permission, checkPermission } from "../security/rbac.js";
import { SecretKeyring } from "../security/secret-keyring.js";
import type { Database } from "../storage/database.js";
import { SqlAgentCallAudit } from "../storage/sql/sql-agent-call-audit.js";
import { SqlAgentDirectory, type AgentDirectoryEntry } from "../storage/sql/sql-agent-directory.js";
import { registrationCard } from "./agent-registry.js";
import { RoutingService, type GatewayRoutingConfig } from "./routing-service.js";
import { ConsoleService } from "./console-service.js";
import { DefaultAgents } from "./default-agents.js";
import {
  DEFAULT_CANCEL_REASON,
  DEFAULT_DELEGATION_RECORDS,
  DEFAULT_HANDOFF_SOURCE_AGENT_ID,
  READINESS_TIMEOUT_MS,
} from "./defaults.js";
import { GatewayErrorCode, GatewayHttpError } from "./http-errors.js";
import { pageInfo, pageOf, type Page, type PageOptions } from "./paging.js";
import { authorize, readsEveryThread, type ThreadAccess } from "./route-policy.js";
import { requireThreadAccess } from "./thread-access.js";
import {
  agentCallRecordView,
  agentView,
  handoffSessionView,
  meView,
  messageView,
  threadHolderView,
  threadView,
  type AgentCallRecordView,
  type AgentView,
  type HandoffSessionView,
  type MeView,
  type MessageView,
  type ThreadHolder,
  type ThreadView,
} from "./views.js";

/** Construction input of {@link GatewayService}. */
export interface GatewayServiceConfig extends GatewayRoutingConfig {
  database: Database;
  a2aClient: A2AClient;
  /** Agents every tenant can use (operator configuration; every replica must share it). */
  agents?: readonly AgentCard[];
  /** Ids (among `agents`) that answer messages. Default: every static agent that is not handoff-capable. */
  defaultAgentIds?: readonly string[];
  /** Seals the credentials of registered agents. Default: `SecretKeyring.fromEnvironment()`. */
  secrets?: SecretKeyring;
  /** The most agents one tenant may register. Default 500. */
  maxAgentsPerTenant?: number;
  logger?: Logger;
  /** A handoff idle longer than this expires. Default: the HandoffManager's (3600). */
  handoffIdleTimeoutSeconds?: number;
}

/** Every service call names who is calling. */
export interface PrincipalOptions {
  principal: ApiKeyPrincipal;
}

/** Calls about one thread. */
export interface ThreadOptions extends PrincipalOptions {
  threadId: string;
}

/** The services behind every gateway route. */
export class GatewayService {
  readonly database: Database;
  readonly conversationRepo: SqlConversationRepository;
  readonly orchestrator: OrchestrationManager;
  readonly handoffs: HandoffManager;
  readonly router: StreamRouter;
  readonly threads: ThreadManager;
  /** The tenants' agents: static ones from the configuration and registered ones from the database. */
  readonly directory: SqlAgentDirectory;
  /** Rename, turn timeline, one agent and its health; records the gateway's own turns. */
  readonly consoleApi: ConsoleService;
  /** Routing by skills: the tenants' settings and selectors, route explanations; it builds the router. */
  readonly routing: RoutingService;
  readonly #client: A2AClient;
  readonly #audit: SqlAgentCallAudit;
  readonly #defaults: DefaultAgents;

  constructor(config: GatewayServiceConfig) {
    if (!config?.database)
      throw new ConfigurationError("database is required", { context: { field: "database" } });
    if (!config.a2aClient) {
      throw new ConfigurationError("a2aClient is required", { context: { field: "a2aClient" } });
    }
    const logger = config.logger ?? defaultLogger();
    const secrets = config.secrets ?? SecretKeyring.fromEnvironment();
    this.database = config.database;
    this.#client = config.a2aClient;
    this.directory = new SqlAgentDirectory({
      database: config.database,
      staticAgents: config.agents ?? [],
      ...(secrets ? { secrets } : {}),
      ...(config.maxAgentsPerTenant !== undefined ? { maxAgentsPerTenant: config.maxAgentsPerTenant } : {}),
    });
    this.conversationRepo = new SqlConversationRepository(config.database);
    this.#audit = new SqlAgentCallAudit(config.database);
    this.orchestrator = new OrchestrationManager({
      a2aClient: config.a2aClient,
      conversationRepo: this.conversationRepo,
      auditStore: this.#audit,
      logger,
    });
    this.handoffs = new HandoffManager({
      a2aClient: config.a2aClient,
      conversationRepo: this.conversationRepo,
      agentDirectory: this.directory,
      audit: this.#audit,
      ...(secrets ? { secrets } : {}),
      logger,
      ...(config.handoffIdleTimeoutSeconds !== undefined
        ? { idleTimeoutSeconds: config.handoffIdleTimeoutSeconds }
        : {}),
    });
    this.threads = this.handoffs.threads;
    this.#defaults = new DefaultAgents({ directory: this.directory, ids: config.defaultAgentIds });
    this.consoleApi = new ConsoleService({
      gateway: this,
      a2aClient: config.a2aClient,
      defaults: this.#defaults,
      logger,
    });
    // One router for every request; who answers a thread no handoff holds is looked up per turn,
    // and only then (a thread in a handoff needs no default agent), by skills when the tenant says so.
    this.routing = new RoutingService({ gateway: this, defaults: this.#defaults, logger, ...config });
    this.router = this.routing.router;
  }

  /**
   * Readies the service's storage: seals credentials that an older version stored in clear and
   * re-seals those sealed with a retired key. Called by the gateway on startup.
   */
  async prepare(): Promise<void> {
    await this.directory.sealCredentials();
  }

  /** Resolves when the database answers a trivial query; throws NOT_READY otherwise. */
  async checkReady(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sql`select 1`.execute(this.database.db),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("readiness probe timed out")), READINESS_TIMEOUT_MS);
        }),
      ]);
    } catch {
      throw new GatewayHttpError({
        statusCode: 503,
        code: GatewayErrorCode.NOT_READY,
        message: "Database is not reachable",
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Who the key speaks for and which operations it may call. */
  me(options: PrincipalOptions): MeView {
    const { principal } = options;
    authorize(principal, "me");
    return meView(principal);
  }

  async createThread(
    options: PrincipalOptions & { title?: string; conversationType?: ConversationType },
  ): Promise<ThreadView> {
    const { principal } = options;
    authorize(principal, "createThread");
    const thread = await this.conversationRepo.createConversation({
      tenantId: principal.tenantId,
      userId: principal.userId,
      ...(options.title !== undefined ? { title: options.title } : {}),
      ...(options.conversationType !== undefined ? { conversationType: options.conversationType } : {}),
    });
    return threadView(thread);
  }

  /** The tenant's threads newest first: an end user's own only; others every thread (or theirs with `mine`). */
  async listThreads(
    options: PrincipalOptions & PageOptions & { mine?: boolean },
  ): Promise<{ threads: ThreadView[]; page: Page }> {
    const { principal } = options;
    authorize(principal, "listThreads");
    const { limit, offset } = pageOf(options);
    const ownOnly = options.mine === true || !readsEveryThread(principal.role);
    const rows = await this.conversationRepo.listConversations({
      tenantId: principal.tenantId,
      ...(ownOnly ? { userId: principal.userId } : {}),
      limit: limit + 1,
      offset,
    });
    return { threads: rows.slice(0, limit).map(threadView), page: pageInfo(limit, offset, rows.length) };
  }

  /** The thread and who holds it. */
  async getThread(
    options: ThreadOptions,
  ): Promise<{ thread: ThreadView; handoffActive: boolean; holder: ThreadHolder }> {
    authorize(options.principal, "getThread");
    const thread = await this.#thread(options, "read");
    const session = await this.handoffs.getActiveHandoff({ threadId: thread.id, tenantId: thread.tenantId });
    return { thread: threadView(thread), handoffActive: session !== null, holder: threadHolderView(session) };
  }

  /** The thread's messages, oldest first. */
  async listMessages(options: ThreadOptions & PageOptions): Promise<{ messages: MessageView[]; page: Page }> {
    authorize(options.principal, "listMessages");
    const thread = await this.#thread(options, "read");
    const { limit, offset } = pageOf(options);
    const rows = await this.conversationRepo.getMessages({
      conversationId: thread.id,
      tenantId: thread.tenantId,
      limit: limit + 1,
      offset,
    });
    return { messages: rows.slice(0, limit).map(messageView), page: pageInfo(limit, offset, rows.length) };
  }

  /**
   * Routes a user message (to the active handoff's specialist, else to the default agents) and
   * yields the router's events. Failures before routing starts (permission, thread) are thrown;
   * failures during the turn — NO_AGENT_AVAILABLE included — arrive as an `error` event. Aborting
   * `signal` stops the upstream agent.
   *
   * Exit words ("cancel", ...) end a handoff only for roles that may cancel one (`handoff:cancel`),
   * as the cancel route does; for other roles they are ordinary messages to the specialist.
   */
  async *routeMessage(
    options: ThreadOptions & { message: string; signal?: AbortSignal },
  ): AsyncGenerator<RouterEvent, void, undefined> {
    const { principal } = options;
    authorize(principal, "postMessage");
    const thread = await this.#thread(options, "write");
    yield* this.router.routeEvents({
      threadId: thread.id,
      tenantId: principal.tenantId,
      userId: principal.userId,
      message: options.message,
      mayCancelHandoff: checkPermission(principal.role, Permission.HANDOFF_CANCEL),
      mayStartHandoff: checkPermission(principal.role, Permission.HANDOFF_INITIATE),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Asks several agents (by id) and synthesizes their answers. */
  async delegate(
    options: ThreadOptions & {
      message: string;
      agentIds: readonly string[];
      strategy?: DelegationStrategy;
      timeoutMs?: number;
      signal?: AbortSignal;
    },
  ): Promise<{ results: DelegationResult[]; synthesis: string }> {
    const { principal } = options;
    authorize(principal, "delegate");
    const thread = await this.#thread(options, "write");
    const seen = new Set<string>();
    for (const [index, agentId] of options.agentIds.entries()) {
      if (seen.has(agentId)) throw new ValidationError(`agentIds[${index}]`, `duplicate agent "${agentId}"`);
      seen.add(agentId);
    }
    const cards = await this.directory.resolve(principal.tenantId, options.agentIds, "agentIds");
    const ref = { tenantId: principal.tenantId, threadId: thread.id };
    const strategy = options.strategy ?? DelegationStrategy.PARALLEL;
    const results = await this.consoleApi.recordDelegation(ref, strategy, (onAttempts) =>
      this.orchestrator.delegateToAgents({
        ...ref,
        userId: principal.userId,
        message: options.message,
        targetAgentCards: cards,
        strategy,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onAttempts,
      }),
    );
    return { results, synthesis: this.orchestrator.synthesizeResponses(results) };
  }

  /** Every call that left for an agent in the thread (delegations, turns, handoff traffic), newest first. */
  async listDelegations(
    options: ThreadOptions & { limit?: number; kind?: AgentCallKind },
  ): Promise<{ records: AgentCallRecordView[] }> {
    authorize(options.principal, "listDelegations");
    const thread = await this.#thread(options, "read");
    const records = await this.#audit.list({
      tenantId: thread.tenantId,
      threadId: thread.id,
      ...(options.kind !== undefined ? { kind: options.kind } : {}),
      limit: options.limit ?? DEFAULT_DELEGATION_RECORDS,
    });
    return { records: records.map(agentCallRecordView) };
  }

  /** The tenant's audit trail of agent calls (auditor, admin), newest first. */
  async listAgentCalls(
    options: PrincipalOptions & {
      threadId?: string;
      agentId?: string;
      kind?: AgentCallKind;
      before?: string;
      limit?: number;
    },
  ): Promise<{ records: AgentCallRecordView[] }> {
    authorize(options.principal, "listAgentCalls");
    const records = await this.#audit.list({
      tenantId: options.principal.tenantId,
      ...(options.threadId !== undefined ? { threadId: options.threadId } : {}),
      ...(options.agentId !== undefined ? { agentId: options.agentId } : {}),
      ...(options.kind !== undefined ? { kind: options.kind } : {}),
      ...(options.before !== undefined ? { before: new Date(options.before) } : {}),
      limit: options.limit ?? DEFAULT_DELEGATION_RECORDS,
    });
    return { records: records.map(agentCallRecordView) };
  }

  /** Hands the thread to a specialist of the tenant's directory (by agent id). */
  async startHandoff(
    options: ThreadOptions & {
      targetAgentId: string;
      contextSummary: string;
      handoffReason: string;
      sourceAgentId?: string;
      signal?: AbortSignal;
    },
  ): Promise<HandoffAcceptance> {
    const { principal } = options;
    authorize(principal, "startHandoff");
    const thread = await this.#thread(options, "write");
    const sourceAgentId = options.sourceAgentId ?? DEFAULT_HANDOFF_SOURCE_AGENT_ID;
    const ref = { tenantId: principal.tenantId, threadId: thread.id };
    return this.consoleApi.recordHandoffStart(ref, { ...options, sourceAgentId }, () =>
      this.handoffs.initiateHandoff({
        ...ref,
        userId: principal.userId,
        sourceAgentId,
        targetAgentId: options.targetAgentId,
        contextSummary: options.contextSummary,
        handoffReason: options.handoffReason,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
  }

  /** The thread's active handoff, or `{ active: null }`. */
  async getHandoff(options: ThreadOptions): Promise<{ active: HandoffSessionView | null }> {
    authorize(options.principal, "getHandoff");
    const thread = await this.#thread(options, "read");
    const session = await this.handoffs.getActiveHandoff({ threadId: thread.id, tenantId: thread.tenantId });
    return { active: session ? handoffSessionView(session) : null };
  }

  /** Cancels the thread's handoff (control returns to the orchestrator; the specialist is told). */
  async cancelHandoff(options: ThreadOptions & { reason?: string }): Promise<HandoffSessionView> {
    const { principal } = options;
    authorize(principal, "cancelHandoff");
    const thread = await this.#thread(options, "supervise");
    const ref = { threadId: thread.id, tenantId: principal.tenantId };
    const session = await this.consoleApi.recordHandoffEnd(ref, TurnTrigger.HANDOFF_CANCEL, () =>
      this.handoffs.cancelHandoff({
        ...ref,
        userId: principal.userId,
        reason: options.reason ?? DEFAULT_CANCEL_REASON,
      }),
    );
    return handoffSessionView(session);
  }

  /** Ends the thread's active handoff on the specialist's behalf, with its outcome. */
  async completeHandoff(
    options: ThreadOptions & {
      completionStatus: CompletionStatus;
      resultSummary?: string;
      artifactsCreated?: string[];
    },
  ): Promise<HandoffSessionView> {
    const { principal } = options;
    authorize(principal, "completeHandoff");
    const thread = await this.#thread(options, "supervise");
    const ref = { threadId: thread.id, tenantId: principal.tenantId };
    const session = await this.handoffs.getActiveHandoff(ref);
    if (!session) {
      throw new HandoffError(ErrorCode.NO_ACTIVE_HANDOFF, "Thread has no active handoff", { context: ref });
    }
    const handoffReturn = {
      ...ref,
      sourceAgentId: session.targetAgentId,
      targetAgentId: session.sourceAgentId,
      completionStatus: options.completionStatus,
      ...(options.resultSummary !== undefined ? { resultSummary: options.resultSummary } : {}),
      ...(options.artifactsCreated !== undefined ? { artifactsCreated: options.artifactsCreated } : {}),
    };
    const done = await this.consoleApi.recordHandoffEnd(ref, TurnTrigger.HANDOFF_COMPLETE, () =>
      this.handoffs.completeHandoff({ ...ref, handoffReturn }),
    );
    return handoffSessionView(done);
  }

  /** Every handoff of the thread, oldest first. */
  async listHandoffs(options: ThreadOptions): Promise<{ handoffs: HandoffSessionView[] }> {
    authorize(options.principal, "listHandoffs");
    const thread = await this.#thread(options, "read");
    const sessions = await this.handoffs.listHandoffs({ threadId: thread.id, tenantId: thread.tenantId });
    return { handoffs: sessions.map(handoffSessionView) };
  }

  /** The agents the tenant can use (static first, then registered by id), without credentials, paged. */
  async listAgents(options: PrincipalOptions & PageOptions): Promise<{ agents: AgentView[]; page: Page }> {
    authorize(options.principal, "listAgents");
    const { limit, offset } = pageOf(options);
    const agents = await this.directory.list(options.principal.tenantId, { limit: limit + 1, offset });
    const shown = agents.slice(0, limit);
    const defaults = this.#defaults.idsAmong(shown.map((agent) => agent.card));
    return {
      agents: shown.map((agent) => agentView(agent, defaults)),
      page: pageInfo(limit, offset, agents.length),
    };
  }

  /**
   * Registers an agent for the tenant: a card as given, or one discovered from the agent's URL. Its
   * URL must pass the outbound network policy; its credentials are stored encrypted.
   */
  async registerAgent(
    options: PrincipalOptions & { card?: AgentCard; url?: string; id?: string; signal?: AbortSignal },
  ): Promise<AgentView> {
    const { principal } = options;
    authorize(principal, "registerAgent");
    const card = await registrationCard(this.#client, {
      tenantId: principal.tenantId,
      card: options.card,
      url: options.url,
      id: options.id,
      signal: options.signal,
    });
    let agent: AgentDirectoryEntry;
    try {
      agent = await this.directory.register(principal.tenantId, card);
    } catch (error) {
      if (isOrchestrationError(error, ErrorCode.CONFIGURATION_ERROR) && error.field === "secrets") {
        throw new GatewayHttpError({
          statusCode: 503,
          code: GatewayErrorCode.SECRETS_NOT_CONFIGURED,
          message:
            "This gateway cannot store agent credentials: no secret key is configured (operator: set OMNIFORGE_SECRET_KEY)",
          field: "card.service.auth",
        });
      }
      throw error;
    }
    return agentView(agent, this.#defaults.idsAmong([agent.card]));
  }

  /** Removes one of the tenant's registered agents; the live handoffs it held end (noted in their threads). */
  async removeAgent(options: PrincipalOptions & { agentId: string }): Promise<void> {
    authorize(options.principal, "removeAgent");
    await this.directory.remove(options.principal.tenantId, options.agentId);
    await this.handoffs.endHandoffsTo({ tenantId: options.principal.tenantId, agentId: options.agentId });
    await this.router.forgetAgent({ tenantId: options.principal.tenantId, agentId: options.agentId });
  }

  /** The thread, if the principal may reach it for `access` (see {@link requireThreadAccess}). */
  #thread(options: ThreadOptions, access: ThreadAccess): Promise<Conversation> {
    return requireThreadAccess(this.threads, options, access);
  }
}
