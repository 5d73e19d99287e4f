/**
 * What the LLM agent sends its model: the instructions, the thread's recent exchanges (kept by the
 * agent itself, bounded), and the user's question with the documentation passages retrieved for it,
 * each under its source name so the model can cite it. Plain functions and one small class, testable
 * without a socket.
 */
import type { PreviousResult } from "../../a2a/handoff-extension.js";
import type { SearchHit } from "./document-search.js";
import {
  DEFAULT_LLM_HISTORY_TURNS,
  MAX_LLM_HISTORY_CHARS,
  MAX_LLM_PASSAGE_CHARS,
  MAX_LLM_PREVIOUS_RESULT_CHARS,
  MAX_LLM_THREADS_REMEMBERED,
} from "./llm-defaults.js";

/** One chat message, in the chat-completions shape. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** One earlier question and the agent's answer to it. */
export interface Exchange {
  readonly question: string;
  readonly answer: string;
}

/** The instructions the model gets unless the agent is given its own. */
export const DEFAULT_LLM_INSTRUCTIONS = [
  "You are the OmniForge assistant, one agent of a multi-agent system built on the A2A protocol.",
  "Answer the user's question from the documentation passages given with it.",
  "Cite the source of every fact you take from a passage in square brackets, exactly as it is named, " +
    "for example [handoffs.md § Handoff states].",
  "If the passages do not answer the question, say so plainly; you may add what you know in general, " +
    "saying that it is not from the documentation. Never invent a source.",
  "Be concise and use Markdown.",
].join(" ");

function excerpt(text: string, maxChars: number): string {
  const flat = text.trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1).trimEnd()}…`;
}

/**
 * The last user message: the retrieved passages (numbered, each under `Source: file.md § Heading`),
 * what earlier agents of a sequential chain answered, and the question.
 */
export function renderQuestion(options: {
  question: string;
  hits: readonly SearchHit[];
  previousResults?: readonly PreviousResult[];
}): string {
  const sections: string[] = [];
  if (options.hits.length === 0) {
    sections.push("Documentation passages: none of the documentation matched this question.");
  } else {
    const passages = options.hits.map(
      (hit, index) =>
        `[${index + 1}] Source: ${hit.source}\n${excerpt(hit.passage.text, MAX_LLM_PASSAGE_CHARS)}`,
    );
    sections.push(`Documentation passages:\n\n${passages.join("\n\n")}`);
  }
  const previous = (options.previousResults ?? []).filter((result) => result.response.trim() !== "");
  if (previous.length > 0) {
    const lines = previous.map(
      (result) =>
        `- ${result.agentId}: ${excerpt(result.response.replace(/\s+/g, " "), MAX_LLM_PREVIOUS_RESULT_CHARS)}`,
    );
    sections.push(`Earlier agents answered this question as follows:\n${lines.join("\n")}`);
  }
  sections.push(`Question: ${options.question}`);
  return sections.join("\n\n");
}

/** The whole conversation sent to the model for one question. */
export function buildChatMessages(options: {
  instructions: string;
  history: readonly Exchange[];
  question: string;
  hits: readonly SearchHit[];
  previousResults?: readonly PreviousResult[];
}): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "system", content: options.instructions }];
  for (const exchange of options.history) {
    messages.push({ role: "user", content: exchange.question });
    messages.push({ role: "assistant", content: exchange.answer });
  }
  messages.push({
    role: "user",
    content: renderQuestion({
      question: options.question,
      hits: options.hits,
      ...(options.previousResults ? { previousResults: options.previousResults } : {}),
    }),
  });
  return messages;
}

/** Construction input of {@link ConversationMemory}. */
export interface ConversationMemoryConfig {
  /** Exchanges kept per thread (0 keeps none). Default {@link DEFAULT_LLM_HISTORY_TURNS}. */
  maxTurns?: number;
  /** Characters kept per thread, questions and answers together. Default {@link MAX_LLM_HISTORY_CHARS}. */
  maxChars?: number;
  /** Threads remembered, least recently used forgotten first. Default {@link MAX_LLM_THREADS_REMEMBERED}. */
  maxThreads?: number;
}

/**
 * The recent exchanges of each thread, in memory: what the agent has seen of a conversation (an A2A
 * message carries only the new question). Keyed by tenant and thread, so one tenant's thread never
 * reads another's; bounded per thread and in the number of threads. Lost on restart.
 */
export class ConversationMemory {
  readonly #maxTurns: number;
  readonly #maxChars: number;
  readonly #maxThreads: number;
  readonly #threads = new Map<string, Exchange[]>();

  constructor(config: ConversationMemoryConfig = {}) {
    this.#maxTurns = config.maxTurns ?? DEFAULT_LLM_HISTORY_TURNS;
    this.#maxChars = config.maxChars ?? MAX_LLM_HISTORY_CHARS;
    this.#maxThreads = config.maxThreads ?? MAX_LLM_THREADS_REMEMBERED;
  }

  /** The thread's kept exchanges, oldest first. */
  history(thread: { tenantId: string | undefined; threadId: string }): Exchange[] {
    const key = keyOf(thread);
    const exchanges = this.#threads.get(key);
    if (exchanges === undefined) return [];
    // Recently used threads are the last to be forgotten.
    this.#threads.delete(key);
    this.#threads.set(key, exchanges);
    return [...exchanges];
  }

  /** Remembers one finished exchange, dropping the thread's oldest ones past the bounds. */
  remember(thread: { tenantId: string | undefined; threadId: string }, exchange: Exchange): void {
    if (this.#maxTurns === 0) return;
    const key = keyOf(thread);
    const exchanges = this.#threads.get(key) ?? [];
    this.#threads.delete(key);
    exchanges.push({ question: exchange.question, answer: exchange.answer });
    let chars = exchanges.reduce((sum, item) => sum + item.question.length + item.answer.length, 0);
    while (exchanges.length > this.#maxTurns || (exchanges.length > 1 && chars > this.#maxChars)) {
      const dropped = exchanges.shift();
      if (dropped !== undefined) chars -= dropped.question.length + dropped.answer.length;
    }
    if (chars > this.#maxChars) return; // one exchange alone is too long to keep
    this.#threads.set(key, exchanges);
    while (this.#threads.size > this.#maxThreads) {
      const oldest = this.#threads.keys().next().value;
      if (oldest === undefined) break;
      this.#threads.delete(oldest);
    }
  }
}

function keyOf(thread: { tenantId: string | undefined; threadId: string }): string {
  return `${thread.tenantId ?? ""}\u0000${thread.threadId}`;
}
