/**
 * A thin Fastify adapter for an `@a2a-js/sdk` request handler: the A2A card at
 * `/.well-known/agent-card.json` and the JSON-RPC binding (plain responses and SSE streams) at one
 * path. It adds what the SDK's express adapter leaves out: client disconnects reach the agent
 * (through an AbortSignal in the call context), SSE writes respect backpressure, the trace context
 * of the caller is continued, and open responses are tracked so the server can close cleanly.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import {
  A2A_CONTENT_TYPE,
  AgentCard as A2AAgentCardCodec,
  SSE_HEADERS,
  formatSSEErrorEvent,
  formatSSEEvent,
} from "@a2a-js/sdk";
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";
import { JsonRpcTransportHandler, validateVersion } from "@a2a-js/sdk/server";
import type { A2ARequestHandler } from "@a2a-js/sdk/server";
import { LegacyJsonRpcTransportHandler } from "@a2a-js/sdk/compat/v0_3/server";
import { legacyRestRouter } from "@a2a-js/sdk/compat/v0_3/server/express";
import { RequestMalformedError } from "@a2a-js/sdk/errors";
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  propagation,
  trace,
  type Context,
  type Tracer,
} from "@opentelemetry/api";
import express from "express";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { Logger } from "pino";
import {
  RequestUser,
  admission,
  callContextBuilder,
  disconnectSignal,
  httpCallContext,
  isLegacyVersion,
  type Admission,
} from "./call-context.js";
import { handleRest, restError, restStreamEvent } from "./rest-binding.js";

export interface A2ARoutesOptions {
  requestHandler: A2ARequestHandler;
  /** The card served at `cardPaths`; read on every request, so it may be completed after registration. */
  getCard: () => A2AAgentCard;
  /** The card as v0.3 clients read it (v0.3 fields plus the v1.0 ones), when v0.3 is served. */
  getLegacyCard?: () => Record<string, unknown>;
  rpcPath: string;
  /** Base path of the HTTP+JSON interface (v1.0 routes below it; v0.3 routes below `{restPath}/v1`). */
  restPath: string;
  cardPaths: readonly string[];
  maxBodyBytes: number;
  tracer: Tracer;
  logger?: Logger;
  /** Decides whether a request may be served (its headers: e.g. a bearer token); refused -> 401. */
  authenticate?: RequestAuthenticator;
}

/**
 * Decides from a request's headers (or gRPC metadata) whether it may be served: `false` (or "")
 * refuses it; `true` admits an anonymous caller (anonymous callers share their tasks); a string
 * admits the caller it names, whose tasks no other caller can read, continue or cancel.
 */
export type RequestAuthenticator = (
  headers: IncomingHttpHeaders,
) => boolean | string | Promise<boolean | string>;

/** Handle on the routes' in-flight work, for a clean shutdown. */
export interface A2ARoutes {
  /** Resolves when every request in flight has finished (or immediately when none is). */
  drain(): Promise<void>;
  readonly inFlight: number;
}

interface JsonRpcEnvelope {
  jsonrpc: string;
  id: string | number | null;
  result?: unknown;
  error?: unknown;
}

/** How one binding writes a stream: each event's JSON, and the JSON of an error. */
interface StreamFormat<T> {
  event(value: T): unknown;
  error(error: unknown): unknown;
  /** The answer when the stream fails before its first event. */
  early(error: unknown): { status: number; body: unknown; type: string };
}

const JSON_TYPE = "application/json";
/** The callers `authenticate` named for v0.3 REST requests, read by the SDK router's user builder. */
const legacyCallers = new WeakMap<IncomingMessage, string>();
/**
 * The JSON-RPC error code of a refused (unauthenticated) request: the first of the
 * implementation-defined server errors, which A2A leaves unused (-32001 would read as TaskNotFound).
 */
const UNAUTHORIZED_RPC_CODE = -32000;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isAsyncIterable(value: unknown): value is AsyncGenerator<JsonRpcEnvelope, void, undefined> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/** The caller's trace context: the registered propagator's view, else a valid `traceparent` header. */
function extractTraceContext(request: FastifyRequest): Context {
  const extracted = propagation.extract(ROOT_CONTEXT, request.headers);
  if (trace.getSpanContext(extracted) !== undefined) return extracted;
  const match = TRACEPARENT.exec(header(request, "traceparent") ?? "");
  if (match === null || /^0+$/.test(match[1] ?? "") || /^0+$/.test(match[2] ?? "")) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

function errorEnvelope(id: string | number | null, error: unknown, legacy: boolean): JsonRpcEnvelope {
  return {
    jsonrpc: "2.0",
    id,
    error: legacy
      ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError(error)
      : JsonRpcTransportHandler.mapToJSONRPCError(error),
  };
}

/** Writes respecting backpressure; false once the client is gone. */
async function write(raw: ServerResponse, chunk: string): Promise<boolean> {
  if (raw.destroyed || raw.writableEnded) return false;
  if (raw.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      raw.off("drain", done);
      raw.off("close", done);
      resolve();
    };
    raw.on("drain", done);
    raw.on("close", done);
  });
  return !raw.destroyed;
}

/** Streams `stream` as SSE; a failure before the first event is a plain answer instead. */
async function streamSse<T>(
  reply: FastifyReply,
  stream: AsyncIterable<T>,
  format: StreamFormat<T>,
  logger: Logger | undefined,
): Promise<void> {
  const iterator = stream[Symbol.asyncIterator]();
  let first: IteratorResult<T, unknown>;
  try {
    first = await iterator.next();
  } catch (error) {
    const early = format.early(error);
    await reply.code(early.status).type(early.type).send(JSON.stringify(early.body));
    return;
  }
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, SSE_HEADERS);
  raw.flushHeaders();
  try {
    let next = first;
    while (next.done !== true) {
      if (!(await write(raw, formatSSEEvent(format.event(next.value))))) break;
      next = await iterator.next();
    }
  } catch (error) {
    logger?.warn({ err: error instanceof Error ? error.message : String(error) }, "a2a stream failed");
    await write(raw, formatSSEErrorEvent(format.error(error)));
  } finally {
    if (!raw.writableEnded && !raw.destroyed) raw.end();
    // Runs the SDK generator's cleanup (it stops listening to the task's event bus).
    await iterator.return?.(undefined)?.catch(() => undefined);
  }
}

/** Registers the card, JSON-RPC and HTTP+JSON routes on `app` (which the caller owns and closes). */
export function registerA2ARoutes<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>,
  options: A2ARoutesOptions,
): A2ARoutes {
  const handler = options.requestHandler;
  const jsonRpc = new JsonRpcTransportHandler(handler);
  const legacyJsonRpc = options.getLegacyCard ? new LegacyJsonRpcTransportHandler(handler) : undefined;
  const legacyRest = options.getLegacyCard
    ? legacyRestApp(handler, options.restPath, options.maxBodyBytes)
    : undefined;
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>): Promise<void> => {
    inFlight.add(work);
    const forget = (): void => {
      inFlight.delete(work);
    };
    work.then(forget, forget);
    return work;
  };

  // Bodies are parsed here (malformed JSON is the binding's own error, not Fastify's 400).
  app.removeContentTypeParser("application/json");
  for (const type of [JSON_TYPE, A2A_CONTENT_TYPE]) {
    app.addContentTypeParser(
      type,
      { parseAs: "string", bodyLimit: options.maxBodyBytes },
      (_request, body, done) => done(null, body),
    );
  }

  for (const path of options.cardPaths) {
    app.get(path, (request, reply) => {
      const legacy = options.getLegacyCard !== undefined && isLegacyVersion(header(request, "a2a-version"));
      void reply
        .header("cache-control", "no-cache")
        .header("vary", "A2A-Version")
        .type(JSON_TYPE)
        .send(
          JSON.stringify(
            legacy && options.getLegacyCard
              ? options.getLegacyCard()
              : A2AAgentCardCodec.toJSON(options.getCard()),
          ),
        );
    });
  }

  /** Refuses an unauthenticated request; otherwise says who the caller is. */
  const admitted = async (
    request: FastifyRequest,
    reply: FastifyReply,
    refuse: (raw: ServerResponse) => void,
  ): Promise<Admission> => {
    if (options.authenticate === undefined) return { admitted: true };
    let verdict: Admission;
    try {
      verdict = admission(await options.authenticate(request.headers));
    } catch (error) {
      // The check itself failed: refused, and the caller learns nothing of why.
      options.logger?.error(
        { err: error instanceof Error ? error.message : String(error) },
        "authenticate failed",
      );
      sendRaw(reply.raw, 503, JSON_TYPE, { error: { code: 503, message: "Authentication is unavailable" } });
      return { admitted: false };
    }
    if (!verdict.admitted) refuse(reply.raw);
    return verdict;
  };

  const handleRpc = async (request: FastifyRequest, reply: FastifyReply, caller?: string): Promise<void> => {
    const legacy = legacyJsonRpc !== undefined && isLegacyVersion(header(request, "a2a-version"));
    const disconnect = disconnectSignal(reply.raw);
    const text = typeof request.body === "string" ? request.body : "";
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Passed on as a string: the transport handler answers with the JSON-RPC parse error.
    }
    const record = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : undefined;
    const id = typeof record?.id === "string" || typeof record?.id === "number" ? record.id : null;
    const method = typeof record?.method === "string" ? record.method : "unknown";
    // A served agent is one tenant: a request's tenant field is not a scope a caller may open (each
    // new one would be kept by the SDK's event-bus manager for good).
    const params = record?.params;
    if (params !== null && typeof params === "object" && "tenant" in params)
      (params as { tenant?: unknown }).tenant = "";
    const parent = extractTraceContext(request);
    const span = options.tracer.startSpan(
      `a2a.server.${method}`,
      { kind: SpanKind.SERVER, attributes: { "rpc.system": "jsonrpc", "rpc.method": method } },
      parent,
    );
    const answer = (envelope: unknown, status = 200) =>
      reply.code(status).type(JSON_TYPE).send(JSON.stringify(envelope));
    try {
      const callContext = httpCallContext(request.headers, disconnect.signal, legacy, caller);
      try {
        validateVersion(callContext.requestedVersion, options.getCard(), "JSONRPC");
      } catch (error) {
        await answer(errorEnvelope(id, error, legacy));
        return;
      }
      const result = await context.with(trace.setSpan(parent, span), () =>
        (legacy && legacyJsonRpc ? legacyJsonRpc : jsonRpc).handle(
          body as string | Record<string, unknown>,
          callContext,
        ),
      );
      if (isAsyncIterable(result)) {
        await streamSse(
          reply,
          result,
          {
            event: (value) => value,
            error: (error) => errorEnvelope(id, error, legacy),
            // Nothing streamed yet: a plain JSON-RPC error, as the SDK's adapters answer.
            early: (error) => ({ status: 200, body: errorEnvelope(id, error, legacy), type: JSON_TYPE }),
          },
          options.logger,
        );
      } else {
        if ((result as JsonRpcEnvelope).error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
        await answer(result);
      }
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      options.logger?.error(
        { err: error instanceof Error ? error.message : String(error), method },
        "a2a request failed",
      );
      if (!reply.sent && !reply.raw.headersSent) await answer(errorEnvelope(id, error, legacy), 500);
      else if (!reply.raw.writableEnded && !reply.raw.destroyed) reply.raw.end();
    } finally {
      disconnect.dispose();
      span.end();
    }
  };

  const handleRestRequest = async (
    request: FastifyRequest,
    reply: FastifyReply,
    caller?: string,
  ): Promise<void> => {
    const url = new URL(request.url, "http://agent");
    const path = url.pathname.slice(options.restPath.length);
    const disconnect = disconnectSignal(reply.raw);
    const parent = extractTraceContext(request);
    const span = options.tracer.startSpan(
      `a2a.server.rest ${request.method} ${path.replace(/^\/tasks\/[^/:]+/, "/tasks/{id}")}`,
      { kind: SpanKind.SERVER, attributes: { "rpc.system": "http", "http.request.method": request.method } },
      parent,
    );
    const fail = async (error: unknown) => {
      span.setStatus({ code: SpanStatusCode.ERROR });
      const { status, body } = restError(error);
      if (!reply.sent && !reply.raw.headersSent)
        await reply.code(status).type(A2A_CONTENT_TYPE).send(JSON.stringify(body));
      else if (!reply.raw.writableEnded && !reply.raw.destroyed) reply.raw.end();
    };
    try {
      const callContext = httpCallContext(request.headers, disconnect.signal, false, caller);
      validateVersion(callContext.requestedVersion, options.getCard(), "HTTP+JSON");
      let body: unknown;
      if (request.method === "POST" && typeof request.body === "string" && request.body !== "") {
        try {
          body = JSON.parse(request.body);
        } catch {
          throw new RequestMalformedError("the request body is not valid JSON");
        }
      }
      const outcome = await context.with(trace.setSpan(parent, span), () =>
        handleRest(handler, request.method, path, url.searchParams, body ?? {}, callContext),
      );
      if (outcome.kind === "none") {
        await reply
          .code(404)
          .type(A2A_CONTENT_TYPE)
          .send(
            JSON.stringify({
              error: { code: 404, status: "NOT_FOUND", message: `No A2A route ${request.method} ${path}` },
            }),
          );
      } else if (outcome.kind === "json") {
        await reply.code(outcome.status).type(A2A_CONTENT_TYPE).send(JSON.stringify(outcome.body));
      } else {
        await streamSse(
          reply,
          outcome.events,
          {
            event: restStreamEvent,
            error: (error) => restError(error).body,
            early: (error) => ({ ...restError(error), type: A2A_CONTENT_TYPE }),
          },
          options.logger,
        );
      }
    } catch (error) {
      await fail(error);
    } finally {
      disconnect.dispose();
      span.end();
    }
  };

  app.post(options.rpcPath, (request, reply) =>
    track(
      (async () => {
        const ok = await admitted(request, reply, (raw) =>
          sendRaw(raw, 401, JSON_TYPE, {
            jsonrpc: "2.0",
            id: null,
            error: { code: UNAUTHORIZED_RPC_CODE, message: "Unauthorized" },
          }),
        );
        if (ok.admitted) await handleRpc(request, reply, ok.caller);
        else reply.hijack();
      })(),
    ).then(() => reply),
  );

  app.route({
    method: ["GET", "POST"],
    url: `${options.restPath}/*`,
    handler: (request, reply) =>
      track(
        (async () => {
          const ok = await admitted(request, reply, (raw) =>
            sendRaw(raw, 401, A2A_CONTENT_TYPE, {
              error: { code: 401, status: "UNAUTHENTICATED", message: "Unauthorized" },
            }),
          );
          if (ok.admitted) await handleRestRequest(request, reply, ok.caller);
          else reply.hijack();
        })(),
      ).then(() => reply),
  });

  if (legacyRest !== undefined) {
    // v0.3 REST (`{restPath}/v1/...`) is the SDK's express router: its v0.3 ProtoJSON converters are
    // not exported. It takes the raw request before Fastify reads the body.
    const prefix = `${options.restPath}/v1/`;
    app.addHook("onRequest", (request, reply, done) => {
      if (!request.url.startsWith(prefix) || !isLegacyVersion(header(request, "a2a-version"))) {
        done();
        return;
      }
      reply.hijack();
      void track(
        (async () => {
          const ok = await admitted(request, reply, (raw) =>
            sendRaw(raw, 401, JSON_TYPE, { code: UNAUTHORIZED_RPC_CODE, message: "Unauthorized" }),
          );
          if (!ok.admitted) return;
          if (ok.caller !== undefined) legacyCallers.set(request.raw, ok.caller);
          const raw = reply.raw;
          await new Promise<void>((resolve) => {
            raw.once("close", resolve);
            legacyRest(request.raw, raw, (error) => {
              if (error !== undefined) {
                options.logger?.error(
                  { err: error instanceof Error ? error.message : String(error) },
                  "a2a v0.3 REST request failed",
                );
                sendRaw(raw, 500, JSON_TYPE, { code: -32603, message: "Internal error" });
                return;
              }
              sendRaw(raw, 404, JSON_TYPE, {
                code: -32601,
                message: `No A2A route ${request.method} ${request.url}`,
              });
            });
          });
        })().catch((error: unknown) => {
          options.logger?.error(
            { err: error instanceof Error ? error.message : String(error) },
            "a2a v0.3 REST request failed",
          );
          if (!reply.raw.headersSent)
            sendRaw(reply.raw, 500, JSON_TYPE, { code: -32603, message: "Internal error" });
        }),
      );
    });
  }

  return {
    drain: async () => {
      await Promise.allSettled([...inFlight]);
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}

/** A whole answer written on the raw response, closing the connection (a refusal keeps nothing open). */
function sendRaw(raw: ServerResponse, status: number, type: string, body: unknown): void {
  if (raw.headersSent || raw.destroyed) return;
  const text = JSON.stringify(body);
  raw.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(text),
    ...(status === 401 ? { "www-authenticate": "Bearer", connection: "close" } : {}),
  });
  raw.end(text);
}

/**
 * The SDK's v0.3 REST router in a bare express app; its calls get the request's disconnect signal
 * through the call context (the same user and context as every other binding). The body is parsed
 * here first, with the agent's `maxBodyBytes` (the router's own parser would stop at express's
 * default 100 KB), and a body too large or not JSON is answered as v0.3 REST answers errors.
 */
function legacyRestApp(
  handler: A2ARequestHandler,
  restPath: string,
  maxBodyBytes: number,
): (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void {
  const app = express();
  app.disable("x-powered-by");
  app.use(
    restPath,
    express.json({ limit: maxBodyBytes, type: JSON_TYPE, strict: false }),
    legacyRestRouter({
      requestHandler: handler,
      userBuilder: (request) =>
        Promise.resolve(
          new RequestUser(disconnectSignal(request.res as ServerResponse).signal, legacyCallers.get(request)),
        ),
      contextBuilder: callContextBuilder,
    }),
  );
  app.use(
    (error: unknown, _request: express.Request, response: express.Response, next: express.NextFunction) => {
      if (response.headersSent) {
        next(error);
        return;
      }
      const type = (error as { type?: unknown } | null)?.type;
      if (type === "entity.too.large") {
        sendRaw(response, 413, JSON_TYPE, {
          code: -32600,
          message: `Request body larger than ${maxBodyBytes} bytes`,
        });
      } else if (type === "entity.parse.failed") {
        sendRaw(response, 400, JSON_TYPE, { code: -32700, message: "Invalid JSON payload." });
      } else {
        next(error);
      }
    },
  );
  return (request, response, next) => {
    app(request as express.Request, response as express.Response, next);
  };
}
