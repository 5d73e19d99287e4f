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
/** Threads whose history is kept in memory (least recently used forgotten first). */
export const MAX_LLM_THREADS_REMEMBERED = 1_000;
/** Longest excerpt of an earlier agent's answer (a sequential chain) put into the prompt. */
export const MAX_LLM_PREVIOUS_RESULT_CHARS = 1_000;
/** Longest excerpt of the model server's own error message quoted in a task failure. */
export const MAX_LLM_ERROR_DETAIL_CHARS = 300;
