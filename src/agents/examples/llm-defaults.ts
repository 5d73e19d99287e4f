/** Every default and bound of the LLM agent, in one place. */

/** Most tokens the model may produce for one answer (`max_tokens`). */
export const DEFAULT_LLM_MAX_TOKENS = 1_024;
/**
 * How long the model may take to start answering (the response headers), per attempt. Generous: a
 * local server may load the model into memory first.
 */
export const DEFAULT_LLM_TIMEOUT_MS = 120_000;
/** Longest silence allowed between two streamed pieces of one answer. */
export const DEFAULT_LLM_IDLE_TIMEOUT_MS = 30_000;
/** Retries of a request that failed before it streamed (connection errors, 408/409/429/5xx), with backoff. */
export const DEFAULT_LLM_MAX_RETRIES = 1;
/** The most retries that may be configured. */
export const MAX_LLM_RETRIES = 5;
/** Documentation passages put into one prompt. */
export const DEFAULT_LLM_MAX_PASSAGES = 4;
/** Longest passage text put into a prompt (characters). */
export const MAX_LLM_PASSAGE_CHARS = 2_000;
/** Earlier exchanges of the thread (question and answer) the model sees again. */
export const DEFAULT_LLM_HISTORY_TURNS = 6;
/** The most characters of one thread's history sent to the model (oldest exchanges go first). */
export const MAX_LLM_HISTORY_CHARS = 12_000;
/** Threads of one tenant whose history is kept in memory (its least recently used forgotten first). */
export const MAX_LLM_THREADS_PER_TENANT = 1_000;
/** Threads kept in memory over all tenants (least recently used forgotten first). */
export const MAX_LLM_THREADS_REMEMBERED = 4_000;
/** Longest excerpt of an earlier agent's answer (a sequential chain) put into the prompt. */
export const MAX_LLM_PREVIOUS_RESULT_CHARS = 1_000;
/** Longest excerpt of the model server's own error message put in the operator's debug log. */
export const MAX_LLM_ERROR_DETAIL_CHARS = 300;
/** The least default answer bound (bytes of UTF-8); the default is the larger of this and 16 bytes per token. */
export const MIN_DEFAULT_LLM_MAX_ANSWER_BYTES = 64 * 1024;
/** The most `maxAnswerBytes` may be set to (serveAgent refuses replies over 8 MiB). */
export const MAX_LLM_MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/** The answer bound for `maxTokens` when `maxAnswerBytes` is not set. */
export function defaultMaxAnswerBytes(maxTokens: number): number {
  return Math.min(MAX_LLM_MAX_ANSWER_BYTES, Math.max(MIN_DEFAULT_LLM_MAX_ANSWER_BYTES, maxTokens * 16));
}
/** Longest line of the model's event stream (one chunk of JSON) the agent reads. */
export const MAX_LLM_STREAM_LINE_BYTES = 1024 * 1024;
/** Most bytes of one streamed response, whatever it carries (keep-alive comments, empty chunks...). */
export const MAX_LLM_STREAM_BYTES = 64 * 1024 * 1024;
/** Most bytes of an error response's body read (the SDK reads it whole). */
export const MAX_LLM_ERROR_BODY_BYTES = 64 * 1024;
/** Longest wait before a retry, whatever the server's `retry-after` asks (and never over `timeoutMs`). */
export const MAX_LLM_RETRY_AFTER_MS = 5_000;
