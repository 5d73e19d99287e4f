/**
 * One OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, LM Studio...) seen through
 * the `openai` SDK: `stream()` yields the answer's text as the model produces it, honours the
 * caller's AbortSignal (the HTTP request is aborted, so the server stops generating), bounds the
 * wait for the first byte (`timeoutMs`, the SDK's) and every silence after it (`idleTimeoutMs`,
 * ours: the SDK's timeout ends once the headers arrive), stops reading (and aborts the request) once
 * the answer reaches `maxAnswerBytes`, and throws typed errors (llm-errors.ts). Its `fetch` refuses
 * redirects, caps `retry-after` and bounds what it reads (llm-fetch.ts).
 */
import OpenAI from "openai";
import type { ChatMessage } from "./llm-prompt.js";
import { MAX_LLM_RETRY_AFTER_MS } from "./llm-defaults.js";
import { isOrchestrationError } from "../../errors.js";
import {
  llmError,
  llmFailureDetail,
  llmIdleTimeout,
  llmTruncated,
  type LlmErrorContext,
  type LlmPhase,
} from "./llm-errors.js";
import { DEFAULT_LLM_FETCH_LIMITS, guardedFetch } from "./llm-fetch.js";

/** Construction input of {@link LlmChat}. */
export interface LlmChatConfig {
  /** The API's base URL, e.g. `http://localhost:11434/v1` (chat completions at `{baseUrl}/chat/completions`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer ...`; without it no Authorization header is sent. */
  apiKey?: string | undefined;
  model: string;
  maxTokens: number;
  temperature?: number | undefined;
  timeoutMs: number;
  idleTimeoutMs: number;
  maxRetries: number;
  /** Most bytes (UTF-8) of one answer; the request is aborted when it is reached. */
  maxAnswerBytes: number;
  /** The agent's id, for error context. */
  agentId: string;
}

/** What one streamed answer ended with. */
export interface LlmStreamEnd {
  /** The model's `finish_reason` ("stop", "length", ...); "answer_limit" when `maxAnswerBytes` cut it. */
  finishReason: string;
}

/** The `finishReason` of an answer the agent cut at `maxAnswerBytes`. */
export const ANSWER_LIMIT_REACHED = "answer_limit";

/** The longest prefix of `text` that fits in `bytes` bytes of UTF-8 (no code point split). */
function fitting(text: string, bytes: number): string {
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(bytes));
  return text.slice(0, read);
}

// The SDK insists on some credential; a keyless server (Ollama) gets none: the header is removed.
const NO_KEY = "omniforge-no-key";

/** A chat-completions client for one endpoint and model. */
export class LlmChat {
  readonly #client: OpenAI;
  readonly #config: Readonly<LlmChatConfig>;
  readonly #errors: LlmErrorContext;

  constructor(config: LlmChatConfig) {
    this.#config = Object.freeze({ ...config });
    const keyed = config.apiKey !== undefined && config.apiKey !== "";
    this.#client = new OpenAI({
      baseURL: config.baseUrl,
      apiKey: keyed ? config.apiKey : NO_KEY,
      // Explicit, so that OPENAI_* variables meant for something else are never sent along.
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      ...(keyed ? {} : { defaultHeaders: { Authorization: null } }),
      timeout: config.timeoutMs,
      maxRetries: config.maxRetries,
      fetch: guardedFetch({
        ...DEFAULT_LLM_FETCH_LIMITS,
        maxRetryAfterMs: Math.min(MAX_LLM_RETRY_AFTER_MS, config.timeoutMs),
      }),
      // The SDK would print unparseable chunks (and more) to the console.
      logLevel: "off",
    });
    this.#errors = {
      endpoint: new URL(config.baseUrl).origin,
      model: config.model,
      apiKey: keyed ? config.apiKey : undefined,
      agentId: config.agentId,
      timeoutMs: config.timeoutMs,
    };
  }

  /** The endpoint's origin, for the operator's logs (no path, no credentials). */
  get endpoint(): string {
    return this.#errors.endpoint;
  }

  /** What the server said about a failure this client threw, scrubbed, for the operator's debug log. */
  failureDetail(error: unknown): string | undefined {
    return llmFailureDetail(isOrchestrationError(error) ? error.cause : error, this.#errors.apiKey);
  }

  /**
   * Streams the model's answer to `messages`, piece by piece. Returns how it finished; returns early
   * (without throwing) when `signal` fires. Throws AgentError: AGENT_UNAVAILABLE, AGENT_TIMEOUT,
   * AGENT_PROTOCOL_ERROR or CONFIGURATION_ERROR (see llm-errors.ts).
   */
  async *stream(
    messages: readonly ChatMessage[],
    signal: AbortSignal,
  ): AsyncGenerator<string, LlmStreamEnd | undefined, undefined> {
    const { model, maxTokens, temperature, idleTimeoutMs, maxAnswerBytes } = this.#config;
    const idle = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const watch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), idleTimeoutMs);
    };
    const requestSignal = AbortSignal.any([signal, idle.signal]);
    let phase: LlmPhase = "request";
    let finishReason: string | undefined;
    let bytes = 0;
    try {
      const stream = await this.#client.chat.completions.create(
        {
          model,
          messages: messages.map((message) => ({ role: message.role, content: message.content })),
          stream: true,
          max_tokens: maxTokens,
          ...(temperature !== undefined ? { temperature } : {}),
        },
        { signal: requestSignal },
      );
      phase = "stream";
      watch();
      // The SDK ends this loop quietly when the request is aborted: the signals say why.
      for await (const chunk of stream) {
        watch();
        const choice = (chunk.choices as typeof chunk.choices | undefined)?.[0];
        const content = choice?.delta?.content;
        if (typeof content === "string" && content !== "") {
          const size = Buffer.byteLength(content);
          if (bytes + size > maxAnswerBytes) {
            const rest = fitting(content, maxAnswerBytes - bytes);
            if (rest !== "") yield rest;
            // Leaving the loop closes the SDK's stream, which aborts the request.
            finishReason = ANSWER_LIMIT_REACHED;
            break;
          }
          bytes += size;
          yield content;
        }
        if (choice?.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (error) {
      if (signal.aborted) return undefined;
      if (idle.signal.aborted) throw llmIdleTimeout(this.#errors, idleTimeoutMs);
      throw llmError(error, this.#errors, phase);
    } finally {
      clearTimeout(timer);
    }
    if (signal.aborted) return undefined;
    if (idle.signal.aborted) throw llmIdleTimeout(this.#errors, idleTimeoutMs);
    if (finishReason === undefined) throw llmTruncated(this.#errors);
    return { finishReason };
  }
}
