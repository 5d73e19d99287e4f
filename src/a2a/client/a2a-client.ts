/**
 * OmniForge's A2A client: one API over every interface an agent may offer — A2A v1.0 over JSON-RPC,
 * HTTP+JSON or gRPC, and v0.3 over JSON-RPC or HTTP+JSON — with typed errors, per-call timeouts and
 * cancellation, size limits, W3C trace propagation, and streams that survive a dropped connection.
 *
 * The agent's A2A card is resolved once per TTL (shared by concurrent callers) and names the
 * interfaces it offers; the client picks one by preference and calls it through that binding's
 * transport. v1.0 JSON-RPC, the common case, is written by hand on a pooled keep-alive undici
 * client; the other bindings are carried by `@a2a-js/sdk`'s own transports, over the same pool.
 */
import { createHash } from "node:crypto";
import {
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import type { Logger } from "pino";
import { agentEndpoint, type AgentAuth, type AgentCard } from "../agent-card.js";
import { NetworkPolicy, NetworkPolicyError } from "../../security/network-policy.js";
import {
  AbortedError,
  AgentError,
  ConfigurationError,
  ErrorCode,
  ValidationError,
  type OrchestrationError,
} from "../../errors.js";
import { BodyTooLargeError, CallScope, ReplyTooLargeError, networkError } from "./call-scope.js";
import {
  DEFAULT_CARD_CACHE_BYTES,
  DEFAULT_CARD_CACHE_SIZE,
  DEFAULT_CARD_TTL_MS,
  DEFAULT_CONNECTIONS_PER_ORIGIN,
  DEFAULT_MAX_REPLY_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_RESUME_POLL_MS,
  DEFAULT_TIMEOUT_MS,
} from "../defaults.js";
import { SseEventTooLargeError } from "./sse-parser.js";
import { isObject } from "../wire.js";
import { buildWireMessage } from "./events.js";
import { AgentHttp } from "./http.js";
import {
  DEFAULT_INTERFACE_PREFERENCE,
  parseInterfacePreference,
  type InterfacePreference,
} from "./interfaces.js";
import { resolveAgent, setAuth, type ResolvedAgent } from "./card-resolver.js";
import { resumableStream } from "./resume.js";
import type { TransportCall } from "./transports/transport.js";
import type {
  A2ACallOptions,
  A2AClientConfig,
  A2AStreamEvent,
  CancelTaskResult,
  OutgoingMessage,
  RemoteAgentCard,
  ResolvedInterface,
  SendResult,
  TaskSnapshot,
} from "./types.js";

interface ClientSettings {
  readonly cardTtlMs: number;
  readonly maxResponseBytes: number;
  readonly maxReplyBytes: number;
  readonly cardCacheSize: number;
  readonly cardCacheBytes: number;
  readonly defaultTimeoutMs: number;
  readonly connections: number;
  readonly preference: readonly InterfacePreference[];
  readonly grpcTls: boolean | "auto";
}

/** How long a best-effort CancelTask may take. */
const CANCEL_TIMEOUT_MS = 5_000;

const noop = (): void => {};

function positive(value: number | undefined, fallback: number, field: string, integer = false): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new ConfigurationError(
      `A2AClientConfig.${field} must be a positive ${integer ? "integer" : "number"}`,
      { context: { field } },
    );
  }
  return value;
}

function preferenceOf(value: A2AClientConfig["interfacePreference"]): readonly InterfacePreference[] {
  if (value === undefined) return DEFAULT_INTERFACE_PREFERENCE;
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigurationError("A2AClientConfig.interfacePreference must be a non-empty array", {
      context: { field: "interfacePreference" },
    });
  }
  // Validated the same way as the string form, so a typo is named rather than ignored.
  return Object.freeze(
    parseInterfacePreference(
      value.map((entry: InterfacePreference) =>
        isObject(entry)
          ? `${String(entry.binding)}${entry.version ? `/${String(entry.version)}` : ""}`
          : String(entry),
      ),
      "A2AClientConfig.interfacePreference",
    ),
  );
}

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

/**
 * `error` with the agent's credential replaced wherever its text quotes it: an agent (or a proxy)
 * may echo the Authorization header it got into an error message, which callers show and log.
 */
function withoutCredentials<E extends Error>(error: E, auth: AgentAuth | undefined): E {
  const secret = auth === undefined ? undefined : auth.type === "bearer" ? auth.token : auth.key;
  if (secret === undefined || secret.length < 4) return error;
  if (error.message.includes(secret)) error.message = error.message.replaceAll(secret, "[REDACTED]");
  if (error.stack?.includes(secret)) error.stack = error.stack.replaceAll(secret, "[REDACTED]");
  return error;
}

function traceFlagsHex(flags: number): string {
  return (flags & 0xff).toString(16).padStart(2, "0");
}

/**
 * A2A client. One instance per process is typical: it pools keep-alive connections per agent
 * origin and caches each agent's resolved card and transport. Call {@link A2AClient.close} (or use
 * `await using`) when done.
 *
 * @example
 * ```ts
 * await using client = new A2AClient();
 * const result = await client.sendMessage(card, { text: "hi", contextId: threadId }, { timeoutMs: 10_000 });
 * for await (const event of client.sendStreamingMessage(card, { text: "hi" })) { ... }
 * ```
 */
export class A2AClient implements AsyncDisposable {
  readonly #settings: ClientSettings;
  readonly #logger: Logger | undefined;
  readonly #tracer: Tracer;
  readonly #http: AgentHttp;
  readonly #policy: NetworkPolicy;
  /** Resolved agents, least recently used first (a Map keeps insertion order). */
  readonly #agents = new Map<string, ResolvedAgent>();
  /** The card bytes #agents holds (bounded by `cardCacheBytes`). */
  #cachedBytes = 0;
  readonly #agentLoads = new Map<string, Promise<ResolvedAgent>>();
  readonly #scopes = new Set<CallScope>();
  #closing: Promise<void> | undefined;

  constructor(config: A2AClientConfig = {}) {
    const grpcTls = config.grpcTls ?? "auto";
    if (grpcTls !== true && grpcTls !== false && grpcTls !== "auto") {
      throw new ConfigurationError('A2AClientConfig.grpcTls must be true, false or "auto"', {
        context: { field: "grpcTls" },
      });
    }
    this.#settings = Object.freeze({
      cardTtlMs: positive(config.cardTtlMs, DEFAULT_CARD_TTL_MS, "cardTtlMs"),
      maxResponseBytes: positive(
        config.maxResponseBytes,
        DEFAULT_MAX_RESPONSE_BYTES,
        "maxResponseBytes",
        true,
      ),
      maxReplyBytes: positive(config.maxReplyBytes, DEFAULT_MAX_REPLY_BYTES, "maxReplyBytes", true),
      defaultTimeoutMs: positive(config.defaultTimeoutMs, DEFAULT_TIMEOUT_MS, "defaultTimeoutMs"),
      connections: positive(config.connections, DEFAULT_CONNECTIONS_PER_ORIGIN, "connections", true),
      cardCacheSize: positive(config.cardCacheSize, DEFAULT_CARD_CACHE_SIZE, "cardCacheSize", true),
      cardCacheBytes: positive(config.cardCacheBytes, DEFAULT_CARD_CACHE_BYTES, "cardCacheBytes", true),
      preference: preferenceOf(config.interfacePreference),
      grpcTls,
    });
    this.#logger = config.logger;
    this.#tracer = config.tracer ?? trace.getTracer("omniforge");
    this.#policy =
      config.network instanceof NetworkPolicy ? config.network : new NetworkPolicy(config.network ?? {});
    // Every connection goes through the network policy, checked on the address actually dialled.
    this.#http = new AgentHttp(this.#policy, this.#settings.connections);
  }

  /** The outbound network policy every connection of this client obeys. */
  get networkPolicy(): NetworkPolicy {
    return this.#policy;
  }

  /**
   * Resolves (and caches for `cardTtlMs`) the agent's A2A card from
   * `{service.endpoint}/.well-known/agent-card.json` (or the v0.3 `agent.json`; a v0.3 card is
   * returned in the v1.0 shape). Concurrent callers share one fetch. A card that is missing or offers
   * no interface this client speaks fails with `AGENT_CARD_INVALID`.
   */
  async getAgentCard(card: AgentCard, options: A2ACallOptions = {}): Promise<RemoteAgentCard> {
    return (await this.#resolved(card, "GetAgentCard", options)).card;
  }

  /** Which interface calls to this agent go through, and whether its credentials are sent there. */
  async describeAgent(
    card: AgentCard,
    options: A2ACallOptions = {},
  ): Promise<{ chosen: ResolvedInterface; offered: ResolvedInterface[] }> {
    const agent = await this.#resolved(card, "GetAgentCard", options);
    return {
      chosen: { ...agent.chosen, sendsCredentials: agent.sendAuth },
      offered: agent.offered.map((entry) => ({ ...entry, sendsCredentials: false })),
    };
  }

  /** True when the agent's A2A card declares the extension `uri` in `capabilities.extensions`. */
  async supportsExtension(card: AgentCard, uri: string, options: A2ACallOptions = {}): Promise<boolean> {
    const remote = await this.getAgentCard(card, options);
    return remote.capabilities?.extensions.some((extension) => extension.uri === uri) ?? false;
  }

  /**
   * `SendMessage`: waits for the agent's reply (a task in a terminal or interrupted state, or a
   * message). A task that ends FAILED, REJECTED or CANCELED fails with `AGENT_TASK_FAILED`.
   */
  async sendMessage(
    card: AgentCard,
    message: OutgoingMessage,
    options: A2ACallOptions = {},
  ): Promise<SendResult> {
    const wire = buildWireMessage(message);
    return this.#call(card, "SendMessage", wire.extensions, options, (agent, call) =>
      agent.transport.send(wire, call),
    );
  }

  /** `GetTask`: the task as the agent has it now (state, artifacts, status message). */
  async getTask(card: AgentCard, taskId: string, options: A2ACallOptions = {}): Promise<TaskSnapshot> {
    if (typeof taskId !== "string" || taskId === "")
      throw new ValidationError("taskId", "must be a non-empty string");
    return this.#call(card, "GetTask", undefined, options, (agent, call) =>
      agent.transport.getTask(taskId, call),
    );
  }

  /** `CancelTask`: asks the agent to cancel a task; resolves with the task's state after the request. */
  async cancelTask(card: AgentCard, taskId: string, options: A2ACallOptions = {}): Promise<CancelTaskResult> {
    if (typeof taskId !== "string" || taskId === "")
      throw new ValidationError("taskId", "must be a non-empty string");
    return this.#call(card, "CancelTask", undefined, options, (agent, call) =>
      agent.transport.cancel(taskId, call),
    );
  }

  /**
   * `SendStreamingMessage`: yields typed events as the agent produces them. The stream ends when the
   * agent closes it; `timeoutMs` bounds the whole stream. Breaking out of the loop closes the stream.
   * A connection that drops (or a stream that ends) before the task's turn is over is resumed —
   * resubscribed, else polled — without repeating what was already delivered. Failures (malformed
   * frame, agent error, deadline) are thrown as typed errors from the generator. A task ending FAILED
   * is reported as a `status` event, not thrown.
   */
  async *sendStreamingMessage(
    card: AgentCard,
    message: OutgoingMessage,
    options: A2ACallOptions = {},
  ): AsyncGenerator<A2AStreamEvent, void, undefined> {
    const wire = buildWireMessage(message);
    const method = "SendStreamingMessage";
    const scope = this.#begin(card, method, options);
    const span = this.#startSpan(method, scope.agentId);
    const started = performance.now();
    let cached: string | undefined;
    let taskId: string | undefined;
    let outcome: "ok" | "error" | "stopped" = "stopped";
    let events = 0;
    try {
      const resolved = await this.#agentFor(card, scope, options.tenantId);
      cached = resolved.key;
      const agent = resolved.agent;
      this.#describeSpan(span, agent);
      const call = this.#callFor(card, agent, span, scope, wire.extensions, options);
      const stream = resumableStream(agent.transport.stream(wire, call), {
        transport: agent.transport,
        call,
        continuesTask: wire.taskId !== undefined,
        pollIntervalMs: DEFAULT_RESUME_POLL_MS,
        logger: this.#logger,
        onResume: (how) => span.addEvent("a2a.stream.resumed", { how }),
      });
      for await (const event of stream) {
        events += 1;
        if (taskId === undefined && "taskId" in event && event.taskId) taskId = event.taskId;
        yield event;
      }
      outcome = "ok";
    } catch (error) {
      outcome = "error";
      const mapped = this.#mapError(scope, error, card);
      this.#failed(span, scope, mapped, started, cached);
      // A flooding agent's work is stopped, not just ignored.
      if (mapped.code === ErrorCode.AGENT_RESPONSE_TOO_LARGE && taskId !== undefined) {
        this.#cancelQuietly(card, taskId, options.tenantId);
      }
      throw mapped;
    } finally {
      if (outcome !== "error") {
        span.setAttribute("omniforge.stream.events", events);
        if (outcome === "stopped") span.setAttribute("omniforge.stream.stopped_early", true);
        span.end();
        this.#logger?.debug(
          {
            agentId: scope.agentId,
            method,
            latencyMs: Math.round(performance.now() - started),
            events,
            outcome,
          },
          "a2a stream ended",
        );
      }
      this.#end(scope);
    }
  }

  /** Aborts in-flight calls (they fail with ABORTED) and closes every connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const scope of this.#scopes) scope.abort("closed");
      for (const agent of this.#agents.values()) agent.transport.close();
      this.#agents.clear();
      this.#cachedBytes = 0;
      await this.#http.close();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #begin(card: AgentCard, method: string, options: A2ACallOptions): CallScope {
    if (this.#closing !== undefined) throw new AbortedError("A2AClient is closed");
    if (!isObject(card) || !isObject(card.identity))
      throw new ValidationError("agentCard", "must be an AgentCard");
    const timeoutMs = options.timeoutMs ?? this.#settings.defaultTimeoutMs;
    if (typeof timeoutMs !== "number" || !(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new ValidationError("options.timeoutMs", "must be a positive number");
    }
    const scope = new CallScope(card.identity.id, method, timeoutMs, options.signal);
    this.#scopes.add(scope);
    return scope;
  }

  #end(scope: CallScope): void {
    scope.dispose();
    this.#scopes.delete(scope);
  }

  /** The resolved agent, through one scoped call (for card reads). */
  async #resolved(card: AgentCard, method: string, options: A2ACallOptions): Promise<ResolvedAgent> {
    const scope = this.#begin(card, method, options);
    try {
      return (await this.#agentFor(card, scope, options.tenantId)).agent;
    } catch (error) {
      throw this.#mapError(scope, error, card);
    } finally {
      this.#end(scope);
    }
  }

  /** What the transport needs for one call: headers (credentials, trace, extras), extensions, limits. */
  #callFor(
    card: AgentCard,
    agent: ResolvedAgent,
    span: Span,
    scope: CallScope,
    extensions: readonly string[] | undefined,
    options: A2ACallOptions,
  ): TransportCall {
    const headers: Record<string, string> = {};
    if (agent.sendAuth) setAuth(headers, card.service?.auth);
    const extra = options.headers;
    if (extra !== undefined) for (const name in extra) headers[name.toLowerCase()] = extra[name] as string;
    this.#injectTrace(span, headers);
    return {
      scope,
      headers,
      extensions,
      limits: {
        maxResponseBytes: this.#settings.maxResponseBytes,
        maxReplyBytes: this.#settings.maxReplyBytes,
        ...(options.replyBudget ? { replyBudget: options.replyBudget } : {}),
      },
    };
  }

  async #call<T>(
    card: AgentCard,
    method: string,
    extensions: readonly string[] | undefined,
    options: A2ACallOptions,
    run: (agent: ResolvedAgent, call: TransportCall) => Promise<T>,
  ): Promise<T> {
    const scope = this.#begin(card, method, options);
    const span = this.#startSpan(method, scope.agentId);
    const started = performance.now();
    let cached: string | undefined;
    try {
      const resolved = await this.#agentFor(card, scope, options.tenantId);
      cached = resolved.key;
      this.#describeSpan(span, resolved.agent);
      const value = await run(
        resolved.agent,
        this.#callFor(card, resolved.agent, span, scope, extensions, options),
      );
      span.end();
      this.#logger?.debug(
        { agentId: scope.agentId, method, latencyMs: Math.round(performance.now() - started) },
        "a2a call completed",
      );
      return value;
    } catch (error) {
      const mapped = this.#mapError(scope, error, card);
      this.#failed(span, scope, mapped, started, cached);
      throw mapped;
    } finally {
      this.#end(scope);
    }
  }

  #startSpan(method: string, agentId: string): Span {
    return this.#tracer.startSpan(`a2a.${method}`, {
      kind: SpanKind.CLIENT,
      attributes: { "rpc.method": method, "omniforge.agent.id": agentId },
    });
  }

  #describeSpan(span: Span, agent: ResolvedAgent): void {
    span.setAttributes({
      "rpc.system":
        agent.chosen.binding === "GRPC" ? "grpc" : agent.chosen.binding === "JSONRPC" ? "jsonrpc" : "http",
      "a2a.binding": agent.chosen.binding,
      "a2a.protocol_version": agent.chosen.version,
    });
  }

  #injectTrace(span: Span, headers: Record<string, string>): void {
    propagation.inject(trace.setSpan(context.active(), span), headers);
    if (headers.traceparent !== undefined) return;
    // No propagator registered: still hand the W3C trace context on when there is a real span.
    const spanContext = span.spanContext();
    if (isSpanContextValid(spanContext)) {
      headers.traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${traceFlagsHex(spanContext.traceFlags)}`;
    }
  }

  /** Best-effort CancelTask (bounded, never throws): for tasks whose reply we stopped reading. */
  #cancelQuietly(card: AgentCard, taskId: string, tenantId: string | undefined): void {
    if (this.#closing !== undefined) return;
    this.cancelTask(card, taskId, { timeoutMs: CANCEL_TIMEOUT_MS, ...(tenantId ? { tenantId } : {}) }).catch(
      (error: unknown) => {
        this.#logger?.debug(
          { agentId: card.identity.id, code: (error as OrchestrationError).code },
          "cancel not delivered",
        );
      },
    );
  }

  /** The error the caller sees: typed, and without the agent's credentials in its text. */
  #mapError(scope: CallScope, error: unknown, card: AgentCard): OrchestrationError {
    return withoutCredentials(this.#typedError(scope, error), card.service?.auth);
  }

  #typedError(scope: CallScope, error: unknown): OrchestrationError {
    if (error instanceof ReplyTooLargeError) {
      return new AgentError(
        ErrorCode.AGENT_RESPONSE_TOO_LARGE,
        error.shared
          ? `Agent ${scope.agentId}'s reply passed the ${error.limit} bytes its call shares with others`
          : `Agent ${scope.agentId} sent a reply larger than ${error.limit} bytes; its task was cancelled`,
        { cause: error, context: { agentId: scope.agentId, maxReplyBytes: error.limit } },
      );
    }
    if (error instanceof BodyTooLargeError || error instanceof SseEventTooLargeError) {
      return new AgentError(
        ErrorCode.AGENT_RESPONSE_TOO_LARGE,
        `Agent ${scope.agentId} sent a response larger than ${error.limit} bytes`,
        { cause: error, context: { agentId: scope.agentId, maxResponseBytes: error.limit } },
      );
    }
    if (error instanceof NetworkPolicyError && scope.abortKind === undefined)
      return networkError(error, scope.agentId);
    return scope.toError(error);
  }

  #failed(span: Span, scope: CallScope, error: OrchestrationError, started: number, cached?: string): void {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
    span.setAttribute("omniforge.error.code", error.code);
    span.end();
    // The agent may have moved or restarted: resolve its card afresh next time.
    if (error.code === ErrorCode.AGENT_UNAVAILABLE && cached !== undefined) this.#forget(cached);
    this.#logger?.warn(
      {
        agentId: scope.agentId,
        method: scope.method,
        code: error.code,
        httpStatus: error.context.httpStatus,
        rpcCode: error.context.rpcCode,
        a2aReason: error.context.a2aReason,
        latencyMs: Math.round(performance.now() - started),
      },
      "a2a call failed",
    );
  }

  /** The resolved agent for `card` (cached per tenant, agent, endpoint, preference and credentials). */
  async #agentFor(
    card: AgentCard,
    scope: CallScope,
    tenantId: string | undefined,
  ): Promise<{ key: string; agent: ResolvedAgent }> {
    const endpoint = endpointOf(card);
    const key = cacheKey(card, endpoint, tenantId);
    const hit = this.#agents.get(key);
    if (hit !== undefined && hit.expiresAt > Date.now()) {
      // Most recently used goes last.
      this.#agents.delete(key);
      this.#agents.set(key, hit);
      return { key, agent: hit };
    }
    return { key, agent: await this.#resolve(card, endpoint, key, scope) };
  }

  #remember(key: string, agent: ResolvedAgent): void {
    this.#forget(key);
    this.#agents.set(key, agent);
    this.#cachedBytes += agent.cardBytes;
    while (
      this.#agents.size > this.#settings.cardCacheSize ||
      (this.#cachedBytes > this.#settings.cardCacheBytes && this.#agents.size > 1)
    ) {
      const oldest = this.#agents.keys().next().value;
      if (oldest === undefined) break;
      this.#forget(oldest);
    }
  }

  #forget(key: string): void {
    const agent = this.#agents.get(key);
    if (agent === undefined) return;
    this.#agents.delete(key);
    this.#cachedBytes -= agent.cardBytes;
    // A call still using it keeps working over HTTP; a gRPC channel closes once its calls end.
    agent.transport.close();
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
    const scope = new CallScope(card.identity.id, "GetAgentCard", this.#settings.defaultTimeoutMs, undefined);
    this.#scopes.add(scope);
    try {
      const override = card.service?.interfacePreference;
      const preference =
        override === undefined
          ? this.#settings.preference
          : parseInterfacePreference(override, `agent ${card.identity.id} service.interfacePreference`);
      const agent = await resolveAgent(card, endpoint, preference, scope, {
        http: this.#http,
        policy: this.#policy,
        preference,
        grpcTls: this.#settings.grpcTls,
        cardTtlMs: this.#settings.cardTtlMs,
        maxResponseBytes: this.#settings.maxResponseBytes,
      });
      if (!agent.sendAuth && card.service?.auth !== undefined) {
        this.#logger?.warn(
          { agentId: scope.agentId, interface: `${agent.chosen.binding}/${agent.chosen.version}` },
          "a2a card points to another host; credentials will not be sent there",
        );
      }
      if (this.#closing !== undefined) {
        agent.transport.close();
        throw new AbortedError("A2AClient is closed");
      }
      this.#remember(key, agent);
      return agent;
    } catch (error) {
      throw error instanceof AgentError && error.code === ErrorCode.AGENT_CARD_INVALID
        ? withoutCredentials(error, card.service?.auth)
        : this.#mapError(scope, error, card);
    } finally {
      this.#end(scope);
    }
  }
}
