/**
 * The LLM agent: "your own LLM agent" in a few lines of serveAgent. It answers questions about
 * OmniForge with a language model behind any OpenAI-compatible chat-completions endpoint (OpenAI,
 * Ollama, vLLM, LM Studio...): for each message it retrieves passages from the bundled docs (the same
 * BM25 index as the knowledge agent), puts them in the prompt under their source names with the
 * thread's recent exchanges, asks the model to cite its sources, and streams the model's tokens as
 * A2A chunks as they arrive. Cancelling the task (or the client going away) aborts the model's
 * request; a model that fails ends the task FAILED with an OmniForge error code, and neither the
 * endpoint nor the server's words (those go to the operator's log).
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigurationError, isOrchestrationError } from "../../errors.js";
import { parseConfig } from "../../validation.js";
import type { AgentSkill } from "../../a2a/agent-card.js";
import {
  serveAgent,
  type AgentMessageContext,
  type AgentOutput,
  type ServedAgent,
} from "../../a2a/server/serve-agent.js";
import type { RequestAuthenticator } from "../../a2a/server/fastify-adapter.js";
import { PassageIndex, type SearchHit } from "./document-search.js";
import { exampleAgentConfigShape, type ExampleAgentConfig } from "./example-agent.js";
import { KNOWLEDGE_DOCS_DIR } from "./knowledge-agent.js";
import { ANSWER_LIMIT_REACHED, LlmChat } from "./llm-chat.js";
import {
  DEFAULT_LLM_HISTORY_TURNS,
  DEFAULT_LLM_IDLE_TIMEOUT_MS,
  DEFAULT_LLM_MAX_PASSAGES,
  DEFAULT_LLM_MAX_RETRIES,
  DEFAULT_LLM_MAX_TOKENS,
  DEFAULT_LLM_TIMEOUT_MS,
  MAX_LLM_MAX_ANSWER_BYTES,
  MAX_LLM_RETRIES,
  defaultMaxAnswerBytes,
} from "./llm-defaults.js";
import { ConversationMemory, DEFAULT_LLM_INSTRUCTIONS, buildChatMessages } from "./llm-prompt.js";

/** The LLM agent's id (its card's `identity.id`). */
export const LLM_AGENT_ID = "llm-agent";

/** Options of {@link startLlmAgent}. */
export interface LlmAgentConfig extends ExampleAgentConfig {
  /**
   * The OpenAI-compatible API's base URL: `https://api.openai.com/v1`, Ollama `http://localhost:11434/v1`,
   * LM Studio `http://localhost:1234/v1`, vLLM `http://localhost:8000/v1`.
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; leave it out for servers that need none (Ollama). Never logged. */
  apiKey?: string;
  /** The model to ask, e.g. `gpt-4o-mini`, `llama3.1`. */
  model: string;
  /** Directory of `*.md` documents to retrieve passages from. Default: the bundled OmniForge docs. */
  docsDir?: string | URL;
  /** Passages put into one prompt (0-10; 0 sends none). Default 4. */
  maxPassages?: number;
  /** Most tokens of one answer (`max_tokens`). Default 1,024. */
  maxTokens?: number;
  /**
   * Most bytes (UTF-8) of one answer, whatever the model does with `max_tokens`: at the bound the
   * request is aborted and the answer ends saying it was cut. Default the larger of 64 KiB and
   * 16 bytes per token of `maxTokens`; at most 4 MiB.
   */
  maxAnswerBytes?: number;
  /** Sampling temperature (0-2). Default: the model's own. */
  temperature?: number;
  /** How long the model may take to start answering, per attempt (ms). Default 120,000. */
  timeoutMs?: number;
  /** Longest silence allowed inside a streamed answer (ms). Default 30,000. */
  idleTimeoutMs?: number;
  /** Retries of a request that failed before streaming (connection, 408/409/429/5xx), 0-5. Default 1. */
  maxRetries?: number;
  /** Earlier exchanges of the thread the model sees again (0-50; 0: none). Default 6. */
  historyTurns?: number;
  /** The system prompt. Default: answer from the passages, cite them as `[file.md § Heading]`. */
  instructions?: string;
  /**
   * Decides from a request's headers whether to serve it (serveAgent's `authenticate`), e.g. check
   * the bearer token the orchestrator sends. The agent trusts the tenant, user and thread its caller
   * names: anyone who can reach it unauthenticated can read a thread's history by naming it.
   */
  authenticate?: RequestAuthenticator;
}

const llmAgentConfigSchema = z.object({
  ...exampleAgentConfigShape,
  baseUrl: z
    .string({ error: "must be a string" })
    .refine(isHttpUrl, "must be an http(s) URL, e.g. http://localhost:11434/v1"),
  apiKey: z.string({ error: "must be a string" }).optional(),
  model: z.string({ error: "must be a string" }).trim().min(1, "must not be empty"),
  docsDir: z.union([z.string().min(1), z.instanceof(URL)]).optional(),
  maxPassages: z.number().int().min(0).max(10).optional(),
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  maxAnswerBytes: z.number().int().min(1).max(MAX_LLM_MAX_ANSWER_BYTES).optional(),
  temperature: z.number().min(0).max(2).optional(),
  timeoutMs: z.number().int().min(1).optional(),
  idleTimeoutMs: z.number().int().min(1).optional(),
  maxRetries: z.number().int().min(0).max(MAX_LLM_RETRIES).optional(),
  historyTurns: z.number().int().min(0).max(50).optional(),
  instructions: z.string().trim().min(1, "must not be empty").optional(),
  authenticate: z
    .custom<RequestAuthenticator>((value) => typeof value === "function", "must be a function")
    .optional(),
});

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

const LLM_AGENT_SKILLS: AgentSkill[] = [
  {
    id: "answer-from-docs",
    name: "Answer from the OmniForge docs",
    description:
      "Retrieves the best passages of the OmniForge documentation (BM25) and has a language model answer from them, citing each source as [file.md § Heading]; the answer streams as it is generated",
    tags: ["llm", "rag", "documentation", "omniforge", "streaming"],
    examples: [
      "How do I hand a conversation over to a specialist agent?",
      "Explain the FIRST_SUCCESS strategy in two sentences.",
    ],
  },
  {
    id: "follow-up",
    name: "Follow-up questions",
    description:
      "Remembers the thread's recent exchanges, so a follow-up question can build on the last answer",
    tags: ["llm", "chat", "multi-turn"],
    examples: ["And how do I cancel it?", "Show that as TypeScript."],
  },
];

interface LlmAgentParts {
  readonly chat: LlmChat;
  readonly index: PassageIndex;
  readonly memory: ConversationMemory;
  readonly instructions: string;
  readonly maxPassages: number;
  readonly maxTokens: number;
  readonly maxAnswerBytes: number;
  readonly logger: ExampleAgentConfig["logger"];
}

/** The passages for a question; a follow-up that matches nothing is searched with the last question too. */
function retrieve(parts: LlmAgentParts, question: string, lastQuestion: string | undefined): SearchHit[] {
  if (parts.maxPassages === 0) return [];
  const hits = parts.index.search(question, { limit: parts.maxPassages });
  if (hits.length > 0 || lastQuestion === undefined) return hits;
  return parts.index.search(`${lastQuestion} ${question}`, { limit: parts.maxPassages });
}

async function* answer(
  ctx: AgentMessageContext,
  parts: LlmAgentParts,
): AsyncGenerator<AgentOutput, void, undefined> {
  const question = ctx.text.trim();
  if (question === "") {
    yield `Ask me a question about OmniForge, for example: "${LLM_AGENT_SKILLS[0]?.examples?.[0] ?? ""}"`;
    return;
  }
  const thread = { tenantId: ctx.tenantId, userId: ctx.userId, threadId: ctx.threadId };
  const history = parts.memory.history(thread);
  const hits = retrieve(parts, question, history.at(-1)?.question);
  const messages = buildChatMessages({
    instructions: parts.instructions,
    history,
    question,
    hits,
    previousResults: ctx.previousResults,
  });
  const started = performance.now();
  const log = { taskId: ctx.taskId, threadId: ctx.threadId, tenantId: ctx.tenantId };
  parts.logger?.debug({ ...log, passages: hits.length, historyTurns: history.length }, "llm request");
  let text = "";
  let pieces = 0;
  const stream = parts.chat.stream(messages, ctx.signal);
  try {
    let step = await stream.next();
    while (step.done !== true) {
      text += step.value;
      pieces += 1;
      yield step.value;
      step = await stream.next();
    }
    const end = step.value;
    if (end === undefined) {
      parts.logger?.debug({ ...log, pieces }, "llm request aborted");
      return;
    }
    parts.logger?.info(
      {
        ...log,
        pieces,
        finishReason: end.finishReason,
        latencyMs: Math.round(performance.now() - started),
      },
      "llm answer streamed",
    );
    if (text.trim() === "") {
      ctx.decline("The model returned an empty answer.");
      return;
    }
    const cut =
      end.finishReason === "length"
        ? `\n\n(The answer was cut at the ${parts.maxTokens}-token limit.)`
        : end.finishReason === ANSWER_LIMIT_REACHED
          ? `\n\n(The answer was cut at the ${parts.maxAnswerBytes}-byte limit.)`
          : "";
    if (cut !== "") {
      text += cut;
      yield cut;
    }
    parts.memory.remember(thread, { question, answer: text });
  } catch (error) {
    parts.logger?.warn(
      {
        ...log,
        pieces,
        code: isOrchestrationError(error) ? error.code : undefined,
        httpStatus: isOrchestrationError(error) ? error.context.httpStatus : undefined,
        endpoint: parts.chat.endpoint,
        latencyMs: Math.round(performance.now() - started),
      },
      "llm request failed",
    );
    const detail = parts.chat.failureDetail(error);
    if (detail !== undefined)
      parts.logger?.debug({ ...log, endpoint: parts.chat.endpoint, detail }, "llm server said");
    throw error;
  } finally {
    // A consumer that stops early (the turn was stopped) ends the model's request too.
    await stream.return(undefined);
  }
}

/**
 * Starts the LLM agent (`llm-agent`): a real A2A agent that answers with the model at `baseUrl`,
 * grounded in the bundled OmniForge docs (or `docsDir`), streaming the model's tokens as they come.
 *
 * @example
 * ```ts
 * await using llm = await startLlmAgent({ baseUrl: "http://localhost:11434/v1", model: "llama3.1" });
 * for await (const chunk of router.routeMessage({ ... })) process.stdout.write(chunk); // with defaultAgents: [llm.card]
 * ```
 */
export async function startLlmAgent(config: LlmAgentConfig): Promise<ServedAgent> {
  if (typeof config !== "object" || config === null) {
    throw new ConfigurationError("config: startLlmAgent needs { baseUrl, model } (and apiKey if required)", {
      context: { field: "config" },
    });
  }
  const parsed = parseConfig(llmAgentConfigSchema, config, "config");
  const docsDir = parsed.docsDir ?? KNOWLEDGE_DOCS_DIR;
  const index = await PassageIndex.fromDirectory({ dir: docsDir });
  const timeoutMs = parsed.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
  const maxTokens = parsed.maxTokens ?? DEFAULT_LLM_MAX_TOKENS;
  const maxAnswerBytes = parsed.maxAnswerBytes ?? defaultMaxAnswerBytes(maxTokens);
  const chat = new LlmChat({
    baseUrl: parsed.baseUrl.replace(/\/+$/, ""),
    apiKey: parsed.apiKey,
    model: parsed.model,
    maxTokens,
    temperature: parsed.temperature,
    timeoutMs,
    idleTimeoutMs: parsed.idleTimeoutMs ?? DEFAULT_LLM_IDLE_TIMEOUT_MS,
    maxRetries: parsed.maxRetries ?? DEFAULT_LLM_MAX_RETRIES,
    maxAnswerBytes,
    agentId: LLM_AGENT_ID,
  });
  const logger = parsed.logger;
  const parts: LlmAgentParts = {
    chat,
    index,
    memory: new ConversationMemory({ maxTurns: parsed.historyTurns ?? DEFAULT_LLM_HISTORY_TURNS }),
    instructions: parsed.instructions ?? DEFAULT_LLM_INSTRUCTIONS,
    maxPassages: parsed.maxPassages ?? DEFAULT_LLM_MAX_PASSAGES,
    maxTokens,
    maxAnswerBytes,
    logger,
  };
  logger?.info(
    {
      agentId: LLM_AGENT_ID,
      endpoint: chat.endpoint,
      model: parsed.model,
      apiKey: parsed.apiKey ? "set" : "none",
      docsDir: docsDir instanceof URL ? fileURLToPath(docsDir) : docsDir,
      passages: index.passages.length,
    },
    "llm agent configured",
  );
  return serveAgent({
    card: {
      identity: {
        id: LLM_AGENT_ID,
        name: "LLM Agent",
        description: `Answers questions about OmniForge with a language model (${parsed.model}), grounded in the OmniForge documentation and citing its sources`,
        version: "1.0.0",
      },
      skills: LLM_AGENT_SKILLS,
    },
    port: parsed.port ?? 0,
    host: parsed.host ?? "127.0.0.1",
    ...(logger ? { logger } : {}),
    ...(parsed.authenticate ? { authenticate: parsed.authenticate } : {}),
    handleMessage: (ctx) => answer(ctx, parts),
  });
}
