/**
 * The `fetch` the LLM agent's SDK client uses, so that what the model server sends cannot steer the
 * agent: a redirect comes back as itself (the SDK reports it as an error; the conversation never
 * travels to another address), a `retry-after` is capped (the SDK would sleep for whatever it says,
 * deaf to cancellation), and a response body is bounded: an error body to a few KiB (the SDK reads
 * it whole), a streamed answer in total and per line, and a 200 that is not an event stream fails
 * at once. Each failure is an {@link LlmStreamError}, which llm-errors.ts maps to an OmniForge code.
 */
import {
  MAX_LLM_ERROR_BODY_BYTES,
  MAX_LLM_RETRY_AFTER_MS,
  MAX_LLM_STREAM_BYTES,
  MAX_LLM_STREAM_LINE_BYTES,
} from "./llm-defaults.js";

/** Why a model server's response was cut off. */
export type LlmStreamFault = "not-event-stream" | "line-too-long" | "too-large";

/** A response the agent refused to read further; `detail` is for the operator's log only. */
export class LlmStreamError extends Error {
  readonly fault: LlmStreamFault;
  readonly limitBytes: number | undefined;
  readonly detail: string;

  constructor(fault: LlmStreamFault, detail: string, limitBytes?: number) {
    super(`model response refused: ${fault}`);
    this.name = "LlmStreamError";
    this.fault = fault;
    this.detail = detail;
    this.limitBytes = limitBytes;
  }
}

/** Bounds of {@link guardedFetch}. */
export interface LlmFetchLimits {
  /** Longest wait before a retry (ms). */
  readonly maxRetryAfterMs: number;
  readonly maxLineBytes: number;
  readonly maxStreamBytes: number;
  readonly maxErrorBodyBytes: number;
}

export const DEFAULT_LLM_FETCH_LIMITS: LlmFetchLimits = Object.freeze({
  maxRetryAfterMs: MAX_LLM_RETRY_AFTER_MS,
  maxLineBytes: MAX_LLM_STREAM_LINE_BYTES,
  maxStreamBytes: MAX_LLM_STREAM_BYTES,
  maxErrorBodyBytes: MAX_LLM_ERROR_BODY_BYTES,
});

// Statuses whose Response may carry no body (the constructor refuses one).
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** A `fetch` for the SDK's `fetch` option, applying `limits`. */
export function guardedFetch(limits: LlmFetchLimits = DEFAULT_LLM_FETCH_LIMITS): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, { ...init, redirect: "manual" });
    if (response.body === null || NULL_BODY_STATUSES.has(response.status)) return response;
    const headers = new Headers(response.headers);
    let body: ReadableStream<Uint8Array>;
    if (response.ok) {
      const type = (headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      // No content-type at all is let through: a lax server may still send a proper stream.
      body =
        type === "" || type === "text/event-stream"
          ? bounded(response.body, limits.maxStreamBytes, limits.maxLineBytes)
          : failing(
              response.body,
              new LlmStreamError("not-event-stream", `content-type ${type.slice(0, 80)}`),
            );
    } else {
      capRetryAfter(headers, limits.maxRetryAfterMs);
      body = bounded(response.body, limits.maxErrorBodyBytes, undefined);
    }
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
}

/** Replaces `retry-after`/`retry-after-ms` by one `retry-after-ms` of at most `maxMs`. */
function capRetryAfter(headers: Headers, maxMs: number): void {
  const ms = headers.get("retry-after-ms");
  const seconds = headers.get("retry-after");
  if (ms === null && seconds === null) return;
  let wait = ms === null ? Number.NaN : Number.parseFloat(ms);
  if (Number.isNaN(wait) && seconds !== null) {
    const asNumber = Number.parseFloat(seconds);
    wait = Number.isNaN(asNumber) ? Date.parse(seconds) - Date.now() : asNumber * 1000;
  }
  headers.delete("retry-after");
  headers.set("retry-after-ms", String(Number.isNaN(wait) ? maxMs : Math.min(maxMs, Math.max(0, wait))));
}

function nextLineBreak(chunk: Uint8Array, from: number): number {
  const lf = chunk.indexOf(10, from);
  const cr = chunk.indexOf(13, from);
  if (lf === -1) return cr;
  if (cr === -1) return lf;
  return Math.min(lf, cr);
}

/** `body`, failing once it passes `maxBytes` in total or a line passes `maxLineBytes`. */
function bounded(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  maxLineBytes: number | undefined,
): ReadableStream<Uint8Array> {
  let total = 0;
  let line = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > maxBytes) {
          throw new LlmStreamError("too-large", `more than ${maxBytes} bytes`, maxBytes);
        }
        if (maxLineBytes !== undefined) {
          let start = 0;
          for (let end = nextLineBreak(chunk, 0); end !== -1; end = nextLineBreak(chunk, start)) {
            if (line + end - start > maxLineBytes) break;
            line = 0;
            start = end + 1;
          }
          line += chunk.byteLength - start;
          if (line > maxLineBytes) {
            throw new LlmStreamError("line-too-long", `a line over ${maxLineBytes} bytes`, maxLineBytes);
          }
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/** A body that fails on the first read (and lets go of the response under it). */
function failing(body: ReadableStream<Uint8Array>, error: LlmStreamError): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await body.cancel().catch(() => undefined);
      controller.error(error);
    },
    async cancel() {
      await body.cancel().catch(() => undefined);
    },
  });
}
