/**
 * The client's HTTP plumbing, shared by the card resolver and every HTTP transport: one pooled
 * undici dispatcher (whose every connection obeys the network policy), bounded body reads, the
 * typed error of a non-2xx answer, and a `fetch` for the SDK's transports that counts what it
 * reads against the same limits.
 */
import type { Readable } from "node:stream";
import { Agent, fetch as undiciFetch, type Dispatcher } from "undici";
import { AgentError, ErrorCode } from "../../errors.js";
import type { NetworkPolicy } from "../../security/network-policy.js";
import { isObject } from "../wire.js";
import {
  BodyTooLargeError,
  ReplyTooLargeError,
  discardBody,
  readBody,
  type CallScope,
  type ReplyBudget,
} from "./call-scope.js";
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, MAX_ERROR_BODY_BYTES } from "../defaults.js";

export type ResponseData = Dispatcher.ResponseData;

/** The size limits one call reads under. */
export interface CallLimits {
  /** The largest body (or single stream event). */
  maxResponseBytes: number;
  /** The most a whole streamed reply may total. */
  maxReplyBytes: number;
  /** An allowance shared with other calls. */
  replyBudget?: ReplyBudget;
}

/** A pooled keep-alive HTTP client whose connections obey a network policy. */
export class AgentHttp {
  readonly dispatcher: Agent;

  constructor(policy: NetworkPolicy, connections: number) {
    // Our own deadline bounds every call, so undici's idle timers are off (a quiet stream is not an error).
    this.dispatcher = new Agent({
      connections,
      keepAliveTimeout: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: policy.connector(),
    });
  }

  /** One request through the pool; `url` must already have passed the policy's URL check. */
  request(
    url: URL,
    init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; scope: CallScope },
  ): Promise<ResponseData> {
    init.scope.throwIfAborted();
    return this.dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: init.method,
      headers: init.headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: init.scope.signal,
    });
  }

  /**
   * A `fetch` for the SDK's HTTP transports: through this pool, with the call's signal, counting every
   * body against the call's limits (past them the body errors with the limit's error).
   * `observeStream` sees every chunk of an event stream before the SDK does.
   */
  fetchFor(scope: CallScope, limits: CallLimits, observeStream?: (chunk: Uint8Array) => void): typeof fetch {
    const dispatcher = this.dispatcher;
    return (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await undiciFetch(
        input as string,
        {
          ...(init as Record<string, unknown>),
          signal: scope.signal,
          dispatcher,
        } as Parameters<typeof undiciFetch>[1],
      );
      if (response.body === null) return response as unknown as Response;
      const observe =
        observeStream !== undefined && response.headers.get("content-type")?.startsWith("text/event-stream")
          ? observeStream
          : undefined;
      return new Response(countedStream(response.body as ReadableStream<Uint8Array>, limits, observe), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers as unknown as Headers,
      });
    }) as typeof fetch;
  }

  close(): Promise<void> {
    return this.dispatcher.destroy();
  }
}

/**
 * `body`, erroring once it passes the reply limit or the shared budget. A single event larger than
 * `maxResponseBytes` cannot pass unnoticed either: the reply limit is never larger in practice, and
 * the SDK parses what it reads.
 */
function countedStream(
  body: ReadableStream<Uint8Array>,
  limits: CallLimits,
  observe?: (chunk: Uint8Array) => void,
): ReadableStream<Uint8Array> {
  let received = 0;
  const cap = Math.max(limits.maxReplyBytes, 1);
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > cap) {
          controller.error(new ReplyTooLargeError(cap, false));
          return;
        }
        if (limits.replyBudget && !limits.replyBudget.take(chunk.byteLength)) {
          controller.error(new ReplyTooLargeError(limits.replyBudget.limit, true));
          return;
        }
        observe?.(chunk);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** Reads a whole body within `limit` (and the shared budget, if any). */
export async function readLimited(
  response: ResponseData,
  limit: number,
  budget?: ReplyBudget,
): Promise<string> {
  const length = response.headers["content-length"];
  if (typeof length === "string" && Number(length) > limit) {
    discardBody(response.body);
    throw new BodyTooLargeError(limit);
  }
  return readBody(response.body as Readable, limit, budget);
}

/** The typed error of a non-2xx answer (its JSON-RPC or REST error code, when it carries one). */
export async function httpError(response: ResponseData, agentId: string): Promise<AgentError> {
  let detail = "";
  let rpcCode: number | undefined;
  try {
    const text = await readBody(response.body as Readable, MAX_ERROR_BODY_BYTES);
    const json: unknown = JSON.parse(text);
    if (isObject(json) && isObject(json.error)) {
      if (typeof json.error.code === "number") rpcCode = json.error.code;
      if (typeof json.error.message === "string") detail = json.error.message.slice(0, 500);
    }
  } catch {
    discardBody(response.body as Readable);
  }
  return new AgentError(
    ErrorCode.AGENT_UNAVAILABLE,
    `Agent ${agentId} answered HTTP ${response.statusCode}${detail ? `: ${detail}` : ""}`,
    { context: { agentId, httpStatus: response.statusCode, ...(rpcCode === undefined ? {} : { rpcCode }) } },
  );
}
