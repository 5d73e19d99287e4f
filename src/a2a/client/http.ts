/**
 * The client's HTTP plumbing, shared by the card resolver and every HTTP transport: one pooled
 * undici dispatcher (whose every connection obeys the network policy), bounded body reads, the
 * typed error of a non-2xx answer, and a `fetch` for the SDK's transports that counts what it
 * reads against the same limits.
 */
import { STATUS_CODES } from "node:http";
import type { Readable } from "node:stream";
import { Agent, type Dispatcher } from "undici";
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
   *
   * It is the pool's plain `request` under a `Response`, not undici's `fetch`: fetch's Request and
   * body-stream machinery cost about as much CPU as the SDK's whole call. A body is read whole
   * (within `maxResponseBytes`, as on the JSON-RPC path) unless it is an event stream, which is
   * handed on chunk by chunk. Redirects are not followed (as on the JSON-RPC path).
   */
  fetchFor(scope: CallScope, limits: CallLimits, observeStream?: (chunk: Uint8Array) => void): typeof fetch {
    const dispatcher = this.dispatcher;
    return (async (input: string | URL | Request, init: RequestInit = {}) => {
      const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
      const response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: (init.method ?? "GET") as Dispatcher.HttpMethod,
        headers: requestHeaders(init.headers),
        ...(init.body === undefined || init.body === null ? {} : { body: requestBody(init.body) }),
        signal: scope.signal,
      });
      const status = response.statusCode;
      if (status >= 400) refusals.set(scope, status);
      const head = {
        status,
        statusText: STATUS_CODES[status] ?? "",
        headers: responseHeaders(response.headers),
      };
      if (NULL_BODY_STATUSES.has(status)) {
        discardBody(response.body);
        return new Response(null, head);
      }
      const type = response.headers["content-type"];
      if (
        status >= 200 &&
        status <= 299 &&
        typeof type === "string" &&
        type.startsWith("text/event-stream")
      ) {
        return new Response(countedStream(response.body, limits, observeStream), head);
      }
      return new Response(await readLimited(response, limits.maxResponseBytes, limits.replyBudget), head);
    }) as typeof fetch;
  }

  close(): Promise<void> {
    return this.dispatcher.destroy();
  }
}

/** The last HTTP error status an SDK transport's request got, per call. */
const refusals = new WeakMap<CallScope, number>();

/**
 * The last HTTP error status (4xx, 5xx) a call made through {@link AgentHttp.fetchFor} got: some SDK
 * transports read a JSON-RPC error out of a 401 and drop the status.
 */
export function lastHttpErrorStatus(scope: CallScope): number | undefined {
  return refusals.get(scope);
}

/** Statuses whose responses have no body (a `Response` refuses one). */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 204, 205, 304]);

function requestHeaders(headers: RequestInit["headers"]): Record<string, string> {
  if (headers === undefined) return {};
  if (!(headers instanceof Headers) && !Array.isArray(headers)) return headers as Record<string, string>;
  const plain: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    plain[name] = value;
  });
  return plain;
}

function requestBody(body: NonNullable<RequestInit["body"]>): string | Uint8Array {
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  throw new TypeError("AgentHttp.fetchFor sends string and byte bodies only");
}

function responseHeaders(raw: Dispatcher.ResponseData["headers"]): Headers {
  const headers = new Headers();
  for (const name in raw) {
    const value = raw[name];
    if (typeof value === "string") headers.append(name, value);
    else if (value !== undefined) for (const each of value) headers.append(name, each);
  }
  return headers;
}

/**
 * An event stream's `body` as a web stream, erroring once it passes the reply limit or the shared
 * budget. A single event larger than `maxResponseBytes` cannot pass unnoticed either: the reply
 * limit is never larger in practice, and the SDK parses what it reads. Cancelling it (the SDK
 * stopped reading) drops the connection.
 */
function countedStream(
  body: Readable,
  limits: CallLimits,
  observe?: (chunk: Uint8Array) => void,
): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let received = 0;
  const cap = Math.max(limits.maxReplyBytes, 1);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done === true) {
        controller.close();
        return;
      }
      const chunk = next.value;
      received += chunk.byteLength;
      const over =
        received > cap
          ? new ReplyTooLargeError(cap, false)
          : limits.replyBudget && !limits.replyBudget.take(chunk.byteLength)
            ? new ReplyTooLargeError(limits.replyBudget.limit, true)
            : undefined;
      if (over !== undefined) {
        discardBody(body);
        controller.error(over);
        return;
      }
      observe?.(chunk);
      controller.enqueue(chunk);
    },
    cancel() {
      discardBody(body);
    },
  });
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
