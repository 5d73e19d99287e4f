/**
 * The card cache of an `A2AClient`: each agent's resolved card and transport, per tenant, agent,
 * endpoint, interface preference and credentials, reused for `cardTtlMs` and bounded by count and
 * card bytes (least recently used first out). Concurrent callers share one fetch.
 */
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { agentEndpoint, type AgentCard } from "../agent-card.js";
import type { NetworkPolicy } from "../../security/network-policy.js";
import { AbortedError, AgentError, ErrorCode } from "../../errors.js";
import { CallScope } from "./call-scope.js";
import { resolveAgent, type ResolvedAgent } from "./card-resolver.js";
import { clientError, withoutCredentials } from "./client-errors.js";
import type { ClientSettings } from "./client-settings.js";
import type { AgentHttp } from "./http.js";
import { parseInterfacePreference } from "./interfaces.js";

const noop = (): void => {};

function endpointOf(card: AgentCard): string {
  const endpoint = agentEndpoint(card);
  return endpoint.endsWith("/") ? endpoint.replace(/\/+$/, "") : endpoint;
}

/**
 * The cache key: tenant, agent id, endpoint, the card's interface preference and a fingerprint of
 * its credentials. A resolution one tenant made (with its credentials) is never served to another
 * tenant or another credential.
 */
function cacheKey(card: AgentCard, endpoint: string, tenantId: string | undefined): string {
  const service = card.service;
  const fingerprint =
    service?.auth === undefined && service?.interfacePreference === undefined ? "" : fingerprintOf(service);
  return `${tenantId ?? ""}\u0000${card.identity.id}\u0000${endpoint}\u0000${fingerprint}`;
}

/** The last fingerprint of each `service` object, with what it was computed from. */
const fingerprints = new WeakMap<object, { source: string; digest: string }>();

/**
 * The hash of a service's credentials and interface preference. A card is usually passed again and
 * again, so the hash is kept per `service` object and reused while what it hashes reads the same (a
 * card changed in place is hashed afresh).
 */
function fingerprintOf(service: NonNullable<AgentCard["service"]>): string {
  const source = JSON.stringify([service.auth ?? null, service.interfacePreference ?? null]);
  const known = fingerprints.get(service);
  if (known?.source === source) return known.digest;
  const digest = createHash("sha256").update(source).digest("base64url");
  fingerprints.set(service, { source, digest });
  return digest;
}

export interface AgentCacheConfig {
  readonly settings: ClientSettings;
  readonly http: AgentHttp;
  readonly policy: NetworkPolicy;
  readonly logger: Logger | undefined;
}

export class AgentCache {
  readonly #config: AgentCacheConfig;
  /** Resolved agents, least recently used first (a Map keeps insertion order). */
  readonly #agents = new Map<string, ResolvedAgent>();
  /** The card bytes #agents holds (bounded by `cardCacheBytes`). */
  #cachedBytes = 0;
  readonly #agentLoads = new Map<string, Promise<ResolvedAgent>>();
  /** The card fetches in flight, aborted by close(). */
  readonly #scopes = new Set<CallScope>();
  #closed = false;

  constructor(config: AgentCacheConfig) {
    this.#config = config;
  }

  /**
   * The resolved agent for `card` (cached per tenant, agent, endpoint, preference and credentials);
   * `refresh`: read afresh (a fetch already in flight is shared), then cached.
   */
  async get(
    card: AgentCard,
    scope: CallScope,
    tenantId: string | undefined,
    refresh = false,
  ): Promise<{ key: string; agent: ResolvedAgent }> {
    const endpoint = endpointOf(card);
    const key = cacheKey(card, endpoint, tenantId);
    const hit = refresh ? undefined : this.#agents.get(key);
    if (hit !== undefined && hit.expiresAt > Date.now()) {
      // Most recently used goes last.
      this.#agents.delete(key);
      this.#agents.set(key, hit);
      return { key, agent: hit };
    }
    return { key, agent: await this.#resolve(card, endpoint, key, scope) };
  }

  /** Drops `key`'s agent (the next call resolves its card afresh). */
  forget(key: string): void {
    const agent = this.#agents.get(key);
    if (agent === undefined) return;
    this.#agents.delete(key);
    this.#cachedBytes -= agent.cardBytes;
    // A call still using it keeps working over HTTP; a gRPC channel closes once its calls end.
    agent.transport.close();
  }

  /** Aborts the card fetches in flight and closes every cached transport. */
  close(): void {
    this.#closed = true;
    for (const scope of this.#scopes) scope.abort("closed");
    for (const agent of this.#agents.values()) agent.transport.close();
    this.#agents.clear();
    this.#cachedBytes = 0;
  }

  #remember(key: string, agent: ResolvedAgent): void {
    this.forget(key);
    this.#agents.set(key, agent);
    this.#cachedBytes += agent.cardBytes;
    while (
      this.#agents.size > this.#config.settings.cardCacheSize ||
      (this.#cachedBytes > this.#config.settings.cardCacheBytes && this.#agents.size > 1)
    ) {
      const oldest = this.#agents.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
  }

  /** Resolves the agent through one shared fetch; each caller still honours its own deadline. */
  #resolve(card: AgentCard, endpoint: string, key: string, scope: CallScope): Promise<ResolvedAgent> {
    let load = this.#agentLoads.get(key);
    if (load === undefined) {
      load = this.#load(card, endpoint, key).finally(() => this.#agentLoads.delete(key));
      // Every caller may give up before the fetch settles; its failure must not go unhandled.
      load.catch(noop);
      this.#agentLoads.set(key, load);
    }
    scope.throwIfAborted();
    const shared = load;
    return new Promise<ResolvedAgent>((resolve, reject) => {
      const onAbort = (): void => reject(scope.toError(undefined));
      scope.signal.addEventListener("abort", onAbort, { once: true });
      shared.then(
        (agent) => {
          scope.signal.removeEventListener("abort", onAbort);
          resolve(agent);
        },
        (error: unknown) => {
          scope.signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }

  async #load(card: AgentCard, endpoint: string, key: string): Promise<ResolvedAgent> {
    const scope = new CallScope(
      card.identity.id,
      "GetAgentCard",
      this.#config.settings.defaultTimeoutMs,
      undefined,
    );
    this.#scopes.add(scope);
    try {
      const override = card.service?.interfacePreference;
      const preference =
        override === undefined
          ? this.#config.settings.preference
          : parseInterfacePreference(override, `agent ${card.identity.id} service.interfacePreference`);
      const agent = await resolveAgent(card, endpoint, preference, scope, {
        http: this.#config.http,
        policy: this.#config.policy,
        preference,
        grpcTls: this.#config.settings.grpcTls,
        cardTtlMs: this.#config.settings.cardTtlMs,
        maxResponseBytes: this.#config.settings.maxResponseBytes,
      });
      if (!agent.sendAuth && card.service?.auth !== undefined) {
        this.#config.logger?.warn(
          { agentId: scope.agentId, interface: `${agent.chosen.binding}/${agent.chosen.version}` },
          "a2a card points to another host; credentials will not be sent there",
        );
      }
      if (this.#closed) {
        agent.transport.close();
        throw new AbortedError("A2AClient is closed");
      }
      this.#remember(key, agent);
      return agent;
    } catch (error) {
      throw error instanceof AgentError && error.code === ErrorCode.AGENT_CARD_INVALID
        ? withoutCredentials(error, card.service?.auth)
        : clientError(scope, error, card.service?.auth);
    } finally {
      scope.dispose();
      this.#scopes.delete(scope);
    }
  }
}
