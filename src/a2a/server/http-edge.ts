/**
 * What every Fastify route of a served agent shares: reading a header and the caller's trace
 * context, answering on the raw response, and streaming events as SSE with backpressure.
 */
import type { ServerResponse } from "node:http";
import { SSE_HEADERS, formatSSEErrorEvent, formatSSEEvent } from "@a2a-js/sdk";
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";
import type { A2ARequestHandler } from "@a2a-js/sdk/server";
import { ROOT_CONTEXT, TraceFlags, propagation, trace, type Context, type Tracer } from "@opentelemetry/api";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";

/** What a binding's route is built from. */
export interface BindingRouteConfig {
  readonly requestHandler: A2ARequestHandler;
  /** The agent's card (read on every request: the versions it declares are checked). */
  readonly getCard: () => A2AAgentCard;
  readonly tracer: Tracer;
  readonly logger?: Logger | undefined;
}

/** Answers a route gives once the caller is admitted (`caller`: who `authenticate` named, if anyone). */
export type RouteHandler = (request: FastifyRequest, reply: FastifyReply, caller?: string) => Promise<void>;

/** How one binding writes a stream: each event's JSON, and the JSON of an error. */
export interface StreamFormat<T> {
  event(value: T): unknown;
  error(error: unknown): unknown;
  /** The answer when the stream fails before its first event. */
  early(error: unknown): { status: number; body: unknown; type: string };
}

export const JSON_TYPE = "application/json";
/**
 * The JSON-RPC error code of a refused (unauthenticated) request: the first of the
 * implementation-defined server errors, which A2A leaves unused (-32001 would read as TaskNotFound).
 */
export const UNAUTHORIZED_RPC_CODE = -32000;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The caller's trace context: the registered propagator's view, else a valid `traceparent` header. */
export function extractTraceContext(request: FastifyRequest): Context {
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
export async function streamSse<T>(
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

/** A whole answer written on the raw response, closing the connection (a refusal keeps nothing open). */
export function sendRaw(raw: ServerResponse, status: number, type: string, body: unknown): void {
  if (raw.headersSent || raw.destroyed) return;
  const text = JSON.stringify(body);
  raw.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(text),
    ...(status === 401 ? { "www-authenticate": "Bearer", connection: "close" } : {}),
  });
  raw.end(text);
}
