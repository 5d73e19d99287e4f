/**
 * A thin Fastify adapter for an `@a2a-js/sdk` request handler: the A2A card at
 * `/.well-known/agent-card.json` and the JSON-RPC binding (plain responses and SSE streams) at one
 * path. It adds what the SDK's express adapter leaves out: client disconnects reach the agent
 * (through an AbortSignal in the call context), SSE writes respect backpressure, the trace context
 * of the caller is continued, and open responses are tracked so the server can close cleanly.
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import {
  AgentCard as A2AAgentCardCodec,
  Extensions,
  SSE_HEADERS,
  formatSSEErrorEvent,
  formatSSEEvent,
} from "@a2a-js/sdk";
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";
import {
  JsonRpcTransportHandler,
  UnauthenticatedUser,
  defaultServerCallContextBuilder,
  validateVersion,
} from "@a2a-js/sdk/server";
import type { A2ARequestHandler } from "@a2a-js/sdk/server";
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
import { REQUEST_SIGNAL_STATE_KEY } from "./agent-executor.js";

export interface A2ARoutesOptions {
  requestHandler: A2ARequestHandler;
  /** The card served at `cardPath`; read on every request, so it may be completed after registration. */
  getCard: () => A2AAgentCard;
  rpcPath: string;
  cardPath: string;
  maxBodyBytes: number;
  tracer: Tracer;
  logger?: Logger;
  /** Decides whether a JSON-RPC request may be served (its headers: e.g. a bearer token); refused -> 401. */
  authenticate?: RequestAuthenticator;
}

/** Decides from a request's headers whether it may be served. */
export type RequestAuthenticator = (headers: IncomingHttpHeaders) => boolean | Promise<boolean>;

/** Handle on the routes' in-flight work, for a clean shutdown. */
export interface A2ARoutes {
  /** Resolves when every JSON-RPC request in flight has finished (or immediately when none is). */
  drain(): Promise<void>;
  readonly inFlight: number;
}

interface JsonRpcEnvelope {
  jsonrpc: string;
  id: string | number | null;
  result?: unknown;
  error?: unknown;
}

const JSON_TYPE = "application/json";
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

function errorEnvelope(id: string | number | null, error: unknown): JsonRpcEnvelope {
  return { jsonrpc: "2.0", id, error: JsonRpcTransportHandler.mapToJSONRPCError(error) };
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

async function streamSse(
  reply: FastifyReply,
  stream: AsyncGenerator<JsonRpcEnvelope, void, undefined>,
  id: string | number | null,
  logger: Logger | undefined,
): Promise<void> {
  const iterator = stream[Symbol.asyncIterator]();
  let first: IteratorResult<JsonRpcEnvelope, void>;
  try {
    first = await iterator.next();
  } catch (error) {
    // Nothing streamed yet: answer with a plain JSON-RPC error, as the SDK's adapters do.
    await reply
      .code(200)
      .type(JSON_TYPE)
      .send(JSON.stringify(errorEnvelope(id, error)));
    return;
  }
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, SSE_HEADERS);
  raw.flushHeaders();
  try {
    let next = first;
    while (next.done !== true) {
      if (!(await write(raw, formatSSEEvent(next.value)))) break;
      next = await iterator.next();
    }
  } catch (error) {
    logger?.warn({ err: error instanceof Error ? error.message : String(error) }, "a2a stream failed");
    await write(raw, formatSSEErrorEvent(errorEnvelope(id, error)));
  } finally {
    if (!raw.writableEnded && !raw.destroyed) raw.end();
    // Runs the SDK generator's cleanup (it stops listening to the task's event bus).
    await iterator.return(undefined).catch(() => undefined);
  }
}

/** Registers the card and JSON-RPC routes on `app` (which the caller owns and closes). */
export function registerA2ARoutes<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>,
  options: A2ARoutesOptions,
): A2ARoutes {
  const transport = new JsonRpcTransportHandler(options.requestHandler);
  const inFlight = new Set<Promise<void>>();

  // The transport handler parses JSON itself and reports malformed bodies as JSON-RPC errors.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(
    "application/json",
    { parseAs: "string", bodyLimit: options.maxBodyBytes },
    (_request, body, done) => done(null, body),
  );

  app.get(options.cardPath, (_request, reply) => {
    void reply
      .header("cache-control", "no-cache")
      .type(JSON_TYPE)
      .send(JSON.stringify(A2AAgentCardCodec.toJSON(options.getCard())));
  });

  const handleRpc = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const raw = reply.raw;
    const disconnected = new AbortController();
    const onClose = (): void => {
      if (!raw.writableFinished) disconnected.abort(new Error("client disconnected"));
    };
    raw.on("close", onClose);
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
    const parent = extractTraceContext(request);
    const span = options.tracer.startSpan(
      `a2a.server.${method}`,
      {
        kind: SpanKind.SERVER,
        attributes: { "rpc.system": "jsonrpc", "rpc.method": method },
      },
      parent,
    );
    try {
      const callContext = defaultServerCallContextBuilder({
        extensions: Extensions.parseServiceParameter(header(request, "a2a-extensions")),
        user: new UnauthenticatedUser(),
        headers: request.headers,
        requestedVersion: header(request, "a2a-version") || undefined,
      });
      callContext.state.set(REQUEST_SIGNAL_STATE_KEY, disconnected.signal);
      try {
        validateVersion(callContext.requestedVersion, options.getCard(), "JSONRPC");
      } catch (error) {
        await reply
          .code(200)
          .type(JSON_TYPE)
          .send(JSON.stringify(errorEnvelope(id, error)));
        return;
      }
      const result = await context.with(trace.setSpan(parent, span), () =>
        transport.handle(body as string | Record<string, unknown>, callContext),
      );
      if (isAsyncIterable(result)) {
        await streamSse(reply, result, id, options.logger);
      } else {
        if (result.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
        await reply.code(200).type(JSON_TYPE).send(JSON.stringify(result));
      }
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      options.logger?.error(
        { err: error instanceof Error ? error.message : String(error), method },
        "a2a request failed",
      );
      if (!reply.sent && !raw.headersSent) {
        await reply
          .code(500)
          .type(JSON_TYPE)
          .send(JSON.stringify(errorEnvelope(id, error)));
      } else if (!raw.writableEnded && !raw.destroyed) {
        raw.end();
      }
    } finally {
      raw.off("close", onClose);
      span.end();
    }
  };

  const authenticate = options.authenticate;
  app.post(options.rpcPath, (request, reply) => {
    const work = (async () => {
      if (authenticate && !(await authenticate(request.headers))) {
        await reply
          .code(401)
          .header("www-authenticate", "Bearer")
          .type(JSON_TYPE)
          .send(
            JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32001, message: "Unauthorized" } }),
          );
        return;
      }
      await handleRpc(request, reply);
    })();
    inFlight.add(work);
    const forget = (): void => {
      inFlight.delete(work);
    };
    work.then(forget, forget);
    return work.then(() => reply);
  });

  return {
    drain: async () => {
      await Promise.allSettled([...inFlight]);
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
