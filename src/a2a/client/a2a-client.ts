/**
 * OmniForge's A2A v1.0 client: JSON-RPC over a pooled keep-alive undici dispatcher, SSE streaming,
 * typed errors, per-call timeouts and cancellation, W3C trace propagation.
 *
 * It speaks the wire format the official `@a2a-js/sdk` speaks (and is tested against it both ways),
 * but keeps the hot path lean: the agent's A2A card is resolved once per TTL and shared by
 * concurrent callers, requests are plain JSON strings, and responses are read with cheap structural
 * checks instead of full protobuf decoding.
 */
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { AgentCard as A2AAgentCardCodec } from "@a2a-js/sdk";
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";
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
import { Agent, type Dispatcher } from "undici";
import { createHash } from "node:crypto";
import { agentEndpoint, type AgentAuth, type AgentCard } from "../agent-card.js";
import {
  NetworkPolicy,
  NetworkPolicyError,
  type NetworkPolicyConfig,
} from "../../security/network-policy.js";
import {
  AbortedError,
  AgentError,
  ConfigurationError,
  ErrorCode,
  ValidationError,
  type OrchestrationError,
} from "../../errors.js";
import {
  BodyTooLargeError,
  CallScope,
  ReplyTooLargeError,
  discardBody,
  readBody,
  type ReplyBudget,
} from "./call-scope.js";
import {
  A2A_PROTOCOL_VERSION,
  AGENT_CARD_PATH,
  DEFAULT_CARD_TTL_MS,
  DEFAULT_CONNECTIONS_PER_ORIGIN,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_CARD_CACHE_SIZE,
  DEFAULT_MAX_REPLY_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  MAX_CARD_BYTES,
  MAX_ERROR_BODY_BYTES,
} from "../defaults.js";
import { SseEventTooLargeError, SseParser, type SseEvent } from "./sse-parser.js";
import {
  isFailedTaskState,
  isObject,
  protocolError,
  readArtifact,
  readContent,
  readMessage,
  readStatus,
  readTask,
  readTaskContent,
  type A2ATaskState,
  type WireErrorContext,
  type WireMessage,
  type WirePart,
  type WireTask,
} from "../wire.js";

/** The agent's own A2A card (the SDK's type), as served at `/.well-known/agent-card.json`. */
export type RemoteAgentCard = A2AAgentCard;

/** Construction options of {@link A2AClient}; every field is optional. */
export interface A2AClientConfig {
  /** How long a resolved A2A card is reused. Default 5 minutes. */
  cardTtlMs?: number;
  /**
   * The largest response body accepted (for streams: the largest single event). Larger responses
   * fail with `AGENT_RESPONSE_TOO_LARGE` and the connection is dropped. Default 4 MiB.
   */
  maxResponseBytes?: number;
  /**
   * The most bytes one streamed reply may total, every event included. Past it the stream fails
   * with `AGENT_RESPONSE_TOO_LARGE`, the connection is dropped and the agent's task is cancelled.
   * Default 4 MiB.
   */
  maxReplyBytes?: number;
  /**
   * Which addresses may be reached (see {@link NetworkPolicy}). Default: public addresses only —
   * loopback, private, link-local and metadata addresses are refused unless allowed here, e.g.
   * `{ allow: ["loopback"] }` for agents on this machine.
   */
  network?: NetworkPolicy | NetworkPolicyConfig;
  /** How many resolved A2A cards are kept (least recently used evicted). Default 1000. */
  cardCacheSize?: number;
  /** Per-call timeout when the call sets none; for a stream it bounds the whole stream. Default 30 s. */
  defaultTimeoutMs?: number;
  /** Keep-alive connections per agent origin. Default 64. */
  connections?: number;
  /** Structured logs (agent id, method, latency, status; never headers or message content). */
  logger?: Logger;
  /** Spans for every call. Default `trace.getTracer("omniforge")`. */
  tracer?: Tracer;
}

/** Per-call options. */
export interface A2ACallOptions {
  signal?: AbortSignal;
  /** Overrides the client's default timeout for this call. */
  timeoutMs?: number;
  /** Extra HTTP headers (they override the card's auth header, not the protocol headers). */
  headers?: Record<string, string>;
  /**
   * The tenant the call is made for. Cached A2A cards are kept per (tenant, agent, endpoint,
   * credentials), so one tenant's resolution is never reused for another's.
   */
  tenantId?: string;
  /** A byte allowance this call's reply draws on together with others' (e.g. one delegation's). */
  replyBudget?: ReplyBudget;
}

/** A message to send to an agent: text and/or data parts plus the A2A envelope fields. */
export interface OutgoingMessage {
  /** Sent as a text part (`mediaType: text/plain`). */
  text?: string;
  /** Each entry is sent as a data part (`mediaType: application/json`). */
  data?: Record<string, unknown>[];
  /** The A2A context; OmniForge sends the threadId here. */
  contextId?: string;
  /** Continues an existing (non-terminal) task. */
  taskId?: string;
  /** Message metadata; OmniForge puts `{ omniforge: { tenantId, userId, threadId, handoffId? } }` here. */
  metadata?: Record<string, unknown>;
  /** Extension URIs the message uses (also sent in the `A2A-Extensions` header). */
  extensions?: string[];
  /** Defaults to a random UUID. */
  messageId?: string;
}

/** The outcome of {@link A2AClient.sendMessage}. */
export interface SendResult {
  /** Whether the agent answered with a task or a bare message. */
  kind: "task" | "message";
  taskId?: string;
  contextId?: string;
  /** The task's final state (tasks only). */
  state?: A2ATaskState;
  /** All text parts joined (for tasks: the artifacts' text, else the status message's text). */
  text: string;
  /** The objects carried by data parts. */
  data: Record<string, unknown>[];
  /** The task or message exactly as received. */
  raw: WireTask | WireMessage;
}

/** The outcome of {@link A2AClient.cancelTask}. */
export interface CancelTaskResult {
  taskId: string;
  contextId: string;
  state: A2ATaskState;
  raw: WireTask;
}

/** A task was created (or its snapshot sent). */
export interface A2ATaskEvent {
  type: "task";
  taskId: string;
  contextId: string;
  state: A2ATaskState;
}

/** A task changed state; `text`/`data` come from the status message, if any. */
export interface A2AStatusEvent {
  type: "status";
  taskId: string;
  contextId: string;
  state: A2ATaskState;
  text: string;
  data: Record<string, unknown>[];
}

/** A message-only reply (the stream ends after it). */
export interface A2AMessageEvent {
  type: "message";
  messageId: string;
  contextId?: string;
  taskId?: string;
  text: string;
  data: Record<string, unknown>[];
}

/** An artifact chunk; `append` continues the artifact, `lastChunk` ends it. */
export interface A2AArtifactEvent {
  type: "artifact";
  taskId: string;
  contextId: string;
  artifactId: string;
  text: string;
  data: Record<string, unknown>[];
  append: boolean;
  lastChunk: boolean;
}

/** One event of {@link A2AClient.sendStreamingMessage}. */
export type A2AStreamEvent = A2ATaskEvent | A2AStatusEvent | A2AMessageEvent | A2AArtifactEvent;

interface ResolvedAgent {
  readonly card: RemoteAgentCard;
  readonly rpcOrigin: string;
  readonly rpcPath: string;
  /** Credentials go only to the origin the caller configured, never to one a card names. */
  readonly sendAuth: boolean;
  readonly expiresAt: number;
}

interface ClientSettings {
  readonly cardTtlMs: number;
  readonly maxResponseBytes: number;
  readonly maxReplyBytes: number;
  readonly cardCacheSize: number;
  readonly defaultTimeoutMs: number;
  readonly connections: number;
}

type ResponseData = Dispatcher.ResponseData;

interface RpcRequest {
  card: AgentCard;
  agent: ResolvedAgent;
  id: number;
  method: string;
  params: unknown;
  extensions: readonly string[] | undefined;
  headers: Record<string, string> | undefined;
  span: Span;
  scope: CallScope;
  accept: string;
}

const STREAM_ACCEPT = "text/event-stream";
/** How long a best-effort CancelTask may take. */
const CANCEL_TIMEOUT_MS = 5_000;

const noop = (): void => {};
const JSON_TYPE = "application/json";

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
      {
        context: { field },
      },
    );
  }
  return value;
}

function endpointOf(card: AgentCard): string {
  const endpoint = agentEndpoint(card);
  return endpoint.endsWith("/") ? endpoint.replace(/\/+$/, "") : endpoint;
}

/**
 * The card cache key: tenant, agent id, endpoint and a fingerprint of the credentials. A card one
 * tenant resolved (with its credentials) is never served to another tenant or another credential.
 */
function cacheKey(card: AgentCard, endpoint: string, tenantId: string | undefined): string {
  const auth = card.service?.auth;
  const credential =
    auth === undefined ? "" : createHash("sha256").update(JSON.stringify(auth)).digest("base64url");
  return `${tenantId ?? ""}\u0000${card.identity.id}\u0000${endpoint}\u0000${credential}`;
}

function setAuth(headers: Record<string, string>, auth: AgentAuth | undefined): void {
  if (auth === undefined) return;
  if (auth.type === "bearer") headers.authorization = `Bearer ${auth.token}`;
  else headers[(auth.header ?? "x-api-key").toLowerCase()] = auth.key;
}

function traceFlagsHex(flags: number): string {
  return (flags & 0xff).toString(16).padStart(2, "0");
}

function buildWireMessage(message: OutgoingMessage): WireMessage {
  if (message === null || typeof message !== "object")
    throw new ValidationError("message", "must be an object");
  const parts: WirePart[] = [];
  if (message.text !== undefined) {
    if (typeof message.text !== "string") throw new ValidationError("message.text", "must be a string");
    if (message.text !== "") parts.push({ text: message.text, mediaType: "text/plain" });
  }
  if (message.data !== undefined) {
    if (!Array.isArray(message.data))
      throw new ValidationError("message.data", "must be an array of objects");
    message.data.forEach((entry, index) => {
      if (!isObject(entry)) throw new ValidationError(`message.data[${index}]`, "must be an object");
      parts.push({ data: entry, mediaType: JSON_TYPE });
    });
  }
  if (parts.length === 0) throw new ValidationError("message", "must have text or data");
  const wire: WireMessage = { messageId: message.messageId ?? randomUUID(), role: "ROLE_USER", parts };
  if (message.contextId) wire.contextId = message.contextId;
  if (message.taskId) wire.taskId = message.taskId;
  if (message.metadata !== undefined) wire.metadata = message.metadata;
  if (message.extensions !== undefined && message.extensions.length > 0) wire.extensions = message.extensions;
  return wire;
}

function rpcError(error: unknown, ctx: WireErrorContext): AgentError {
  if (!isObject(error) || typeof error.code !== "number")
    return protocolError("malformed JSON-RPC error", ctx);
  const message = typeof error.message === "string" ? error.message.slice(0, 1_000) : "";
  return new AgentError(
    ErrorCode.AGENT_PROTOCOL_ERROR,
    `Agent ${ctx.agentId} returned JSON-RPC error ${error.code}${message ? `: ${message}` : ""}`,
    { context: { agentId: ctx.agentId, method: ctx.method, rpcCode: error.code, rpcMessage: message } },
  );
}

/** The `result` of a JSON-RPC response envelope, or the typed error it stands for. */
function rpcResult(json: unknown, id: number, ctx: WireErrorContext): unknown {
  if (!isObject(json)) throw protocolError("response is not a JSON-RPC object", ctx);
  if (json.jsonrpc !== "2.0") {
    throw protocolError(`unsupported JSON-RPC version ${JSON.stringify(json.jsonrpc)?.slice(0, 32)}`, ctx);
  }
  if (json.error !== undefined) throw rpcError(json.error, ctx);
  if (json.result === undefined) throw protocolError("JSON-RPC response has no result", ctx);
  if (json.id !== undefined && json.id !== id)
    throw protocolError("JSON-RPC response id does not match", ctx);
  return json.result;
}

function parseJson(text: string, what: string, ctx: WireErrorContext): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw protocolError(`${what} is not valid JSON`, ctx, error);
  }
}

function taskFailed(task: WireTask, text: string, ctx: WireErrorContext): AgentError {
  const detail = readContent(task.status.message?.parts, ctx).text || text;
  return new AgentError(
    ErrorCode.AGENT_TASK_FAILED,
    `Agent ${ctx.agentId} task ${task.id} ended ${task.status.state}${detail ? `: ${detail.slice(0, 1_000)}` : ""}`,
    { context: { agentId: ctx.agentId, taskId: task.id, state: task.status.state } },
  );
}

function toSendResult(result: unknown, ctx: WireErrorContext): SendResult {
  if (!isObject(result)) throw protocolError("SendMessage result is not an object", ctx);
  if (result.task !== undefined) {
    const task = readTask(result.task, ctx);
    const content = readTaskContent(task, ctx);
    if (isFailedTaskState(task.status.state)) throw taskFailed(task, content.text, ctx);
    return {
      kind: "task",
      taskId: task.id,
      contextId: task.contextId,
      state: task.status.state,
      text: content.text,
      data: content.data,
      raw: task,
    };
  }
  if (result.message !== undefined) {
    const message = readMessage(result.message, ctx);
    const content = readContent(message.parts, ctx);
    return {
      kind: "message",
      ...(message.taskId ? { taskId: message.taskId } : {}),
      ...(message.contextId ? { contextId: message.contextId } : {}),
      text: content.text,
      data: content.data,
      raw: message,
    };
  }
  throw protocolError("SendMessage result has neither task nor message", ctx);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Maps one `StreamResponse` to events (a task snapshot may carry artifacts and a status message). */
function toStreamEvents(result: unknown, ctx: WireErrorContext): A2AStreamEvent[] {
  if (!isObject(result)) throw protocolError("stream event is not an object", ctx);
  const artifactUpdate = result.artifactUpdate;
  if (artifactUpdate !== undefined) {
    if (!isObject(artifactUpdate)) throw protocolError("artifactUpdate is not an object", ctx);
    const artifact = readArtifact(artifactUpdate.artifact, ctx);
    const content = readContent(artifact.parts, ctx);
    return [
      {
        type: "artifact",
        taskId: str(artifactUpdate.taskId),
        contextId: str(artifactUpdate.contextId),
        artifactId: str(artifact.artifactId),
        text: content.text,
        data: content.data,
        append: artifactUpdate.append === true,
        lastChunk: artifactUpdate.lastChunk === true,
      },
    ];
  }
  const statusUpdate = result.statusUpdate;
  if (statusUpdate !== undefined) {
    if (!isObject(statusUpdate)) throw protocolError("statusUpdate is not an object", ctx);
    const status = readStatus(statusUpdate.status, ctx);
    const content = readContent(status.message?.parts, ctx);
    return [
      {
        type: "status",
        taskId: str(statusUpdate.taskId),
        contextId: str(statusUpdate.contextId),
        state: status.state,
        text: content.text,
        data: content.data,
      },
    ];
  }
  if (result.task !== undefined) {
    const task = readTask(result.task, ctx);
    const events: A2AStreamEvent[] = [
      { type: "task", taskId: task.id, contextId: task.contextId, state: task.status.state },
    ];
    for (const entry of task.artifacts ?? []) {
      const artifact = readArtifact(entry, ctx);
      const content = readContent(artifact.parts, ctx);
      events.push({
        type: "artifact",
        taskId: task.id,
        contextId: task.contextId,
        artifactId: str(artifact.artifactId),
        text: content.text,
        data: content.data,
        append: false,
        lastChunk: true,
      });
    }
    if (task.status.message !== undefined) {
      const content = readContent(task.status.message.parts, ctx);
      events.push({
        type: "status",
        taskId: task.id,
        contextId: task.contextId,
        state: task.status.state,
        text: content.text,
        data: content.data,
      });
    }
    return events;
  }
  if (result.message !== undefined) {
    const message = readMessage(result.message, ctx);
    const content = readContent(message.parts, ctx);
    return [
      {
        type: "message",
        messageId: message.messageId,
        ...(message.contextId ? { contextId: message.contextId } : {}),
        ...(message.taskId ? { taskId: message.taskId } : {}),
        text: content.text,
        data: content.data,
      },
    ];
  }
  throw protocolError("unknown stream event", ctx);
}

function frameEvents(frame: SseEvent, id: number, ctx: WireErrorContext): A2AStreamEvent[] {
  const json = parseJson(frame.data, "stream event", ctx);
  if (frame.type === "error") {
    if (isObject(json) && json.error !== undefined) throw rpcError(json.error, ctx);
    throw rpcError(json, ctx);
  }
  return toStreamEvents(rpcResult(json, id, ctx), ctx);
}

/**
 * A2A v1.0 client (JSON-RPC binding). One instance per process is typical: it pools keep-alive
 * connections per agent origin and caches each agent's A2A card. Call {@link A2AClient.close}
 * (or use `await using`) when done.
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
  readonly #dispatcher: Agent;
  readonly #policy: NetworkPolicy;
  /** Resolved cards, least recently used first (a Map keeps insertion order). */
  readonly #agents = new Map<string, ResolvedAgent>();
  readonly #agentLoads = new Map<string, Promise<ResolvedAgent>>();
  readonly #scopes = new Set<CallScope>();
  #nextId = 1;
  #closing: Promise<void> | undefined;

  constructor(config: A2AClientConfig = {}) {
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
    });
    this.#logger = config.logger;
    this.#tracer = config.tracer ?? trace.getTracer("omniforge");
    this.#policy =
      config.network instanceof NetworkPolicy ? config.network : new NetworkPolicy(config.network ?? {});
    // Our own deadline bounds every call, so undici's idle timers are off (a quiet stream is not an error).
    // Every connection goes through the network policy, checked on the address actually dialled.
    this.#dispatcher = new Agent({
      connections: this.#settings.connections,
      keepAliveTimeout: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: this.#policy.connector(),
    });
  }

  /** The outbound network policy every connection of this client obeys. */
  get networkPolicy(): NetworkPolicy {
    return this.#policy;
  }

  /**
   * Resolves (and caches for `cardTtlMs`) the agent's A2A card from
   * `{service.endpoint}/.well-known/agent-card.json`. Concurrent callers share one fetch.
   * A card that is missing or lacks a JSON-RPC interface for protocol 1.0 fails with `AGENT_CARD_INVALID`.
   */
  async getAgentCard(card: AgentCard, options: A2ACallOptions = {}): Promise<RemoteAgentCard> {
    const scope = this.#begin(card, "GetAgentCard", options);
    try {
      const { agent } = await this.#agentFor(card, scope, options.tenantId);
      return agent.card;
    } catch (error) {
      throw this.#mapError(scope, error);
    } finally {
      this.#end(scope);
    }
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
    return this.#call(card, "SendMessage", { message: wire }, wire.extensions, options, toSendResult);
  }

  /** `CancelTask`: asks the agent to cancel a task; resolves with the task's state after the request. */
  async cancelTask(card: AgentCard, taskId: string, options: A2ACallOptions = {}): Promise<CancelTaskResult> {
    if (typeof taskId !== "string" || taskId === "")
      throw new ValidationError("taskId", "must be a non-empty string");
    return this.#call(card, "CancelTask", { id: taskId }, undefined, options, (result, ctx) => {
      const task = readTask(result, ctx);
      return { taskId: task.id, contextId: task.contextId, state: task.status.state, raw: task };
    });
  }

  /**
   * `SendStreamingMessage`: yields typed events as the agent produces them. The stream ends when
   * the agent closes it; `timeoutMs` bounds the whole stream. Breaking out of the loop closes the
   * HTTP stream. Failures (connection dropped, malformed frame, JSON-RPC error) are thrown as
   * typed errors from the generator. A task ending FAILED is reported as a `status` event, not thrown.
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
    let body: Readable | undefined;
    let outcome: "ok" | "error" | "stopped" = "stopped";
    let events = 0;
    try {
      const resolved = await this.#agentFor(card, scope, options.tenantId);
      cached = resolved.key;
      const agent = resolved.agent;
      const id = this.#nextId++;
      const response = await this.#post({
        card,
        agent,
        id,
        method,
        params: { message: wire },
        extensions: wire.extensions,
        headers: options.headers,
        span,
        scope,
        accept: STREAM_ACCEPT,
      });
      body = response.body;
      // Errors after the consumer stopped listening (abort, reset) must never go uncaught.
      body.on("error", noop);
      if (response.statusCode < 200 || response.statusCode > 299)
        throw await this.#httpError(response, scope);
      const contentType = response.headers["content-type"];
      if (typeof contentType !== "string" || !contentType.startsWith(STREAM_ACCEPT)) {
        // A server may answer a streaming call with one JSON-RPC response (an error, or a single result).
        const text = await this.#readOk(response, undefined, options.replyBudget);
        for (const event of toStreamEvents(rpcResult(parseJson(text, "response", scope), id, scope), scope)) {
          events += 1;
          yield event;
        }
        outcome = "ok";
        return;
      }
      const replyLimit = this.#settings.maxReplyBytes;
      const parser = new SseParser(Math.min(this.#settings.maxResponseBytes, replyLimit));
      const decoder = new StringDecoder("utf8");
      let received = 0;
      for await (const chunk of body) {
        received += (chunk as Buffer).length;
        if (received > replyLimit) throw new ReplyTooLargeError(replyLimit, false);
        if (options.replyBudget && !options.replyBudget.take((chunk as Buffer).length)) {
          throw new ReplyTooLargeError(options.replyBudget.limit, true);
        }
        for (const frame of parser.push(decoder.write(chunk as Buffer))) {
          for (const event of frameEvents(frame, id, scope)) {
            events += 1;
            if (taskId === undefined && "taskId" in event && event.taskId) taskId = event.taskId;
            yield event;
          }
        }
      }
      const tail = parser.end();
      if (tail) {
        for (const event of frameEvents(tail, id, scope)) {
          events += 1;
          yield event;
        }
      }
      outcome = "ok";
    } catch (error) {
      outcome = "error";
      const mapped = this.#mapError(scope, error);
      this.#failed(span, scope, mapped, started, cached);
      // A flooding agent's work is stopped, not just ignored.
      if (mapped.code === ErrorCode.AGENT_RESPONSE_TOO_LARGE && taskId !== undefined) {
        this.#cancelQuietly(card, taskId, options.tenantId);
      }
      throw mapped;
    } finally {
      if (body !== undefined && !body.readableEnded) discardBody(body);
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
      await this.#dispatcher.destroy();
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

  async #call<T>(
    card: AgentCard,
    method: string,
    params: unknown,
    extensions: readonly string[] | undefined,
    options: A2ACallOptions,
    convert: (result: unknown, ctx: WireErrorContext) => T,
  ): Promise<T> {
    const scope = this.#begin(card, method, options);
    const span = this.#startSpan(method, scope.agentId);
    const started = performance.now();
    let cached: string | undefined;
    try {
      const resolved = await this.#agentFor(card, scope, options.tenantId);
      cached = resolved.key;
      const agent = resolved.agent;
      const id = this.#nextId++;
      const response = await this.#post({
        card,
        agent,
        id,
        method,
        params,
        extensions,
        headers: options.headers,
        span,
        scope,
        accept: JSON_TYPE,
      });
      if (response.statusCode < 200 || response.statusCode > 299)
        throw await this.#httpError(response, scope);
      const text = await this.#readOk(response, undefined, options.replyBudget);
      const value = convert(rpcResult(parseJson(text, "response", scope), id, scope), scope);
      span.end();
      this.#logger?.debug(
        { agentId: scope.agentId, method, latencyMs: Math.round(performance.now() - started) },
        "a2a call completed",
      );
      return value;
    } catch (error) {
      const mapped = this.#mapError(scope, error);
      this.#failed(span, scope, mapped, started, cached);
      throw mapped;
    } finally {
      this.#end(scope);
    }
  }

  #post(request: RpcRequest): Promise<ResponseData> {
    const { card, agent, id, method, params, extensions, span, scope, accept } = request;
    const headers: Record<string, string> = {};
    if (agent.sendAuth) setAuth(headers, card.service?.auth);
    const extra = request.headers;
    if (extra !== undefined) for (const name in extra) headers[name.toLowerCase()] = extra[name] as string;
    headers["content-type"] = JSON_TYPE;
    headers.accept = accept;
    headers["a2a-version"] = A2A_PROTOCOL_VERSION;
    if (extensions !== undefined && extensions.length > 0) headers["a2a-extensions"] = extensions.join(",");
    this.#injectTrace(span, headers);
    scope.throwIfAborted();
    return this.#dispatcher.request({
      origin: agent.rpcOrigin,
      path: agent.rpcPath,
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
      signal: scope.signal,
    });
  }

  #startSpan(method: string, agentId: string): Span {
    return this.#tracer.startSpan(`a2a.${method}`, {
      kind: SpanKind.CLIENT,
      attributes: { "rpc.system": "jsonrpc", "rpc.method": method, "omniforge.agent.id": agentId },
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

  #mapError(scope: CallScope, error: unknown): OrchestrationError {
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
    return scope.toError(error);
  }

  #failed(span: Span, scope: CallScope, error: OrchestrationError, started: number, cached?: string): void {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
    span.setAttribute("omniforge.error.code", error.code);
    span.end();
    // The agent may have moved or restarted: resolve its card afresh next time.
    if (error.code === ErrorCode.AGENT_UNAVAILABLE && cached !== undefined) this.#agents.delete(cached);
    this.#logger?.warn(
      {
        agentId: scope.agentId,
        method: scope.method,
        code: error.code,
        httpStatus: error.context.httpStatus,
        rpcCode: error.context.rpcCode,
        latencyMs: Math.round(performance.now() - started),
      },
      "a2a call failed",
    );
  }

  async #readOk(
    response: ResponseData,
    limit = this.#settings.maxResponseBytes,
    budget?: ReplyBudget,
  ): Promise<string> {
    const length = response.headers["content-length"];
    if (typeof length === "string" && Number(length) > limit) {
      discardBody(response.body);
      throw new BodyTooLargeError(limit);
    }
    return readBody(response.body, limit, budget);
  }

  async #httpError(response: ResponseData, scope: CallScope): Promise<AgentError> {
    let detail = "";
    let rpcCode: number | undefined;
    try {
      const text = await readBody(response.body, MAX_ERROR_BODY_BYTES);
      const json: unknown = JSON.parse(text);
      if (isObject(json) && isObject(json.error)) {
        if (typeof json.error.code === "number") rpcCode = json.error.code;
        if (typeof json.error.message === "string") detail = json.error.message.slice(0, 500);
      }
    } catch {
      discardBody(response.body);
    }
    return new AgentError(
      ErrorCode.AGENT_UNAVAILABLE,
      `Agent ${scope.agentId} answered HTTP ${response.statusCode}${detail ? `: ${detail}` : ""}`,
      {
        context: {
          agentId: scope.agentId,
          httpStatus: response.statusCode,
          ...(rpcCode === undefined ? {} : { rpcCode }),
        },
      },
    );
  }

  /** The resolved agent for `card` (cached per tenant, agent, endpoint and credentials). */
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
    this.#agents.delete(key);
    this.#agents.set(key, agent);
    while (this.#agents.size > this.#settings.cardCacheSize) {
      const oldest = this.#agents.keys().next().value;
      if (oldest === undefined) break;
      this.#agents.delete(oldest);
    }
  }

  /** Resolves the card through one shared fetch; each caller still honours its own deadline. */
  #resolve(card: AgentCard, endpoint: string, key: string, scope: CallScope): Promise<ResolvedAgent> {
    let load = this.#agentLoads.get(key);
    if (load === undefined) {
      load = this.#fetchCard(card, endpoint, key).finally(() => this.#agentLoads.delete(key));
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

  async #fetchCard(card: AgentCard, endpoint: string, key: string): Promise<ResolvedAgent> {
    const scope = new CallScope(card.identity.id, "GetAgentCard", this.#settings.defaultTimeoutMs, undefined);
    this.#scopes.add(scope);
    const url = `${endpoint}${AGENT_CARD_PATH}`;
    const invalid = (message: string, extra: Record<string, unknown> = {}, cause?: unknown): AgentError =>
      new AgentError(ErrorCode.AGENT_CARD_INVALID, `Agent ${scope.agentId}: ${message} (${url})`, {
        cause,
        context: { agentId: scope.agentId, ...extra },
      });
    try {
      const target = this.#policy.checkUrl(url);
      const headers: Record<string, string> = { accept: JSON_TYPE, "a2a-version": A2A_PROTOCOL_VERSION };
      setAuth(headers, card.service?.auth);
      const response = await this.#dispatcher.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: "GET",
        headers,
        signal: scope.signal,
      });
      if (response.statusCode >= 500) throw await this.#httpError(response, scope);
      if (response.statusCode < 200 || response.statusCode > 299) {
        discardBody(response.body);
        throw invalid(`A2A card not available (HTTP ${response.statusCode})`, {
          httpStatus: response.statusCode,
        });
      }
      const text = await this.#readOk(response, Math.min(this.#settings.maxResponseBytes, MAX_CARD_BYTES));
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw invalid("A2A card is not valid JSON", {}, error);
      }
      if (!isObject(json)) throw invalid("A2A card is not a JSON object");
      let remote: RemoteAgentCard;
      try {
        remote = A2AAgentCardCodec.fromJSON(json);
      } catch (error) {
        throw invalid("A2A card cannot be decoded", {}, error);
      }
      const jsonRpc = remote.supportedInterfaces.find(
        (entry) =>
          entry.protocolBinding.toUpperCase() === "JSONRPC" && entry.protocolVersion === A2A_PROTOCOL_VERSION,
      );
      if (jsonRpc === undefined) {
        throw invalid(`A2A card lists no JSONRPC interface for protocol version ${A2A_PROTOCOL_VERSION}`);
      }
      let rpcUrl: URL;
      try {
        rpcUrl = new URL(jsonRpc.url, `${endpoint}/`);
      } catch (error) {
        throw invalid(`A2A card interface URL ${JSON.stringify(jsonRpc.url)} is not a URL`, {}, error);
      }
      if (rpcUrl.protocol !== "http:" && rpcUrl.protocol !== "https:") {
        throw invalid(`A2A card interface URL ${rpcUrl.href} is not http(s)`);
      }
      try {
        // The card is the agent's word: it may not send us to an address the policy refuses.
        this.#policy.checkUrl(rpcUrl);
      } catch (error) {
        const reason = error instanceof NetworkPolicyError ? error.reason : "invalid";
        throw invalid(
          `A2A card interface URL is refused by the outbound network policy (${reason})`,
          {},
          error,
        );
      }
      const sendAuth = rpcUrl.origin === target.origin;
      if (!sendAuth && card.service?.auth !== undefined) {
        this.#logger?.warn(
          { agentId: scope.agentId, endpointOrigin: target.origin, interfaceOrigin: rpcUrl.origin },
          "a2a card points to another origin; credentials will not be sent there",
        );
      }
      const agent: ResolvedAgent = {
        card: remote,
        rpcOrigin: rpcUrl.origin,
        rpcPath: `${rpcUrl.pathname}${rpcUrl.search}`,
        sendAuth,
        expiresAt: Date.now() + this.#settings.cardTtlMs,
      };
      this.#remember(key, agent);
      return agent;
    } catch (error) {
      throw this.#mapError(scope, error);
    } finally {
      this.#end(scope);
    }
  }
}
