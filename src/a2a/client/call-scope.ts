/**
 * One outgoing call's lifetime: a single AbortSignal that fires on the caller's signal, the
 * per-call timeout or the client closing, and the translation of whatever went wrong into the
 * typed error the caller sees. Listeners and the timer are removed in `dispose()`.
 */
import type { Readable } from "node:stream";
import { AbortedError, AgentError, ErrorCode, OrchestrationError } from "../../errors.js";

/** Why a call's signal fired. */
export type AbortKind = "timeout" | "caller" | "closed";

/** The lifetime of one call: its combined abort signal and its error translation. */
export class CallScope {
  readonly #controller = new AbortController();
  readonly #callerSignal: AbortSignal | undefined;
  /** Set only when there is a caller's signal to listen to (most calls have none). */
  readonly #onCallerAbort: (() => void) | undefined;
  readonly #timer: NodeJS.Timeout;
  #kind: AbortKind | undefined;
  #callerReason: unknown;

  constructor(
    readonly agentId: string,
    readonly method: string,
    readonly timeoutMs: number,
    callerSignal: AbortSignal | undefined,
  ) {
    this.#callerSignal = callerSignal;
    this.#timer = setTimeout(() => this.abort("timeout"), timeoutMs);
    if (callerSignal) {
      this.#onCallerAbort = (): void => {
        this.#callerReason = callerSignal.reason;
        this.abort("caller");
      };
      if (callerSignal.aborted) this.#onCallerAbort();
      else callerSignal.addEventListener("abort", this.#onCallerAbort, { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why the signal fired, or undefined while it has not. */
  get abortKind(): AbortKind | undefined {
    return this.#kind;
  }

  abort(kind: AbortKind): void {
    if (this.#kind !== undefined) return;
    this.#kind = kind;
    this.#controller.abort(this.#abortError());
  }

  /** Throws the typed abort error when the signal has fired. */
  throwIfAborted(): void {
    if (this.#kind !== undefined) throw this.#abortError();
  }

  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onCallerAbort) this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
  }

  /** Maps any failure during the call to the error the caller sees. */
  toError(error: unknown): OrchestrationError {
    if (error instanceof OrchestrationError) return error;
    if (this.#kind !== undefined) return this.#abortError(error);
    return networkError(error, this.agentId);
  }

  #abortError(cause?: unknown): OrchestrationError {
    switch (this.#kind) {
      case "timeout":
        return new AgentError(
          ErrorCode.AGENT_TIMEOUT,
          `Agent ${this.agentId} did not answer ${this.method} within ${this.timeoutMs} ms`,
          { cause, context: { agentId: this.agentId, timeoutMs: this.timeoutMs } },
        );
      case "closed":
        return new AbortedError("A2AClient was closed", { cause, context: { agentId: this.agentId } });
      default:
        return new AbortedError(`Call to agent ${this.agentId} aborted`, {
          cause: this.#callerReason ?? cause,
          context: { agentId: this.agentId },
        });
    }
  }
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** The one message every connection failure carries (see {@link networkError}). */
export function unreachableMessage(agentId: string): string {
  return `Agent ${agentId} is unreachable (the connection failed, or the outbound network policy refused the address)`;
}

/** A transport failure (refused, reset, DNS, TLS, socket closed, policy) as a typed error. */
export function networkError(error: unknown, agentId: string): OrchestrationError {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (
    typeof code !== "string" &&
    (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError)
  ) {
    // Not a transport failure: a bug on our side must not pass for an unavailable agent.
    return new OrchestrationError(ErrorCode.INTERNAL_ERROR, `A2A client error: ${detail}`, {
      cause: error,
      context: { agentId },
    });
  }
  if (typeof code === "string" && TIMEOUT_CODES.has(code)) {
    return new AgentError(ErrorCode.AGENT_TIMEOUT, `Agent ${agentId} timed out`, {
      cause: error,
      context: { agentId, errno: code },
    });
  }
  // One message for every way of not getting through — refused, reset, closed, unknown host, or
  // refused by the outbound network policy — so an error never tells open ports from closed ones.
  // The cause (and `errno` for the logs) keeps the detail.
  return new AgentError(ErrorCode.AGENT_UNAVAILABLE, unreachableMessage(agentId), {
    cause: error,
    context: { agentId, ...(typeof code === "string" ? { errno: code } : {}) },
  });
}

/** Thrown by {@link readBody} when the body exceeds its limit (the body is destroyed first). */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body exceeds ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * A byte allowance several calls draw on together — every agent of one delegation — so that what
 * they may return in all is bounded, not only each reply.
 */
export class ReplyBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  /** Counts `bytes`; false once the total is past the limit. */
  take(bytes: number): boolean {
    this.#used += bytes;
    return this.#used <= this.limit;
  }

  get used(): number {
    return this.#used;
  }
}

/** A reply passed a limit on its total size: its own (`shared` false) or a shared budget's. */
export class ReplyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    readonly shared: boolean,
  ) {
    super(`reply exceeds ${limit} bytes${shared ? " (a shared budget)" : ""}`);
    this.name = "ReplyTooLargeError";
  }
}

const noop = (): void => {};

/**
 * Reads a whole body as UTF-8, refusing more than `limit` bytes: past the limit it stops reading,
 * destroys the body (undici then drops the connection) and rejects with BodyTooLargeError. Every
 * chunk also draws on `budget`, when given (ReplyTooLargeError once it is spent).
 */
export function readBody(body: Readable, limit: number, budget?: ReplyBudget): Promise<string> {
  // A late 'error' after we stopped listening must never become an uncaught exception.
  body.on("error", noop);
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      const overBudget = budget !== undefined && !budget.take(chunk.length);
      if (size > limit || overBudget) {
        cleanup();
        body.destroy();
        reject(
          overBudget && size <= limit
            ? new ReplyTooLargeError(budget.limit, true)
            : new BodyTooLargeError(limit),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      const first = chunks[0];
      resolve(
        chunks.length === 1 && first ? first.toString("utf8") : Buffer.concat(chunks, size).toString("utf8"),
      );
    };
    const onError = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error("response body closed before it ended"));
    };
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
    body.once("close", onClose);
  });
}

/** Discards a body without reading it, never throwing. */
export function discardBody(body: Readable): void {
  body.on("error", noop);
  if (!body.destroyed) body.destroy();
}
