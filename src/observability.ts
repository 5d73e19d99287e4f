/** Logging, tracing and cancellation plumbing shared by the managers. */
import { setMaxListeners } from "node:events";
import { SpanStatusCode, context, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import { pino, type Logger } from "pino";
import { AbortedError, isOrchestrationError } from "./errors.js";

export type { Logger } from "pino";
export type { Tracer } from "@opentelemetry/api";

/** A library logs nothing unless the application hands it a logger. */
export function defaultLogger(): Logger {
  return pino({ level: "silent" });
}

export function defaultTracer(): Tracer {
  return trace.getTracer("omniforge");
}

/**
 * Runs `fn` inside a new active span (so outgoing A2A calls carry its traceparent), recording
 * failures with their error code, and ends the span.
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, { attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorCodeOf(error) });
    if (error instanceof Error) span.recordException(error);
    throw error;
  } finally {
    span.end();
  }
}

export function errorCodeOf(error: unknown): string {
  return isOrchestrationError(error) ? error.code : "INTERNAL_ERROR";
}

/**
 * One signal that aborts when any input aborts. `dispose()` removes the listeners it added, so
 * long-lived outer signals do not accumulate them.
 */
export function linkSignals(...signals: Array<AbortSignal | undefined>): {
  signal: AbortSignal;
  abort(reason?: unknown): void;
  dispose(): void;
} {
  const controller = new AbortController();
  // The linked signal is shared by every agent call of a delegation (100s of listeners by design).
  setMaxListeners(0, controller.signal);
  const cleanups: Array<() => void> = [];
  for (const signal of signals) {
    if (!signal) continue;
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    cleanups.push(() => signal.removeEventListener("abort", onAbort));
  }
  return {
    signal: controller.signal,
    abort: (reason?: unknown) => controller.abort(reason ?? new AbortedError()),
    dispose: () => {
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
}

/** Throws AbortedError if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw isOrchestrationError(signal.reason)
      ? signal.reason
      : new AbortedError("Operation aborted", { cause: signal.reason });
  }
}
