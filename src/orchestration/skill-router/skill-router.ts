/**
 * `SkillRouter`: the bundled {@link AgentSelector}. It ranks agents by their A2A skills with a
 * lexical model (BM25F over skill names, tags, descriptions and examples, stemmed, field-weighted,
 * with a small vocabulary of related words),
 * keeps a follow-up with the agent that answered the turn before it, and, when an LLM endpoint is
 * configured, lets a model choose among the best candidates (falling back to the lexical ranking).
 */
import { z } from "zod";
import { httpUrlSchema, parseAgentCard, type AgentCard } from "../../a2a/agent-card.js";
import { ConfigurationError } from "../../errors.js";
import { throwIfAborted } from "../../observability.js";
import { asConfigurationError, boundedText, LIMITS, parseConfig, parseInput } from "../../validation.js";
import type { AgentSelector, RankedAgent, SelectInput } from "../agent-selector.js";
import { isFollowUp, previousAgent } from "./follow-up.js";
import { LlmSelector, LlmSelectorFailure, type LlmSelectorConfig } from "./llm-selector.js";
import { DEFAULT_FIELD_WEIGHTS, SkillIndex, type FieldWeights, type SkillMatch } from "./skill-index.js";

/** Construction input of {@link SkillRouter}. */
export interface SkillRouterConfig {
  /** The agents to choose among, with their skills. Validated as `AgentCard`s; ids must be unique. */
  agents: readonly AgentCard[];
  /** An OpenAI-compatible endpoint that chooses among the lexical candidates. Default: none. */
  llm?: LlmSelectorConfig | undefined;
  /** An agent fits when its score is at least this (0..1). Default {@link DEFAULT_MIN_SCORE}. */
  minScore?: number | undefined;
  /** Candidates returned when a call gives no `limit`. Default 3. */
  limit?: number | undefined;
  /** Weights of the fields of a skill (relative). Default {@link DEFAULT_FIELD_WEIGHTS}. */
  weights?: Partial<FieldWeights> | undefined;
  /** To re-calibrate on a labelled set of your own. Default {@link SKILL_ROUTER_CALIBRATION}. */
  calibration?: Partial<SkillRouterCalibration> | undefined;
}

/** The numbers that turn BM25F evidence into scores and decisions. */
export interface SkillRouterCalibration {
  /** The raw BM25F score that maps to 0.5: a score is `raw / (raw + rawPivot)`. */
  rawPivot: number;
  /** A second agent is listed only when its raw score is at least this share of the best one's. */
  runnerUpShare: number;
  /** A follow-up leaves the agent that answered before only for one scoring at least this (0..1)... */
  switchScore: number;
  /** ...whose raw score is at least this multiple of the previous agent's. */
  switchRatio: number;
  /** BM25 term-frequency saturation. */
  bm25K: number;
  /** BM25 length normalization (0: none, 1: full). */
  bm25B: number;
  /**
   * Share of each further skill's evidence added to the best skill's (0: the best skill only; on the
   * tuning half, sharing 0.15-0.3 did not raise top-1).
   */
  otherSkills: number;
  /** What a related word (vocabulary.ts) counts beside the message's own words (0..1). */
  related: number;
}

/** Calibrated on the tuning half of `data/routing-eval` (see `scripts/eval-routing.ts`). */
export const SKILL_ROUTER_CALIBRATION: Readonly<SkillRouterCalibration> = Object.freeze({
  rawPivot: 5,
  runnerUpShare: 0.5,
  switchScore: 0.6,
  switchRatio: 1,
  bm25K: 1.2,
  bm25B: 0.7,
  otherSkills: 0,
  related: 0.5,
});

export const DEFAULT_MIN_SCORE = 0.5;
export const DEFAULT_SELECT_LIMIT = 3;
const MAX_AGENTS = 10_000;

const weightSchema = z.number().min(0).max(100).finite();
const configSchema = z.object({
  agents: z.array(z.unknown(), { error: "must be an array of agent cards" }).max(MAX_AGENTS),
  llm: z
    .object({
      baseUrl: httpUrlSchema,
      apiKey: z.string().max(8192).optional(),
      model: z.string({ error: "must be a string" }).min(1, "must not be empty").max(256),
      timeoutMs: z.number().int().min(1).max(600_000).optional(),
      candidates: z.number().int().min(1).max(20).optional(),
    })
    .strict()
    .optional(),
  minScore: z.number().gt(0, "must be > 0").lt(1, "must be < 1").optional(),
  limit: z.number().int().min(1).max(100).optional(),
  weights: z
    .object({
      skillName: weightSchema,
      tags: weightSchema,
      description: weightSchema,
      examples: weightSchema,
      agentName: weightSchema,
      agentDescription: weightSchema,
    })
    .partial()
    .strict()
    .optional(),
  calibration: z
    .object({
      rawPivot: z.number().gt(0).finite(),
      runnerUpShare: z.number().min(0).max(1),
      switchScore: z.number().min(0).max(1),
      switchRatio: z.number().min(1).finite(),
      bm25K: z.number().gt(0).max(10),
      bm25B: z.number().min(0).max(1),
      otherSkills: z.number().min(0).max(1),
      related: z.number().min(0).max(1),
    })
    .partial()
    .strict()
    .optional(),
});

const turnSchema = z.object({
  role: z.enum(["user", "agent"], { error: 'must be "user" or "agent"' }),
  text: z.string({ error: "must be a string" }).max(LIMITS.storedContentBytes),
  agentId: z.string().max(LIMITS.idLength).optional(),
});
const selectSchema = z.object({
  message: boundedText(LIMITS.messageBytes),
  history: z.array(turnSchema).max(1_000).optional(),
  limit: z.number().int().min(1).max(100).optional(),
  signal: z.instanceof(AbortSignal, { message: "must be an AbortSignal" }).optional(),
});

function parseCards(values: readonly unknown[], field: string): AgentCard[] {
  const seen = new Set<string>();
  return values.map((value, index) => {
    let card: AgentCard;
    try {
      card = parseAgentCard(value, `${field}[${index}]`);
    } catch (error) {
      throw asConfigurationError(error);
    }
    if (seen.has(card.identity.id))
      throw new ConfigurationError(`${field}[${index}].identity.id: duplicate agent id ${card.identity.id}`, {
        context: { field: `${field}[${index}].identity.id` },
      });
    seen.add(card.identity.id);
    return card;
  });
}

const quoted = (words: readonly string[]): string => words.map((word) => `"${word}"`).join(", ");

export class SkillRouter implements AgentSelector {
  readonly #index: SkillIndex;
  readonly #cards = new Map<string, AgentCard>();
  readonly #llm: LlmSelector | undefined;
  readonly #minScore: number;
  readonly #limit: number;
  readonly #calibration: Readonly<SkillRouterCalibration>;

  constructor(config: SkillRouterConfig) {
    const parsed = parseConfig(configSchema, config, "config");
    this.#minScore = parsed.minScore ?? DEFAULT_MIN_SCORE;
    this.#limit = parsed.limit ?? DEFAULT_SELECT_LIMIT;
    this.#calibration = Object.freeze({ ...SKILL_ROUTER_CALIBRATION, ...parsed.calibration });
    this.#index = new SkillIndex(
      { ...DEFAULT_FIELD_WEIGHTS, ...parsed.weights },
      {
        k: this.#calibration.bm25K,
        b: this.#calibration.bm25B,
        otherSkills: this.#calibration.otherSkills,
        related: this.#calibration.related,
      },
    );
    this.#llm = parsed.llm ? new LlmSelector(parsed.llm) : undefined;
    for (const card of parseCards(parsed.agents, "config.agents")) this.#put(card);
  }

  /** The ids of the agents the router chooses among. */
  get agentIds(): string[] {
    return [...this.#cards.keys()];
  }

  /** Replaces every agent (a tenant's directory reloaded). Throws ConfigurationError on a bad card. */
  setAgents(agents: readonly AgentCard[]): void {
    const cards = parseCards(parseConfig(configSchema.shape.agents, agents, "agents"), "agents");
    for (const id of [...this.#cards.keys()]) this.removeAgent(id);
    for (const card of cards) this.#put(card);
  }

  /** Adds an agent, or replaces the one with the same id (its card changed). */
  putAgent(agent: AgentCard): void {
    const [card] = parseCards([agent], "agent");
    this.#put(card!);
  }

  /** Removes an agent; false when there was none with that id. */
  removeAgent(agentId: string): boolean {
    this.#cards.delete(agentId);
    return this.#index.remove(agentId);
  }

  /** The agents that fit `message`, best first; `[]` when none does. */
  async select(input: SelectInput): Promise<RankedAgent[]> {
    const { message, history, limit, signal } = parseInput(selectSchema, input, "input");
    throwIfAborted(signal);
    const wanted = limit ?? this.#limit;
    // The ranking needs one agent beyond `limit` (the rival of a follow-up), the LLM its candidates.
    const matches = this.#index.match(message, {
      limit: Math.max(wanted + 1, this.#llm?.candidates ?? 0),
      include: previousAgent(history),
    });
    const lexical = this.#rank(message, matches, history).slice(0, wanted);
    if (this.#llm === undefined) return lexical;
    return this.#askLlm(
      this.#llm,
      { message, history, signal, limit: limit ?? this.#limit },
      matches,
      lexical,
    );
  }

  #put(card: AgentCard): void {
    this.#cards.set(card.identity.id, card);
    this.#index.put(card);
  }

  #score(raw: number): number {
    return raw / (raw + this.#calibration.rawPivot);
  }

  #ranked(match: SkillMatch): RankedAgent {
    const what = match.skillName === undefined ? "agent" : `skill "${match.skillName}"`;
    return {
      agentId: match.agentId,
      score: round(this.#score(match.raw)),
      ...(match.skillId !== undefined ? { skillId: match.skillId } : {}),
      reason: `${what} of ${match.agentId} matches ${quoted(match.words)}`,
    };
  }

  /** The lexical ranking, with the sticky rule applied to follow-ups. */
  #rank(message: string, matches: readonly SkillMatch[], history: SelectInput["history"]): RankedAgent[] {
    const best = matches[0];
    const fits = matches
      .filter((match) => this.#score(match.raw) >= this.#minScore)
      .filter((match) => best === undefined || match.raw >= best.raw * this.#calibration.runnerUpShare)
      .map((match) => this.#ranked(match));
    const previous = previousAgent(history);
    if (previous === undefined || !this.#cards.has(previous)) return fits;
    const own = matches.find((match) => match.agentId === previous);
    if (!isFollowUp(message, own !== undefined)) return fits;
    const ownScore = own === undefined ? 0 : this.#score(own.raw);
    const rival = matches.find((match) => match.agentId !== previous);
    const { switchScore, switchRatio } = this.#calibration;
    if (
      rival !== undefined &&
      this.#score(rival.raw) >= Math.max(switchScore, this.#minScore) &&
      rival.raw >= (own?.raw ?? 0) * switchRatio
    )
      return fits;
    const stay: RankedAgent = {
      agentId: previous,
      score: round(Math.max(ownScore, this.#minScore, fits[0]?.score ?? 0)),
      ...(own?.skillId !== undefined ? { skillId: own.skillId } : {}),
      reason:
        own !== undefined && ownScore >= this.#minScore
          ? `follow-up: ${previous} answered the previous turn, and its ${this.#ranked(own).reason.split(" of ")[0]} matches ${quoted(own.words)}`
          : `follow-up: ${previous} answered the previous turn and no other agent clearly fits better`,
    };
    return [stay, ...fits.filter((candidate) => candidate.agentId !== previous)];
  }

  async #askLlm(
    llm: LlmSelector,
    input: {
      message: string;
      history: SelectInput["history"];
      signal: AbortSignal | undefined;
      limit: number;
    },
    matches: readonly SkillMatch[],
    lexical: RankedAgent[],
  ): Promise<RankedAgent[]> {
    const ids = [...new Set([...lexical.map((r) => r.agentId), ...matches.map((m) => m.agentId)])];
    const previous = previousAgent(input.history);
    if (previous !== undefined && this.#cards.has(previous) && !ids.includes(previous)) ids.unshift(previous);
    const candidates = ids.slice(0, llm.candidates).map((id) => this.#cards.get(id)!);
    if (candidates.length === 0) return lexical;
    try {
      const choice = await llm.choose({ ...input, candidates });
      if (choice.agentId === null) return [];
      const chosen = lexical.find((r) => r.agentId === choice.agentId);
      const match = matches.find((m) => m.agentId === choice.agentId);
      const first: RankedAgent = {
        agentId: choice.agentId,
        score: round(Math.max(chosen?.score ?? 0, lexical[0]?.score ?? 0, this.#minScore)),
        ...((chosen?.skillId ?? match?.skillId) !== undefined
          ? { skillId: (chosen?.skillId ?? match?.skillId)! }
          : {}),
        reason: `LLM: ${choice.reason || "chosen by the model"}`,
      };
      return [first, ...lexical.filter((r) => r.agentId !== choice.agentId)].slice(0, input.limit);
    } catch (error) {
      if (!(error instanceof LlmSelectorFailure)) throw error;
      return lexical.map((r) => ({
        ...r,
        reason: `LLM selector not used (${error.kind}); lexical: ${r.reason}`,
      }));
    }
  }
}

const round = (score: number): number => Math.round(score * 1000) / 1000;
