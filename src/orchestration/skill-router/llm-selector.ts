/**
 * The optional LLM stage of the skill router: one chat-completions call to any OpenAI-compatible
 * endpoint that sees the message, the last turns and the lexical model's top candidates, and answers
 * `{"agentId": <a candidate's id> | null, "reason": "..."}`. The answer is validated (JSON, the
 * shape, an id among the candidates); anything else is an error the router turns into its lexical
 * ranking. The API key goes to the endpoint only: never into a reason, an error or a log.
 */
import OpenAI from "openai";
import { z } from "zod";
import type { AgentCard } from "../../a2a/agent-card.js";
import { isOrchestrationError } from "../../errors.js";
import { linkSignals, throwIfAborted } from "../../observability.js";
import type { SelectorTurn } from "../agent-selector.js";

/** Where the LLM selector asks, and how long it waits. */
export interface LlmSelectorConfig {
  /** The API's base URL, e.g. `http://localhost:11434/v1` (chat completions at `{baseUrl}/chat/completions`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer ...`; without it no Authorization header is sent. */
  apiKey?: string | undefined;
  model: string;
  /** The whole call, after which the lexical ranking answers. Default 5000. */
  timeoutMs?: number | undefined;
  /** How many lexical candidates the model chooses among. Default 5. */
  candidates?: number | undefined;
}

export const DEFAULT_LLM_TIMEOUT_MS = 5_000;
export const DEFAULT_LLM_CANDIDATES = 5;

/** The model's choice, validated. */
export interface LlmChoice {
  agentId: string | null;
  reason: string;
}

/** Why the LLM's answer was not used; `kind` goes into the fallback's reason. */
export class LlmSelectorFailure extends Error {
  constructor(
    readonly kind: "timeout" | "error" | "invalid answer",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LlmSelectorFailure";
  }
}

const NO_KEY = "omniforge-no-key";
const HISTORY_TURNS = 4;
const TURN_CHARS = 500;
const DESCRIPTION_CHARS = 200;

const SYSTEM_PROMPT = [
  "You route a user's message to the agent that should answer it.",
  "You are given the message, the last turns of the conversation and candidate agents with their skills.",
  'Answer with one JSON object and nothing else: {"agentId": "<id of one candidate>", "reason": "<one short sentence>"}.',
  'If no candidate can handle the message, answer {"agentId": null, "reason": "..."}.',
  "A short follow-up usually belongs to the agent that answered the previous turn.",
].join("\n");

const choiceSchema = z.object({
  agentId: z.string().min(1).nullable(),
  reason: z.string().max(1_000).default(""),
});

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}...` : text);

function candidateSummary(card: AgentCard) {
  return {
    agentId: card.identity.id,
    name: card.identity.name,
    ...(card.identity.description ? { description: clip(card.identity.description, DESCRIPTION_CHARS) } : {}),
    skills: (card.skills ?? []).slice(0, 10).map((skill) => ({
      id: skill.id,
      name: skill.name,
      ...(skill.description ? { description: clip(skill.description, DESCRIPTION_CHARS) } : {}),
      ...(skill.tags?.length ? { tags: skill.tags.slice(0, 10) } : {}),
    })),
  };
}

/** The JSON object of a model's answer, tolerating a Markdown code fence around it. */
function jsonOf(content: string): unknown {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(content);
  return JSON.parse(fenced ? fenced[1]! : content);
}

export class LlmSelector {
  readonly #client: OpenAI;
  readonly #model: string;
  readonly timeoutMs: number;
  readonly candidates: number;

  constructor(config: LlmSelectorConfig) {
    const keyed = config.apiKey !== undefined && config.apiKey !== "";
    this.#model = config.model;
    this.timeoutMs = config.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;
    this.candidates = config.candidates ?? DEFAULT_LLM_CANDIDATES;
    this.#client = new OpenAI({
      baseURL: config.baseUrl,
      apiKey: keyed ? config.apiKey : NO_KEY,
      // Explicit, so that OPENAI_* variables meant for something else are never sent along.
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      ...(keyed ? {} : { defaultHeaders: { Authorization: null } }),
      maxRetries: 0,
      timeout: this.timeoutMs,
    });
  }

  /**
   * Asks the model to choose among `candidates`. Throws {@link LlmSelectorFailure} when it cannot
   * be used (error, timeout, an answer that is not a valid choice), AbortedError when `signal` fires.
   */
  async choose(input: {
    message: string;
    history?: readonly SelectorTurn[] | undefined;
    candidates: readonly AgentCard[];
    signal?: AbortSignal | undefined;
  }): Promise<LlmChoice> {
    throwIfAborted(input.signal);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.timeoutMs);
    const linked = linkSignals(input.signal, timeout.signal);
    let content: string | null | undefined;
    try {
      const completion = await this.#client.chat.completions.create(
        {
          model: this.#model,
          temperature: 0,
          response_format: { type: "json_object" },
          messages: [
            { role: "system", content: SYSTEM_PROMPT },
            { role: "user", content: JSON.stringify(this.#prompt(input)) },
          ],
        },
        { signal: linked.signal },
      );
      content = completion.choices?.[0]?.message?.content;
    } catch (error) {
      throwIfAborted(input.signal);
      if (timeout.signal.aborted || error instanceof OpenAI.APIConnectionTimeoutError)
        throw new LlmSelectorFailure("timeout", `no answer within ${this.timeoutMs} ms`, { cause: error });
      throw new LlmSelectorFailure("error", describe(error), { cause: error });
    } finally {
      clearTimeout(timer);
      linked.dispose();
    }
    return this.#validate(content, input.candidates);
  }

  #prompt(input: {
    message: string;
    history?: readonly SelectorTurn[] | undefined;
    candidates: readonly AgentCard[];
  }) {
    return {
      message: input.message,
      history: (input.history ?? []).slice(-HISTORY_TURNS).map((turn) => ({
        role: turn.role,
        ...(turn.agentId !== undefined ? { agentId: turn.agentId } : {}),
        text: clip(turn.text, TURN_CHARS),
      })),
      candidates: input.candidates.map(candidateSummary),
    };
  }

  #validate(content: string | null | undefined, candidates: readonly AgentCard[]): LlmChoice {
    if (typeof content !== "string" || content.trim() === "")
      throw new LlmSelectorFailure("invalid answer", "the model's answer is empty");
    let parsed: unknown;
    try {
      parsed = jsonOf(content);
    } catch {
      throw new LlmSelectorFailure("invalid answer", "the model's answer is not JSON");
    }
    const choice = choiceSchema.safeParse(parsed);
    if (!choice.success)
      throw new LlmSelectorFailure("invalid answer", 'the model\'s answer is not {"agentId", "reason"}');
    const { agentId, reason } = choice.data;
    if (agentId !== null && !candidates.some((card) => card.identity.id === agentId))
      throw new LlmSelectorFailure("invalid answer", "the model chose an agent that is not a candidate");
    return { agentId, reason: clip(reason.trim(), 300) };
  }
}

/** An error as a short phrase without secrets: the SDK's status and type, never headers or the body. */
function describe(error: unknown): string {
  if (error instanceof OpenAI.APIError && error.status !== undefined) return `HTTP ${error.status}`;
  if (error instanceof OpenAI.APIConnectionError) return "connection failed";
  if (isOrchestrationError(error)) return error.code;
  return error instanceof Error ? error.name : "unknown error";
}
