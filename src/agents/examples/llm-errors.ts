/**
 * How the LLM agent reports a model that failed: every `openai` SDK error (and a stream that breaks,
 * lies or overflows) becomes an {@link AgentError} with an OmniForge code, whose message — the failed
 * task's status text, which reaches the users of every tenant — says only the code, the HTTP status
 * and what it means. It never names the endpoint nor quotes the server (whose words may echo part of
 * the key): those go to the operator's log (`llmFailureDetail`, scrubbed), with the endpoint in the
 * error's context.
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
import { LlmStreamError } from "./llm-fetch.js";

/** What an error message may say about the request that failed. */
export interface LlmErrorContext {
  /** The endpoint's origin (no path, no credentials), e.g. `http://localhost:11434`: context, not message. */
  readonly endpoint: string;
  readonly model: string;
  /** Scrubbed from the server's words before they are logged. */
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

// Shapes of common API keys and tokens: sk-/pk-/rk- (OpenAI, Stripe, Anthropic...), xai-, Google's
// AIza..., Groq's gsk_, Hugging Face's hf_, GitHub's ghp_/github_pat_, AWS's AKIA..., JWTs.
const KEY_SHAPES = [
  /\b(?:sk|pk|rk|xai)-[A-Za-z0-9_*.-]{6,}/gi,
  /\bAIza[0-9A-Za-z_-]{8,}/g,
  /\b(?:gsk|hf|ghp|gho|ghs|github_pat|glpat)_[A-Za-z0-9_]{8,}/gi,
  /\bAKIA[0-9A-Z]{12,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9._-]+/g,
];

/** The shortest run of the key's characters treated as (part of) the key. */
const KEY_FRAGMENT_CHARS = 8;

/**
 * Removes the API key from text a server sent: the key itself and any run of 8 or more of its
 * characters, in any letter case, then anything shaped like a common key, and bearer tokens.
 */
export function scrubSecrets(text: string, apiKey: string | undefined): string {
  let scrubbed = apiKey ? redactFragments(text, apiKey) : text;
  for (const shape of KEY_SHAPES) scrubbed = scrubbed.replace(shape, "[REDACTED]");
  return scrubbed.replace(/(bearer\s+)(?!\[REDACTED\])\S+/gi, "$1[REDACTED]");
}

/** `text` with every run that matches a fragment (>= 8 chars, or the whole shorter key) of `key` redacted. */
function redactFragments(text: string, key: string): string {
  const lowerText = text.toLowerCase();
  const lowerKey = key.toLowerCase();
  // toLowerCase keeps the length of ASCII text; for anything else, fall back to the exact key only.
  if (lowerText.length !== text.length || lowerKey.length !== key.length)
    return text.split(key).join("[REDACTED]");
  const size = Math.min(KEY_FRAGMENT_CHARS, lowerKey.length);
  const hidden = new Uint8Array(text.length);
  for (let start = 0; start + size <= lowerKey.length; start += 1) {
    const fragment = lowerKey.slice(start, start + size);
    for (let at = lowerText.indexOf(fragment); at !== -1; at = lowerText.indexOf(fragment, at + 1)) {
      hidden.fill(1, at, at + size);
    }
  }
  let out = "";
  for (let i = 0; i < text.length; i += 1) {
    if (hidden[i] === 0) out += text[i];
    else if (i === 0 || hidden[i - 1] === 0) out += "[REDACTED]";
  }
  return out;
}

/**
 * What the model server said about a failure, for the operator's debug log only: its error message
 * (or the reason a response was refused), scrubbed of the key and cut short; undefined when none.
 */
export function llmFailureDetail(error: unknown, apiKey: string | undefined): string | undefined {
  let raw = "";
  const stream = streamErrorIn(error);
  if (stream !== undefined) raw = stream.detail;
  else if (error instanceof APIError) {
    const body = error.error as { message?: unknown } | undefined;
    raw = typeof body?.message === "string" ? body.message : error.message;
  }
  const flat = scrubSecrets(raw.slice(0, 4 * MAX_LLM_ERROR_DETAIL_CHARS), apiKey)
    .replace(/\s+/g, " ")
    .trim();
  if (flat === "") return undefined;
  return flat.length <= MAX_LLM_ERROR_DETAIL_CHARS
    ? flat
    : `${flat.slice(0, MAX_LLM_ERROR_DETAIL_CHARS - 1)}…`;
}

/** The LlmStreamError somewhere in an error's cause chain. */
function streamErrorIn(error: unknown): LlmStreamError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth += 1) {
    if (current instanceof LlmStreamError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
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
    `the model server did not start answering within ${context.timeoutMs} ms`,
    context,
    { cause },
  );
}

/** The model sent nothing more of its answer for `idleTimeoutMs`. */
export function llmIdleTimeout(context: LlmErrorContext, idleTimeoutMs: number): AgentError {
  return fail(
    ErrorCode.AGENT_TIMEOUT,
    `the model server sent no more of its answer for ${idleTimeoutMs} ms`,
    context,
  );
}

/** The stream ended without the model saying it had finished (no `finish_reason`). */
export function llmTruncated(context: LlmErrorContext): AgentError {
  return fail(
    ErrorCode.AGENT_PROTOCOL_ERROR,
    "the model's stream ended before the answer was finished",
    context,
  );
}

function streamFault(error: LlmStreamError, context: LlmErrorContext): AgentError {
  const text =
    error.fault === "not-event-stream"
      ? "the model server's answer is not an event stream (is the base URL an OpenAI-compatible API?)"
      : error.fault === "line-too-long"
        ? `the model's stream has a line longer than ${error.limitBytes ?? 0} bytes`
        : `the model's stream is longer than ${error.limitBytes ?? 0} bytes`;
  return fail(ErrorCode.AGENT_PROTOCOL_ERROR, text, context, { cause: error });
}

/** Maps whatever the SDK (or the stream under it) threw to a typed, key-free AgentError. */
export function llmError(error: unknown, context: LlmErrorContext, phase: LlmPhase): AgentError {
  const { model } = context;
  const refused = streamErrorIn(error);
  if (refused !== undefined && !(error instanceof APIError && error.status !== undefined)) {
    return streamFault(refused, context);
  }
  if (error instanceof APIConnectionTimeoutError) return llmTimeout(context, error);
  if (error instanceof APIConnectionError) {
    const code = systemCode(error);
    return fail(
      ErrorCode.AGENT_UNAVAILABLE,
      `could not reach the model server${code ? ` (${code})` : ""}`,
      context,
      { cause: error },
    );
  }
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
    return fail(
      ErrorCode.CONFIGURATION_ERROR,
      `the model server refused the API key (HTTP ${error.status}); check OMNIFORGE_LLM_API_KEY`,
      context,
      { cause: error, httpStatus: error.status },
    );
  }
  if (error instanceof NotFoundError) {
    return fail(
      ErrorCode.CONFIGURATION_ERROR,
      `the model server has no model "${model}" or no chat completions API (HTTP 404); check OMNIFORGE_LLM_MODEL and OMNIFORGE_LLM_BASE_URL`,
      context,
      { cause: error, httpStatus: 404 },
    );
  }
  if (error instanceof RateLimitError) {
    return fail(
      ErrorCode.AGENT_UNAVAILABLE,
      "the model server is rate limiting requests (HTTP 429); try again later",
      context,
      { cause: error, httpStatus: 429 },
    );
  }
  if (error instanceof InternalServerError) {
    return fail(ErrorCode.AGENT_UNAVAILABLE, `the model server failed (HTTP ${error.status})`, context, {
      cause: error,
      httpStatus: error.status,
    });
  }
  if (error instanceof APIError) {
    const status = error.status;
    if (status !== undefined && status >= 300 && status < 400) {
      return fail(
        ErrorCode.CONFIGURATION_ERROR,
        `the model server answered with a redirect (HTTP ${status}), which the agent does not follow; set OMNIFORGE_LLM_BASE_URL to the final address`,
        context,
        { cause: error, httpStatus: status },
      );
    }
    return fail(
      ErrorCode.AGENT_PROTOCOL_ERROR,
      status === undefined
        ? "the model server reported an error in its stream"
        : `the model server refused the request (HTTP ${status})`,
      context,
      { cause: error, ...(status !== undefined ? { httpStatus: status } : {}) },
    );
  }
  if (error instanceof SyntaxError) {
    return fail(
      ErrorCode.AGENT_PROTOCOL_ERROR,
      "the model server sent a malformed stream (a chunk that is not JSON)",
      context,
      { cause: error },
    );
  }
  if (phase === "stream") {
    // undici's "terminated" and friends: the connection broke under the stream.
    const code = systemCode(error);
    return fail(
      ErrorCode.AGENT_UNAVAILABLE,
      `the connection to the model server broke during the answer${code ? ` (${code})` : ""}`,
      context,
      { cause: error },
    );
  }
  return fail(ErrorCode.AGENT_PROTOCOL_ERROR, "the request to the model server failed", context, {
    cause: error,
  });
}
