/**
 * The lexical model of the skill router: one BM25 document per skill (its name and id, tags,
 * description and examples, with the agent's name and description), held in MiniSearch. An agent's
 * evidence for a message is its best skill's score.
 */
import MiniSearch from "minisearch";
import type { AgentCard } from "../../a2a/agent-card.js";
import { analyze, termOf, wordsOf } from "./text-analysis.js";

/** How much a matched term counts in each field of a skill document. */
export interface FieldWeights {
  skillName: number;
  tags: number;
  description: number;
  examples: number;
  agentName: number;
  agentDescription: number;
}

export const DEFAULT_FIELD_WEIGHTS: Readonly<FieldWeights> = Object.freeze({
  skillName: 2,
  tags: 2,
  description: 1.5,
  examples: 1.5,
  agentName: 1,
  agentDescription: 1,
});

/** BM25+ parameters: term-frequency saturation `k`, length normalization `b`, lower bound `d`. */
export const DEFAULT_BM25 = Object.freeze({ k: 1.2, b: 0.7, d: 0.5 });

interface SkillDocument {
  id: string;
  agentId: string;
  skillId: string | undefined;
  skillName: string;
  tags: string;
  description: string;
  examples: string;
  agentName: string;
  agentDescription: string;
}

/** One agent's best evidence for a message. */
export interface SkillMatch {
  agentId: string;
  /** Undefined when the agent lists no skills and matched on its own name or description. */
  skillId: string | undefined;
  skillName: string | undefined;
  /** BM25 score of the best skill document (unbounded). */
  raw: number;
  /** The message's words that matched, as the user wrote them. */
  words: string[];
}

const FIELDS = ["skillName", "tags", "description", "examples", "agentName", "agentDescription"] as const;

/** The skill documents of one card; an agent without skills is one document of its name and description. */
function documentsOf(card: AgentCard): SkillDocument[] {
  const agent = {
    agentId: card.identity.id,
    agentName: card.identity.name,
    agentDescription: card.identity.description ?? "",
  };
  const skills = card.skills ?? [];
  if (skills.length === 0)
    return [
      {
        id: `${agent.agentId}\u0000`,
        ...agent,
        skillId: undefined,
        skillName: "",
        tags: "",
        description: "",
        examples: "",
      },
    ];
  return skills.map((skill, index) => ({
    id: `${agent.agentId}\u0000${index}`,
    ...agent,
    skillId: skill.id,
    // The id is often the skill's most precise name ("chargeback-dispute").
    skillName: `${skill.name} ${skill.id.replace(/[-_.:]+/g, " ")}`,
    tags: (skill.tags ?? []).join(" ; "),
    description: skill.description ?? "",
    examples: (skill.examples ?? []).join(" ; "),
  }));
}

export class SkillIndex {
  readonly #search: MiniSearch<SkillDocument>;
  readonly #documents = new Map<string, string[]>();
  /** agentId -> skillId -> skill name, for reasons. */
  readonly #skillNames = new Map<string, Map<string, string>>();

  constructor(
    weights: FieldWeights = DEFAULT_FIELD_WEIGHTS,
    bm25: { k: number; b: number; d: number } = DEFAULT_BM25,
  ) {
    this.#search = new MiniSearch<SkillDocument>({
      fields: [...FIELDS],
      storeFields: ["agentId", "skillId"],
      tokenize: wordsOf,
      processTerm: (word) => termOf(word) ?? null,
      searchOptions: { boost: { ...weights }, combineWith: "OR", bm25 },
    });
  }

  get size(): number {
    return this.#documents.size;
  }

  /** Adds the card's skills, replacing what the index held for the same agent id. */
  put(card: AgentCard): void {
    this.remove(card.identity.id);
    const documents = documentsOf(card);
    this.#search.addAll(documents);
    this.#documents.set(
      card.identity.id,
      documents.map((document) => document.id),
    );
    this.#skillNames.set(
      card.identity.id,
      new Map((card.skills ?? []).map((skill) => [skill.id, skill.name])),
    );
  }

  remove(agentId: string): boolean {
    const ids = this.#documents.get(agentId);
    if (ids === undefined) return false;
    for (const id of ids) this.#search.discard(id);
    this.#documents.delete(agentId);
    this.#skillNames.delete(agentId);
    return true;
  }

  /** Every agent with evidence for `message`, the strongest first. */
  match(message: string): SkillMatch[] {
    const analyzed = analyze(message);
    if (analyzed.terms.length === 0) return [];
    const query = [...new Set(analyzed.terms)].join(" ");
    // The query is already analyzed: keep its terms as they are.
    const results = this.#search.search(query, {
      tokenize: (text) => text.split(" "),
      processTerm: (t) => t,
    });
    const best = new Map<string, SkillMatch>();
    for (const result of results) {
      const agentId = result["agentId"] as string;
      if (best.has(agentId)) continue; // results are best first: the agent's first result is its best skill
      const skillId = result["skillId"] as string | undefined;
      best.set(agentId, {
        agentId,
        skillId,
        skillName: skillId === undefined ? undefined : this.#skillNames.get(agentId)?.get(skillId),
        raw: result.score,
        words: result.queryTerms.map((term) => analyzed.words.get(term) ?? term),
      });
    }
    return [...best.values()];
  }
}
