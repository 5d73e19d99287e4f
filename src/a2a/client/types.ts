/**
 * The A2A client's public shapes: its configuration, per-call options, what a call returns, and
 * the typed events of a streamed reply. They are the same whatever binding and protocol version
 * carries the call.
 */
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";
import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { NetworkPolicy, NetworkPolicyConfig } from "../../security/network-policy.js";
import type { ReplyBudget } from "./call-scope.js";
import type { AgentInterface, InterfacePreference } from "./interfaces.js";
import type { A2ATaskState, WireMessage, WireTask } from "../wire.js";

/** The agent's own A2A card (the SDK's type, v1.0 shape; a v0.3 card is translated). */
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
  /**
   * The most bytes of cards (as read) the cache holds in all; past it the least recently used are
   * evicted. Default 64 MiB. A card is read up to 256 KiB, and only its first 100 skills and 32
   * interfaces and extensions are kept.
   */
  cardCacheBytes?: number;
  /**
   * Which interface to use when an agent offers several: the first of these it offers. Default:
   * v1.0 JSON-RPC, v1.0 HTTP+JSON, v1.0 gRPC, then v0.3 JSON-RPC and v0.3 HTTP+JSON. An agent's card
   * may override it (`service.interfacePreference`).
   */
  interfacePreference?: readonly InterfacePreference[];
  /**
   * gRPC channel security: `true` TLS, `false` plaintext, `"auto"` (default) plaintext only to
   * addresses the network policy allows although they are not public (loopback, private: networks the
   * operator named), TLS everywhere else.
   */
  grpcTls?: boolean | "auto";
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
  /**
   * Card reads (`getAgentCard`, `describeAgent`): read the agent's card afresh rather than from the
   * cache (which the fresh card then replaces) — a health check must reach the agent.
   */
  refreshCard?: boolean;
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
  /** Part of a task snapshot (the task as it stands), not a change as it happens. */
  snapshot?: boolean;
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
  /** Part of a task snapshot: the artifact's whole content so far, not a new chunk. */
  snapshot?: boolean;
}

/** One event of {@link A2AClient.sendStreamingMessage}. */
export type A2AStreamEvent = A2ATaskEvent | A2AStatusEvent | A2AMessageEvent | A2AArtifactEvent;

/** A task as {@link A2AClient.getTask} reads it. */
export interface TaskSnapshot {
  taskId: string;
  contextId: string;
  state: A2ATaskState;
  /** The artifacts' text (artifacts joined with "\n"), else the status message's text. */
  text: string;
  data: Record<string, unknown>[];
  /** The status message's text (e.g. the question of an INPUT_REQUIRED task). */
  statusText: string;
  raw: WireTask;
}

/** Which interface a call went through (see {@link A2AClient.describeAgent}). */
export interface ResolvedInterface extends AgentInterface {
  /** Whether the agent's credentials are sent to it (only to the host the card was configured with). */
  sendsCredentials: boolean;
}
