/**
 * Router events over HTTP: as a Server-Sent Events stream (one `event: <type>` frame per event,
 * written as it arrives, with backpressure and heartbeats) or collected into one JSON reply.
 */
import type { FastifyBaseLogger, FastifyReply } from "fastify";
import type { RouterEvent } from "../orchestration/stream-router.js";
import { SSE_HEARTBEAT_MS } from "./defaults.js";
import { routerEventView, type RouterEventView } from "./views.js";

/** Headers every gateway response carries (hijacked streams included). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
});

/** True when the client asked for an event stream. */
export function wantsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);
}

/** One SSE frame. `data` is JSON on one line, so no escaping of newlines is needed. */
export function sseFrame(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The frame of one router event: the event name is its type, the data is the rest. */
export function routerEventFrame(event: RouterEvent): string {
  const { type, ...data } = routerEventView(event);
  return sseFrame(type, data);
}

/**
 * Streams `events` (whose first result was already read, so errors before the turn could still
 * become an HTTP status) to the client. Takes over the response from Fastify. Returns when the
 * stream ended or the client went away; in both cases the event source is closed, which aborts
 * whatever is still streaming upstream.
 */
export async function sendEventStream(options: {
  reply: FastifyReply;
  first: RouterEvent;
  events: AsyncGenerator<RouterEvent, void, undefined>;
  logger: FastifyBaseLogger;
  heartbeatMs?: number;
}): Promise<void> {
  const { reply, events } = options;
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-store, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  const gone = () => res.destroyed || res.writableEnded;
  const write = async (chunk: string): Promise<void> => {
    if (gone()) return;
    if (res.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  };
  const heartbeat = setInterval(() => {
    if (!gone()) res.write(": keep-alive\n\n");
  }, options.heartbeatMs ?? SSE_HEARTBEAT_MS);
  heartbeat.unref();
  const started = performance.now();
  let frames = 0;
  try {
    await write(routerEventFrame(options.first));
    frames++;
    while (!gone()) {
      const next = await events.next();
      if (next.done) break;
      await write(routerEventFrame(next.value));
      frames++;
    }
  } catch (error) {
    // routeEvents never throws; this is a bug or a dead socket. Nothing useful reaches the client.
    options.logger.error({ err: error }, "event stream failed");
  } finally {
    clearInterval(heartbeat);
    const aborted = gone() && !res.writableFinished;
    // Closing the generator runs the router's finally: the upstream agent call is aborted.
    await events.return(undefined);
    if (!gone()) res.end();
    options.logger.info(
      { statusCode: 200, frames, aborted, latencyMs: Math.round(performance.now() - started) },
      "event stream finished",
    );
  }
}

/**
 * Collects a turn into `{ reply, agentId, events }`. An `error` event is thrown as its error, so
 * it becomes the response's HTTP status.
 */
export async function collectEvents(
  first: RouterEvent,
  events: AsyncGenerator<RouterEvent, void, undefined>,
): Promise<{ reply: string; agentId: string; events: RouterEventView[] }> {
  const collected: RouterEvent[] = [first];
  for await (const event of events) collected.push(event);
  const failure = collected.find((event) => event.type === "error");
  if (failure) throw failure.error;
  const done = collected.findLast((event) => event.type === "done");
  return {
    reply: done?.text ?? "",
    agentId: done?.agentId ?? "",
    events: collected.map(routerEventView),
  };
}
