/**
 * How the LLM agent reports a model that failed: every `openai` SDK error (and a stream that breaks
 * or lies) becomes an {@link AgentError} with an OmniForge code, whose message — the failed task's
 * status text, which reaches the user — starts with that code, names the endpoint, and never carries
 * the API key (the server's own words are quoted only after the key is scrubbed out of them).
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "openai";
import { AgentError, ErrorCode } from "../../errors.js";
import { MAX_LLM_ERROR_DETAIL_CHARS } from "./llm-defaults.js";

/** What an error message may say about the request that failed. */
export interface LlmErrorContext {
  /** The endpoint's origin (no path, no credentials), e.g. `http://localhost:11434`. */
  readonly endpoint: string;
  readonly model: string;
  /** Scrubbed from every quoted server message. */
  readonly apiKey: string | undefined;
  /** The agent's id, for the error's context. */
  readonly agentId: string;
  /** `timeoutMs` as configured, for the timeout's message. */
  readonly timeoutMs: number;
}

/** Where the request was when it failed: before the answer started streaming, or during it. */
export type LlmPhase = "request" | "stream";

function fail(
  code: ErrorCode,
  text: string,
  context: LlmErrorContext,
  options: { cause?: unknown; httpStatus?: number } = {},
): AgentError {
  return new AgentError(code, `${code}: ${text}`, {
    ...(options.cause !== undefined ? { cause: options.cause } : {}),
    context: {
      agentId: context.agentId,
      endpoint: context.endpoint,
      ...(options.httpStatus !== undefined ? { httpStatus: options.httpStatus } : {}),
    },
  });
}

/** Removes the API key (and anything shaped like a secret key) from text a server sent. */
export function scrubSecrets(text: string, apiKey: string | undefined): string {
  let scrubbed = apiKey ? text.split(apiKey).join("[REDACTED]") : text;
  scrubbed = scrubbed.replace(/\b(sk|pk|rk)-[A-Za-z0-9_*-]{8,}/g, "[REDACTED]");
  return scrubbed.replace(/(bearer\s+)\S+/gi, "$1[REDACTED]");
}

/** The server's own error message, scrubbed and cut short; "" when it sent none. */
function detailOf(error: APIError, apiKey: string | undefined): string {
  const body = error.error as { message?: unknown } | undefined;
  const message = typeof body?.message === "string" ? body.message : "";
  const flat = scrubSecrets(message, apiKey).replace(/\s+/g, " ").trim();
  if (flat === "") return "";
  const cut =
    flat.length <= MAX_LLM_ERROR_DETAIL_CHARS ? flat : `${flat.slice(0, MAX_LLM_ERROR_DETAIL_CHARS - 1)}…`;
  return `: ${cut}`;
}

/** The errno-style code (ECONNREFUSED, ENOTFOUND, ...) somewhere in an error's cause chain. */
function systemCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The model did not start answering in time (after the SDK's retries). */
export function llmTimeout(context: LlmErrorContext, cause?: unknown): AgentError {
  return fail(
    ErrorCode.AGENT_TIMEOUT,
    `the model at ${context.endpoint} did not start answering within ${context.timeoutMs} ms`,
    context,
    { cause },
  );
}

/** The model went silent in the middle of its answer. */
export function llmIdleTimeout(context: LlmErrorContext, idleTimeoutMs: number): AgentError {
  return fail(
    ErrorCode.AGENT_TIMEOUT,
    `the model at ${context.endpoint} stopped streaming its answer (nothing for ${idleTimeoutMs} ms)`,
    context,
  );
}

/** The stream ended without the model saying it had finished (no `finish_reason`). */
export function llmTruncated(context: LlmErrorContext): AgentError {
  return fail(
    ErrorCode.AGENT_PROTOCOL_ERROR,
    `the model's stream from ${context.endpoint} ended before the answer was finished`,
    context,
  );
}

/** Maps whatever the SDK (or the stream under it) threw to a typed, key-free AgentError. */
export function llmError(error: unknown, context: LlmErrorContext, phase: LlmPhase): AgentError {
  const { endpoint, model, apiKey } = context;
  if (error instanceof APIConnectionTimeoutError) return llmTimeout(context, error);
  if (error instanceof APIConnectionError) {
    const code = systemCode(error);
    return fail(
      ErrorCode.AGENT_UNAVAILABLE,
      `could not reach the model at ${endpoint}${code ? ` (${code})` : ""}`,
      context,
      { cause: error },
    );
  }
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
    // The server's words are not quoted: some echo (part of) the key they refused.
    return fail(
      ErrorCode.CONFIGURATION_ERROR,
      `the model at ${endpoint} refused the API key (HTTP ${error.status}); check OMNIFORGE_LLM_API_KEY`,
      context,
      { cause: error, httpStatus: error.status },
    );
  }
  if (error instanceof NotFoundError) {
    return fail(
      ErrorCode.CONFIGURATION_ERROR,
      `the model at ${endpoint} has no model "${model}" or no chat completions API (HTTP 404)${detailOf(error, apiKey)}; check OMNIFORGE_LLM_MODEL and OMNIFORGE_LLM_BASE_URL`,
      context,
      { cause: error, httpStatus: 404 },
    );
  }
  if (error instanceof RateLimitError) {
    return fail(
      ErrorCode.AGENT_UNAVAILABLE,
      `the model at ${endpoint} is rate limiting requests (HTTP 429)${detailOf(error, apiKey)}; try again later`,
      context,
      { cause: error, httpStatus: 429 },
    );
  }
  if (error instanceof InternalServerError) {
    return fail(
      ErrorCode.AGENT_UNAVAILABLE,
      `the model at ${endpoint} failed (HTTP ${error.status})${detailOf(error, apiKey)}`,
      context,
      { cause: error, httpStatus: error.status },
    );
  }
  if (error instanceof APIError) {
    const status = error.status;
    return fail(
      ErrorCode.AGENT_PROTOCOL_ERROR,
      status === undefined
        ? `the model at ${endpoint} reported an error in its stream${detailOf(error, apiKey)}`
        : `the model at ${endpoint} refused the request (HTTP ${status})${detailOf(error, apiKey)}`,
      context,
      { cause: error, ...(status !== undefined ? { httpStatus: status } : {}) },
    );
  }
  if (error instanceof SyntaxError) {
    return fail(
      ErrorCode.AGENT_PROTOCOL_ERROR,
      `the model at ${endpoint} sent a malformed stream (a chunk that is not JSON)`,
      context,
      { cause: error },
    );
  }
  if (phase === "stream") {
    // undici's "terminated" and friends: the connection broke under the stream.
    const code = systemCode(error);
    return fail(
      ErrorCode.AGENT_UNAVAILABLE,
      `the connection to the model at ${endpoint} broke during the answer${code ? ` (${code})` : ""}`,
      context,
      { cause: error },
    );
  }
  return fail(ErrorCode.AGENT_PROTOCOL_ERROR, `the request to the model at ${endpoint} failed`, context, {
    cause: error,
  });
}
