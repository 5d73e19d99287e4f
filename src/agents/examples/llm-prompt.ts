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
  MAX_LLM_THREADS_PER_TENANT,
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
  /** Threads of one tenant remembered. Default {@link MAX_LLM_THREADS_PER_TENANT}. */
  maxThreadsPerTenant?: number;
  /** Threads remembered over all tenants. Default {@link MAX_LLM_THREADS_REMEMBERED}. */
  maxThreads?: number;
}

/** Whose conversation an exchange belongs to, as the caller's metadata says. */
export interface ThreadKey {
  readonly tenantId: string | undefined;
  readonly userId: string | undefined;
  readonly threadId: string;
}

/**
 * The recent exchanges of each thread, in memory: what the agent has seen of a conversation (an A2A
 * message carries only the new question). Keyed by tenant, user and thread, so a caller naming
 * another user's thread id reads nothing of it; bounded per thread (an exchange too long by itself is
 * kept shortened), in threads per tenant (one tenant's traffic forgets only its own threads) and in
 * threads overall, least recently used forgotten first. Lost on restart.
 */
export class ConversationMemory {
  readonly #maxTurns: number;
  readonly #maxChars: number;
  readonly #maxPerTenant: number;
  readonly #maxThreads: number;
  // Both maps are in least-recently-used-first order.
  readonly #threads = new Map<string, { tenant: string; exchanges: Exchange[] }>();
  readonly #tenants = new Map<string, Set<string>>();

  constructor(config: ConversationMemoryConfig = {}) {
    this.#maxTurns = config.maxTurns ?? DEFAULT_LLM_HISTORY_TURNS;
    this.#maxChars = config.maxChars ?? MAX_LLM_HISTORY_CHARS;
    this.#maxPerTenant = config.maxThreadsPerTenant ?? MAX_LLM_THREADS_PER_TENANT;
    this.#maxThreads = config.maxThreads ?? MAX_LLM_THREADS_REMEMBERED;
  }

  /** The thread's kept exchanges, oldest first. */
  history(thread: ThreadKey): Exchange[] {
    const key = keyOf(thread);
    const entry = this.#threads.get(key);
    if (entry === undefined) return [];
    this.#touch(key, entry);
    return [...entry.exchanges];
  }

  /** Remembers one finished exchange, dropping the thread's oldest ones past the bounds. */
  remember(thread: ThreadKey, exchange: Exchange): void {
    if (this.#maxTurns === 0) return;
    const key = keyOf(thread);
    const entry = this.#threads.get(key) ?? { tenant: thread.tenantId ?? "", exchanges: [] };
    const exchanges = entry.exchanges;
    exchanges.push(this.#fit(exchange));
    let chars = exchanges.reduce((sum, item) => sum + item.question.length + item.answer.length, 0);
    while (exchanges.length > this.#maxTurns || (exchanges.length > 1 && chars > this.#maxChars)) {
      const dropped = exchanges.shift();
      if (dropped !== undefined) chars -= dropped.question.length + dropped.answer.length;
    }
    this.#touch(key, entry);
    const tenant = this.#tenants.get(entry.tenant);
    if (tenant !== undefined && tenant.size > this.#maxPerTenant) this.#forget(tenant.values().next().value);
    while (this.#threads.size > this.#maxThreads) this.#forget(this.#threads.keys().next().value);
  }

  /**
   * The exchange, or, when it is over the thread's whole budget by itself, cut to half of it (the
   * question to a quarter, the answer to the rest), leaving room for the exchanges before it.
   */
  #fit(exchange: Exchange): Exchange {
    if (exchange.question.length + exchange.answer.length <= this.#maxChars) return { ...exchange };
    const half = Math.max(2, Math.floor(this.#maxChars / 2));
    const question = excerpt(exchange.question, Math.max(1, Math.floor(half / 2)));
    const answer = excerpt(exchange.answer, Math.max(1, half - question.length));
    return { question, answer };
  }

  #touch(key: string, entry: { tenant: string; exchanges: Exchange[] }): void {
    this.#threads.delete(key);
    this.#threads.set(key, entry);
    let tenant = this.#tenants.get(entry.tenant);
    if (tenant === undefined) {
      tenant = new Set();
      this.#tenants.set(entry.tenant, tenant);
    }
    tenant.delete(key);
    tenant.add(key);
  }

  #forget(key: string | undefined): void {
    if (key === undefined) return;
    const entry = this.#threads.get(key);
    if (entry === undefined) return;
    this.#threads.delete(key);
    const tenant = this.#tenants.get(entry.tenant);
    tenant?.delete(key);
    if (tenant?.size === 0) this.#tenants.delete(entry.tenant);
  }
}

function keyOf(thread: ThreadKey): string {
  return JSON.stringify([thread.tenantId ?? "", thread.userId ?? "", thread.threadId]);
}
