/**
 * OmniForge's A2A client: one API over every interface an agent may offer — A2A v1.0 over JSON-RPC,
 * HTTP+JSON or gRPC, and v0.3 over JSON-RPC or HTTP+JSON — with typed errors, per-call timeouts and
 * cancellation, size limits, W3C trace propagation, and streams that survive a dropped connection.
 *
 * The agent's A2A card is resolved once per TTL (shared by concurrent callers) and names the
 * interfaces it offers; the client picks one by preference and calls it through that binding's
 * transport. v1.0 JSON-RPC, the common case, is written by hand on a pooled keep-alive undici
 * client; the other HTTP bindings are carried by `@a2a-js/sdk`'s own transports over the same pool,
 * and gRPC by the SDK's gRPC transport on a channel to the address the network policy checked.
 */
import { SpanStatusCode, trace, type Span, type Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { AgentCard } from "../agent-card.js";
import { NetworkPolicy } from "../../security/network-policy.js";
import { AbortedError, ErrorCode, ValidationError, type OrchestrationError } from "../../errors.js";
import { DEFAULT_RESUME_POLL_MS } from "../defaults.js";
import { isObject } from "../wire.js";
import { AgentCache } from "./agent-cache.js";
import { CallScope } from "./call-scope.js";
import { describeCallSpan, injectTrace, startCallSpan } from "./call-tracing.js";
import { setAuth, type ResolvedAgent } from "./card-resolver.js";
import { clientError } from "./client-errors.js";
import { clientSettings, type ClientSettings } from "./client-settings.js";
import { buildWireMessage } from "./events.js";
import { AgentHttp } from "./http.js";
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

/** How long a best-effort CancelTask may take. */
const CANCEL_TIMEOUT_MS = 5_000;

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
  readonly #agents: AgentCache;
  readonly #scopes = new Set<CallScope>();
  #closing: Promise<void> | undefined;

  constructor(config: A2AClientConfig = {}) {
    this.#settings = clientSettings(config);
    this.#logger = config.logger;
    this.#tracer = config.tracer ?? trace.getTracer("omniforge");
    this.#policy =
      config.network instanceof NetworkPolicy ? config.network : new NetworkPolicy(config.network ?? {});
    // Every connection goes through the network policy, checked on the address actually dialled.
    this.#http = new AgentHttp(this.#policy, this.#settings.connections);
    this.#agents = new AgentCache({
      settings: this.#settings,
      http: this.#http,
      policy: this.#policy,
      logger: this.#logger,
    });
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
    const span = startCallSpan(this.#tracer, method, scope.agentId);
    const started = performance.now();
    let cached: string | undefined;
    let taskId: string | undefined;
    let outcome: "ok" | "error" | "stopped" = "stopped";
    let events = 0;
    try {
      const resolved = await this.#agents.get(card, scope, options.tenantId);
      cached = resolved.key;
      const agent = resolved.agent;
      describeCallSpan(span, agent);
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
      this.#agents.close();
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
      return (await this.#agents.get(card, scope, options.tenantId, options.refreshCard === true)).agent;
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
    injectTrace(span, headers);
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
    const span = startCallSpan(this.#tracer, method, scope.agentId);
    const started = performance.now();
    let cached: string | undefined;
    try {
      const resolved = await this.#agents.get(card, scope, options.tenantId);
      cached = resolved.key;
      describeCallSpan(span, resolved.agent);
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
    return clientError(scope, error, card.service?.auth);
  }

  #failed(span: Span, scope: CallScope, error: OrchestrationError, started: number, cached?: string): void {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
    span.setAttribute("omniforge.error.code", error.code);
    span.end();
    // The agent may have moved or restarted: resolve its card afresh next time.
    if (error.code === ErrorCode.AGENT_UNAVAILABLE && cached !== undefined) this.#agents.forget(cached);
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
}
