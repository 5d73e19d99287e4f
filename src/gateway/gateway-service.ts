/**
 * What the gateway does, without HTTP: plain async functions over the orchestration managers,
 * each taking one options object with the caller's principal. Routes are thin adapters over
 * these; tests may call them directly. Every function authorizes the principal against the
 * operation's policy and scopes every read and write to the principal's tenant.
 */
import { sql } from "kysely";
import type { A2AClient } from "../a2a/a2a-client.js";
import type { AgentCard } from "../agents/agent-card.js";
import { SqlConversationRepository } from "../conversation/sql-conversation-repository.js";
import type { Conversation, ConversationType } from "../conversation/models.js";
import { ConfigurationError, ErrorCode, HandoffError, ValidationError } from "../errors.js";
import { defaultLogger, type Logger } from "../observability.js";
import { SqlDelegationAuditStore, type DelegationAuditStore } from "../orchestration/delegation-audit.js";
import { HandoffManager, type HandoffAcceptance } from "../orchestration/handoff-manager.js";
import { OrchestrationManager, type DelegationResult } from "../orchestration/orchestration-manager.js";
import { ORCHESTRATOR_AGENT_ID, StreamRouter, type RouterEvent } from "../orchestration/stream-router.js";
import type { ThreadManager } from "../orchestration/thread-manager.js";
import type { CompletionStatus, DelegationStrategy } from "../orchestration/types.js";
import type { ApiKeyPrincipal } from "../security/api-keys.js";
import { Permission, checkPermission } from "../security/rbac.js";
import type { Database } from "../storage/database.js";
import { AgentRegistry } from "./agent-registry.js";
import {
  DEFAULT_CANCEL_REASON,
  DEFAULT_DELEGATION_RECORDS,
  DEFAULT_HANDOFF_SOURCE_AGENT_ID,
  DEFAULT_PAGE_LIMIT,
  READINESS_TIMEOUT_MS,
} from "./defaults.js";
import { GatewayErrorCode, GatewayHttpError } from "./http-errors.js";
import { authorize } from "./route-policy.js";
import {
  agentView,
  delegationRecordView,
  handoffSessionView,
  messageView,
  threadView,
  type AgentView,
  type DelegationRecordView,
  type HandoffSessionView,
  type MessageView,
  type ThreadView,
} from "./views.js";

/** Construction input of {@link GatewayService}. */
export interface GatewayServiceConfig {
  database: Database;
  a2aClient: A2AClient;
  /** Agents every tenant can use. */
  agents?: readonly AgentCard[];
  /** Ids (among `agents`) that answer messages. Default: every static agent that is not handoff-capable. */
  defaultAgentIds?: readonly string[];
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

/** Paging of list calls. */
export interface PageOptions {
  limit?: number;
  offset?: number;
}

/** A page's position, with the offset of the next page (null on the last one). */
export interface Page {
  limit: number;
  offset: number;
  nextOffset: number | null;
}

/** Who answers a thread's next message. */
export interface ThreadHolder {
  kind: "orchestrator" | "handoff";
  agentId: string;
  handoffId?: string;
  since?: string;
}

/** The services behind every gateway route. */
export class GatewayService {
  readonly database: Database;
  readonly conversationRepo: SqlConversationRepository;
  readonly orchestrator: OrchestrationManager;
  readonly handoffs: HandoffManager;
  readonly threads: ThreadManager;
  readonly agents: AgentRegistry;
  readonly #audit: DelegationAuditStore;
  readonly #staticDefaults: readonly AgentCard[];

  constructor(config: GatewayServiceConfig) {
    if (!config?.database)
      throw new ConfigurationError("database is required", { context: { field: "database" } });
    if (!config.a2aClient) {
      throw new ConfigurationError("a2aClient is required", { context: { field: "a2aClient" } });
    }
    const logger = config.logger ?? defaultLogger();
    this.database = config.database;
    this.agents = new AgentRegistry({
      database: config.database,
      a2aClient: config.a2aClient,
      staticAgents: config.agents ?? [],
    });
    this.conversationRepo = new SqlConversationRepository(config.database);
    this.#audit = new SqlDelegationAuditStore(config.database);
    this.orchestrator = new OrchestrationManager({
      a2aClient: config.a2aClient,
      conversationRepo: this.conversationRepo,
      auditStore: this.#audit,
      logger,
    });
    this.handoffs = new HandoffManager({
      a2aClient: config.a2aClient,
      conversationRepo: this.conversationRepo,
      agents: this.agents.staticAgents,
      logger,
      ...(config.handoffIdleTimeoutSeconds !== undefined
        ? { idleTimeoutSeconds: config.handoffIdleTimeoutSeconds }
        : {}),
    });
    this.threads = this.handoffs.threads;
    this.#staticDefaults = pickDefaults(this.agents.staticAgents, config.defaultAgentIds);
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

  /** The tenant's threads (only the caller's with `mine`), newest first. */
  async listThreads(
    options: PrincipalOptions & PageOptions & { mine?: boolean },
  ): Promise<{ threads: ThreadView[]; page: Page }> {
    const { principal } = options;
    authorize(principal, "listThreads");
    const { limit, offset } = pageOf(options);
    const rows = await this.conversationRepo.listConversations({
      tenantId: principal.tenantId,
      ...(options.mine ? { userId: principal.userId } : {}),
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
    const thread = await this.#requireThread(options);
    const session = await this.handoffs.getActiveHandoff({ threadId: thread.id, tenantId: thread.tenantId });
    const holder: ThreadHolder = session
      ? {
          kind: "handoff",
          agentId: session.targetAgentId,
          handoffId: session.handoffId,
          since: session.startedAt.toISOString(),
        }
      : { kind: "orchestrator", agentId: ORCHESTRATOR_AGENT_ID };
    return { thread: threadView(thread), handoffActive: session !== null, holder };
  }

  /** The thread's messages, oldest first. */
  async listMessages(options: ThreadOptions & PageOptions): Promise<{ messages: MessageView[]; page: Page }> {
    authorize(options.principal, "listMessages");
    const thread = await this.#requireThread(options);
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
   * yields the router's events. Failures before routing starts (permission, thread, no agent) are
   * thrown; failures during the turn arrive as an `error` event. Aborting `signal` stops the
   * upstream agent.
   *
   * Exit words ("cancel", ...) end a handoff only for roles that hold HANDOFF_CANCEL; for other
   * roles they are ordinary messages to the specialist.
   */
  async *routeMessage(
    options: ThreadOptions & { message: string; signal?: AbortSignal },
  ): AsyncGenerator<RouterEvent, void, undefined> {
    const { principal } = options;
    authorize(principal, "postMessage");
    const thread = await this.#requireThread(options);
    const router = new StreamRouter({
      handoffManager: this.handoffs,
      orchestrationManager: this.orchestrator,
      conversationRepo: this.conversationRepo,
      defaultAgents: await this.#defaultAgents(principal.tenantId),
      ...(checkPermission(principal.role, Permission.HANDOFF_CANCEL) ? {} : { exitCommands: [] }),
    });
    yield* router.routeEvents({
      threadId: thread.id,
      tenantId: principal.tenantId,
      userId: principal.userId,
      message: options.message,
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
    const thread = await this.#requireThread(options);
    const seen = new Set<string>();
    for (const [index, agentId] of options.agentIds.entries()) {
      if (seen.has(agentId)) throw new ValidationError(`agentIds[${index}]`, `duplicate agent "${agentId}"`);
      seen.add(agentId);
    }
    const cards = await this.agents.resolve(principal.tenantId, options.agentIds, "agentIds");
    const results = await this.orchestrator.delegateToAgents({
      threadId: thread.id,
      tenantId: principal.tenantId,
      userId: principal.userId,
      message: options.message,
      targetAgentCards: cards,
      ...(options.strategy !== undefined ? { strategy: options.strategy } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { results, synthesis: this.orchestrator.synthesizeResponses(results) };
  }

  /** The thread's delegation audit records (one per agent call, with latency), newest first. */
  async listDelegations(
    options: ThreadOptions & { limit?: number },
  ): Promise<{ records: DelegationRecordView[] }> {
    authorize(options.principal, "listDelegations");
    const thread = await this.#requireThread(options);
    const records = await this.#audit.list({
      tenantId: thread.tenantId,
      threadId: thread.id,
      limit: options.limit ?? DEFAULT_DELEGATION_RECORDS,
    });
    return { records: records.map(delegationRecordView) };
  }

  /** Hands the thread to a specialist (by agent id). */
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
    const thread = await this.#requireThread(options);
    const target = await this.agents.get(principal.tenantId, options.targetAgentId);
    if (!target) throw new ValidationError("targetAgentId", `unknown agent "${options.targetAgentId}"`);
    return this.handoffs.initiateHandoff({
      threadId: thread.id,
      tenantId: principal.tenantId,
      userId: principal.userId,
      sourceAgentId: options.sourceAgentId ?? DEFAULT_HANDOFF_SOURCE_AGENT_ID,
      targetAgentCard: target.card,
      contextSummary: options.contextSummary,
      handoffReason: options.handoffReason,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** The thread's active handoff, or `{ active: null }`. */
  async getHandoff(options: ThreadOptions): Promise<{ active: HandoffSessionView | null }> {
    authorize(options.principal, "getHandoff");
    const thread = await this.#requireThread(options);
    const session = await this.handoffs.getActiveHandoff({ threadId: thread.id, tenantId: thread.tenantId });
    return { active: session ? handoffSessionView(session) : null };
  }

  /** Cancels the thread's handoff (control returns to the orchestrator; the specialist is told). */
  async cancelHandoff(options: ThreadOptions & { reason?: string }): Promise<HandoffSessionView> {
    const { principal } = options;
    authorize(principal, "cancelHandoff");
    const thread = await this.#requireThread(options);
    const session = await this.handoffs.cancelHandoff({
      threadId: thread.id,
      tenantId: principal.tenantId,
      userId: principal.userId,
      reason: options.reason ?? DEFAULT_CANCEL_REASON,
    });
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
    const thread = await this.#requireThread(options);
    const ref = { threadId: thread.id, tenantId: principal.tenantId };
    const session = await this.handoffs.getActiveHandoff(ref);
    if (!session) {
      throw new HandoffError(ErrorCode.NO_ACTIVE_HANDOFF, "Thread has no active handoff", { context: ref });
    }
    const done = await this.handoffs.completeHandoff({
      ...ref,
      handoffReturn: {
        ...ref,
        sourceAgentId: session.targetAgentId,
        targetAgentId: session.sourceAgentId,
        completionStatus: options.completionStatus,
        ...(options.resultSummary !== undefined ? { resultSummary: options.resultSummary } : {}),
        ...(options.artifactsCreated !== undefined ? { artifactsCreated: options.artifactsCreated } : {}),
      },
    });
    return handoffSessionView(done);
  }

  /** Every handoff of the thread, oldest first. */
  async listHandoffs(options: ThreadOptions): Promise<{ handoffs: HandoffSessionView[] }> {
    authorize(options.principal, "listHandoffs");
    const thread = await this.#requireThread(options);
    const sessions = await this.handoffs.listHandoffs({ threadId: thread.id, tenantId: thread.tenantId });
    return { handoffs: sessions.map(handoffSessionView) };
  }

  /** The agents the tenant can use (static and registered), without credentials. */
  async listAgents(options: PrincipalOptions): Promise<{ agents: AgentView[] }> {
    authorize(options.principal, "listAgents");
    const agents = await this.agents.list(options.principal.tenantId);
    const defaults = new Set(this.#defaultsAmong(agents.map((agent) => agent.card)).map(idOf));
    return { agents: agents.map((agent) => agentView(agent, defaults)) };
  }

  /** Registers an agent for the tenant: a card as given, or one discovered from the agent's URL. */
  async registerAgent(
    options: PrincipalOptions & { card?: AgentCard; url?: string; id?: string; signal?: AbortSignal },
  ): Promise<AgentView> {
    const { principal } = options;
    authorize(principal, "registerAgent");
    let card = options.card;
    if (card === undefined) {
      if (options.url === undefined) throw new ValidationError("card", "give exactly one of card or url");
      card = await this.agents.discover({
        url: options.url,
        ...(options.id !== undefined ? { id: options.id } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    const agent = await this.agents.add(principal.tenantId, card);
    return agentView(agent, new Set(this.#defaultsAmong([agent.card]).map(idOf)));
  }

  /** Removes one of the tenant's registered agents. */
  async removeAgent(options: PrincipalOptions & { agentId: string }): Promise<void> {
    authorize(options.principal, "removeAgent");
    await this.agents.remove(options.principal.tenantId, options.agentId);
  }

  /** The static defaults when there are any; otherwise the general (non-handoff) agents among `cards`. */
  #defaultsAmong(cards: readonly AgentCard[]): AgentCard[] {
    return this.#staticDefaults.length > 0 ? [...this.#staticDefaults] : cards.filter(isGeneralAgent);
  }

  /** The thread, if it is the tenant's; ThreadAccessError (-> 404) otherwise. */
  #requireThread(options: ThreadOptions): Promise<Conversation> {
    return this.threads.requireThread({ threadId: options.threadId, tenantId: options.principal.tenantId });
  }

  /** Who answers when no handoff holds a thread: the configured defaults, else the tenant's own agents. */
  async #defaultAgents(tenantId: string): Promise<AgentCard[]> {
    if (this.#staticDefaults.length > 0) return [...this.#staticDefaults];
    const cards = this.#defaultsAmong((await this.agents.list(tenantId)).map((agent) => agent.card));
    if (cards.length === 0) {
      throw new GatewayHttpError({
        statusCode: 503,
        code: GatewayErrorCode.NO_AGENT_AVAILABLE,
        message: "No agent is available to answer: configure default agents or register one",
      });
    }
    return cards;
  }
}

/** The configured default agents, or every agent that is not handoff-capable. */
function pickDefaults(agents: readonly AgentCard[], ids: readonly string[] | undefined): AgentCard[] {
  if (ids === undefined) return agents.filter(isGeneralAgent);
  return ids.map((id, index) => {
    const card = agents.find((agent) => agent.identity.id === id);
    if (!card) {
      throw new ConfigurationError(`defaultAgentIds[${index}]: "${id}" is not one of the configured agents`, {
        context: { field: `defaultAgentIds[${index}]` },
      });
    }
    return card;
  });
}

/** Handoff-capable agents are specialists: they take threads over, they do not answer by default. */
function isGeneralAgent(card: AgentCard): boolean {
  return card.capabilities?.handoff !== true;
}

function idOf(card: AgentCard): string {
  return card.identity.id;
}

function pageOf(options: PageOptions): { limit: number; offset: number } {
  return { limit: options.limit ?? DEFAULT_PAGE_LIMIT, offset: options.offset ?? 0 };
}

function pageInfo(limit: number, offset: number, fetched: number): Page {
  return { limit, offset, nextOffset: fetched > limit ? offset + limit : null };
}
