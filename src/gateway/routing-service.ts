/**
 * Routing by skills in the gateway: each tenant's setting (stored in the database), the selector
 * its router uses — one per tenant, built from the tenant's directory agents' cards and cached by
 * tenant and directory version, so a registered agent is seen at once and two replicas decide
 * alike — and the explanation of a route. Admins change the setting; any reader of a thread may ask
 * how a message to it would be routed.
 */
import type { AgentCard } from "../a2a/agent-card.js";
import { isOrchestrationError } from "../errors.js";
import type { Logger } from "../observability.js";
import type { AgentSelector } from "../orchestration/agent-selector.js";
import type { RouteExplanation, RoutingOptions } from "../orchestration/router-routing.js";
import { SkillRouter } from "../orchestration/skill-router/skill-router.js";
import { StreamRouter } from "../orchestration/stream-router.js";
import type { ThreadManager } from "../orchestration/thread-manager.js";
import { ContextSanitizer } from "../security/sanitizer/index.js";
import type { SqlAgentDirectory } from "../storage/sql/sql-agent-directory.js";
import { SqlTenantRouting, type TenantRoutingSetting } from "../storage/sql/sql-tenant-routing.js";
import { authorize } from "./route-policy.js";
import type { DefaultAgents } from "./default-agents.js";
import type { GatewayService, PrincipalOptions } from "./gateway-service.js";
import { requireThreadAccess } from "./thread-access.js";

/** Builds the selector for one tenant's agents (e.g. `(agents) => new SkillRouter({ agents, llm })`). */
export type SelectorFactory = (agents: readonly AgentCard[]) => AgentSelector;

/** The gateway's routing options (part of `GatewayServiceConfig`). */
export interface GatewayRoutingConfig {
  /**
   * Builds a tenant's agent selector from its agents when the tenant turns routing on
   * (`PUT /v1/routing`). Default: `new SkillRouter({ agents })`; give one with `llm` for an LLM selector.
   */
  routingSelector?: SelectorFactory | undefined;
}

/** Construction input of {@link RoutingService}. */
export interface RoutingServiceConfig extends GatewayRoutingConfig {
  /** The service whose managers, directory and timeline the router uses. */
  gateway: GatewayService;
  defaults: DefaultAgents;
  logger: Logger;
}

/** How many tenants' selectors one process keeps (least recently used out first). */
const SELECTOR_CACHE_SIZE = 256;

interface TenantSelector {
  selector: AgentSelector;
  agents: AgentCard[];
}

export class RoutingService {
  readonly store: SqlTenantRouting;
  /** The gateway's one router: every request's turns, routed by skills for tenants that turned it on. */
  readonly router: StreamRouter;
  readonly #directory: SqlAgentDirectory;
  readonly #threads: ThreadManager;
  readonly #createSelector: SelectorFactory;
  readonly #logger: Logger;
  readonly #sanitizer = new ContextSanitizer();
  /** Per tenant, its selector for one directory version (never keyed by agent id alone), LRU. */
  readonly #selectors = new Map<string, { version: string; selector: Promise<TenantSelector> }>();

  constructor(config: RoutingServiceConfig) {
    const { gateway, defaults } = config;
    this.store = new SqlTenantRouting(gateway.database);
    this.#directory = gateway.directory;
    this.#threads = gateway.threads;
    this.#createSelector = config.routingSelector ?? ((agents) => new SkillRouter({ agents }));
    this.#logger = config.logger;
    this.router = new StreamRouter({
      handoffManager: gateway.handoffs,
      orchestrationManager: gateway.orchestrator,
      conversationRepo: gateway.conversationRepo,
      defaultAgents: ({ tenantId }) => defaults.forTenant(tenantId),
      timeline: gateway.consoleApi.turns.store,
      routing: this.resolver,
    });
  }

  /** The router's `routing` option: the tenant's routing for this turn, or undefined when it is off. */
  readonly resolver = async ({ tenantId }: { tenantId: string }): Promise<RoutingOptions | undefined> => {
    // Off (the default): one read, and the directory is not looked at.
    const setting = await this.store.get(tenantId);
    if (!setting.enabled) return undefined;
    const version = await this.store.directoryVersion(tenantId);
    const { selector, agents } = await this.#selectorFor(tenantId, version);
    return {
      selector,
      agents,
      cardFor: (agentId) => this.#directory.get(tenantId, agentId),
      maxAgents: setting.maxAgents,
      minScore: setting.minScore,
      fallback: setting.fallback,
      transferBy: "directory",
      sanitizer: this.#sanitizer,
      logger: this.#logger,
    };
  };

  /** The tenant's routing setting (admin). */
  async getRouting(options: PrincipalOptions): Promise<TenantRoutingSetting> {
    authorize(options.principal, "getRouting");
    return this.store.get(options.principal.tenantId);
  }

  /** Replaces the tenant's routing setting (admin); omitted numbers take their defaults. */
  async updateRouting(
    options: PrincipalOptions & {
      enabled: boolean;
      maxAgents?: number;
      minScore?: number;
      fallback?: "defaults" | "ask";
    },
  ): Promise<TenantRoutingSetting> {
    const { principal } = options;
    authorize(principal, "updateRouting");
    return this.store.put(
      principal.tenantId,
      {
        enabled: options.enabled,
        maxAgents: options.maxAgents ?? 1,
        minScore: options.minScore ?? 0,
        fallback: options.fallback ?? "defaults",
      },
      principal.userId,
    );
  }

  /** Who would answer `message` (in `threadId`, which the caller must be able to read), and why. */
  async explain(
    options: PrincipalOptions & { message: string; threadId?: string; signal?: AbortSignal },
  ): Promise<RouteExplanation> {
    const { principal } = options;
    authorize(principal, "explainRoute");
    const thread =
      options.threadId === undefined
        ? undefined
        : await requireThreadAccess(this.#threads, { principal, threadId: options.threadId }, "read");
    return this.router.explainRoute({
      tenantId: principal.tenantId,
      userId: principal.userId,
      message: options.message,
      ...(thread ? { threadId: thread.id } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  #selectorFor(tenantId: string, version: string): Promise<TenantSelector> {
    const cached = this.#selectors.get(tenantId);
    // Most recently used last; a tenant's older version is replaced, not kept beside the new one.
    this.#selectors.delete(tenantId);
    if (cached?.version === version) {
      this.#selectors.set(tenantId, cached);
      return cached.selector;
    }
    const entry = { version, selector: this.#build(tenantId) };
    entry.selector.catch(() => {
      if (this.#selectors.get(tenantId) === entry) this.#selectors.delete(tenantId);
    });
    this.#selectors.set(tenantId, entry);
    for (const old of this.#selectors.keys()) {
      if (this.#selectors.size <= SELECTOR_CACHE_SIZE) break;
      this.#selectors.delete(old);
    }
    return entry.selector;
  }

  async #build(tenantId: string): Promise<TenantSelector> {
    const agents = (await this.#directory.list(tenantId)).map((entry) => entry.card);
    try {
      return { selector: this.#createSelector(agents), agents };
    } catch (error) {
      // A selector that cannot be built (a factory's own error, a directory it refuses) must not
      // fail the tenant's turns: it fails each selection, and the router falls back as configured.
      this.#logger.warn(
        { tenantId, errorCode: isOrchestrationError(error) ? error.code : "INTERNAL_ERROR" },
        "routing selector not built; turns fall back",
      );
      return { selector: { select: () => Promise.reject(error) }, agents };
    }
  }
}
