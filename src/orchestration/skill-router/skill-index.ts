/**
 * The lexical model of the skill router: BM25F over one document per skill (its name and id, tags,
 * description and examples, with the agent's name and description). Terms are weighted per field
 * and length-normalized per field before one saturation (BM25F), so a word said in a tag and in an
 * example counts more than once but never without bound. An agent's evidence for a message is its
 * best skill's score plus a share of what its other skills add.
 *
 * The index is plain arrays and maps, built when the agents change; a query walks the postings of
 * its few terms into reused buffers, so a call allocates little whatever the number of agents.
 */
import type { AgentCard } from "../../a2a/agent-card.js";
import { analyze } from "./text-analysis.js";
import { phrasesOf, RELATED_TERMS } from "./vocabulary.js";

/**
 * The fewest skills idf counts with. At or below the routing set's size (45 skills), so the
 * evaluation is unchanged; a tenant with two agents scores on the same scale.
 */
const MIN_IDF_DOCUMENTS = 40;

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

/** BM25 parameters: term-frequency saturation `k`, length normalization `b` (0: none, 1: full). */
export interface Bm25Parameters {
  k: number;
  b: number;
  /** Share of each further skill's score added to the best one's (0: best skill only). */
  otherSkills: number;
  /** What a word related to a message's word (see vocabulary.ts) counts, the word itself counting 1. */
  related: number;
}

export const DEFAULT_BM25: Readonly<Bm25Parameters> = Object.freeze({
  k: 1.2,
  b: 0.7,
  otherSkills: 0,
  related: 0.5,
});

const FIELDS = ["skillName", "tags", "description", "examples", "agentName", "agentDescription"] as const;

/** One agent's evidence for a message. */
export interface SkillMatch {
  agentId: string;
  /** Undefined when the agent lists no skills and matched on its own name or description. */
  skillId: string | undefined;
  skillName: string | undefined;
  /** BM25F evidence: the best skill's score plus a share of the others' (unbounded). */
  raw: number;
  /** The message's words (or phrases) that matched the best skill, directly or by a related word. */
  words: string[];
}

interface SkillDocument {
  agent: number;
  /** The skill's place on the card: of two skills with equal evidence, the first listed is the best. */
  position: number;
  skillId: string | undefined;
  skillName: string | undefined;
  /** The document's distinct terms (after a rebuild, the postings' own strings: one copy each). */
  terms: string[];
  /** The count of `terms[i]` in field `f` (index as in FIELDS) is `counts[i * FIELDS.length + f]`. */
  counts: Uint16Array;
  lengths: number[];
}

interface AgentEntry {
  id: string;
  slot: number;
  documents: number[];
}

interface Posting {
  documents: Int32Array;
  /** Saturated BM25F term weight in each document, idf not included. */
  weights: Float64Array;
}

/** Which agents {@link SkillIndex.match} returns. */
export interface MatchOptions {
  /** At most this many agents, the strongest. */
  limit: number;
  /** An agent id whose evidence is wanted even outside the strongest (the one that answered before). */
  include?: string | undefined;
}

/** Per-query scratch arrays, indexed by document or agent slot. */
function buffers(documents: number, agents: number) {
  return {
    documentAgent: new Int32Array(documents),
    documentPosition: new Int32Array(documents),
    agentBest: new Float64Array(agents),
    agentSum: new Float64Array(agents),
    agentBestDoc: new Int32Array(agents),
    touchedAgents: new Int32Array(agents),
  };
}

/** The skill documents of one card; an agent without skills is one document of its name and description. */
function documentsOf(card: AgentCard, agent: number): SkillDocument[] {
  const name = card.identity.name;
  const description = card.identity.description ?? "";
  const skills = card.skills ?? [];
  const texts =
    skills.length === 0
      ? [{ skillId: undefined, skillName: undefined, fields: ["", "", "", "", name, description] }]
      : skills.map((skill) => ({
          skillId: skill.id,
          skillName: skill.name,
          fields: [
            // The id is often the skill's most precise name ("chargeback-dispute").
            `${skill.name} ${skill.id.replace(/[-_.:]+/g, " ")}`,
            (skill.tags ?? []).join(" ; "),
            skill.description ?? "",
            (skill.examples ?? []).join(" ; "),
            name,
            description,
          ],
        }));
  return texts.map(({ skillId, skillName, fields }, position) => {
    const perTerm = new Map<string, number[]>();
    const lengths = fields.map((text, field) => {
      const { terms } = analyze(text);
      for (const term of terms) {
        let perField = perTerm.get(term);
        if (perField === undefined) perTerm.set(term, (perField = FIELDS.map(() => 0)));
        perField[field] = Math.min(perField[field]! + 1, 0xffff);
      }
      return terms.length;
    });
    const counts = Uint16Array.from([...perTerm.values()].flat());
    return { agent, position, skillId, skillName, terms: [...perTerm.keys()], counts, lengths };
  });
}

export class SkillIndex {
  readonly #weights: readonly number[];
  readonly #bm25: Readonly<Bm25Parameters>;
  readonly #agents = new Map<string, AgentEntry>();
  /** Slot -> agent; a removed agent leaves a free slot. */
  readonly #agentSlots: Array<AgentEntry | undefined> = [];
  readonly #documents: Array<SkillDocument | undefined> = [];
  #postings = new Map<string, Posting>();
  #documentCount = 0;
  #dirty = false;
  readonly #freeAgentSlots: number[] = [];
  readonly #freeDocumentSlots: number[] = [];
  // Buffers reused by every query, sized to the slots.
  #docScores = new Float64Array(0);
  #touched = new Int32Array(0);
  #buffers = buffers(0, 0);

  constructor(weights: FieldWeights = DEFAULT_FIELD_WEIGHTS, bm25: Bm25Parameters = DEFAULT_BM25) {
    this.#weights = FIELDS.map((field) => weights[field]);
    this.#bm25 = Object.freeze({ ...bm25 });
  }

  get size(): number {
    return this.#agents.size;
  }

  /** Adds the card's skills, replacing what the index held for the same agent id. */
  put(card: AgentCard): void {
    this.remove(card.identity.id);
    const slot = this.#freeAgentSlots.pop() ?? this.#agentSlots.length;
    const entry: AgentEntry = { id: card.identity.id, slot, documents: [] };
    for (const document of documentsOf(card, slot)) {
      const index = this.#freeDocumentSlots.pop() ?? this.#documents.length;
      this.#documents[index] = document;
      entry.documents.push(index);
    }
    this.#agentSlots[slot] = entry;
    this.#agents.set(entry.id, entry);
    this.#dirty = true;
  }

  remove(agentId: string): boolean {
    const entry = this.#agents.get(agentId);
    if (entry === undefined) return false;
    for (const index of entry.documents) this.#documents[index] = undefined;
    this.#freeDocumentSlots.push(...entry.documents);
    this.#agentSlots[entry.slot] = undefined;
    this.#freeAgentSlots.push(entry.slot);
    this.#agents.delete(agentId);
    this.#dirty = true;
    return true;
  }

  /**
   * The `limit` agents with the most evidence for `message`, the strongest first, and the agent
   * `include` names when it has evidence but is not among them (last).
   */
  match(message: string, options: MatchOptions): SkillMatch[] {
    const analyzed = analyze(message);
    const phrases = phrasesOf(message);
    if (analyzed.terms.length === 0 && phrases.length === 0) return [];
    if (this.#dirty) this.#rebuild();
    const terms = [...new Set(analyzed.terms)];
    // The message's own terms, then the related terms it does not say itself, at a lower weight.
    const weights = new Map<string, number>();
    // term -> the message's words (or phrase) that brought it in, for reasons
    const sources = new Map<string, string>();
    for (const term of terms) {
      weights.set(term, 1);
      sources.set(term, analyzed.words.get(term) ?? term);
    }
    // Several words pointing at the same related term add up, to at most a word of the message.
    const relate = (other: string, source: string): void => {
      weights.set(other, Math.min(1, (weights.get(other) ?? 0) + this.#bm25.related));
      if (!sources.has(other)) sources.set(other, source);
    };
    for (const term of terms)
      for (const other of RELATED_TERMS.get(term) ?? []) relate(other, sources.get(term)!);
    for (const { phrase, terms: meant } of phrases) for (const other of meant) relate(other, phrase);
    const docScores = this.#docScores;
    const touched = this.#touched;
    let touchedCount = 0;
    for (const [term, weight] of weights) {
      const posting = this.#postings.get(term);
      if (posting === undefined || weight === 0) continue; // a zero would not mark its documents touched
      const idf = weight * this.#idf(posting.documents.length);
      const { documents, weights: termWeights } = posting;
      for (let i = 0; i < documents.length; i++) {
        const document = documents[i]!;
        if (docScores[document] === 0) touched[touchedCount++] = document;
        docScores[document]! += idf * termWeights[i]!;
      }
    }
    // Per agent: the best skill and the sum of all.
    const { agentBest, agentSum, agentBestDoc, touchedAgents, documentAgent, documentPosition } =
      this.#buffers;
    let agentCount = 0;
    for (let i = 0; i < touchedCount; i++) {
      const document = touched[i]!;
      const score = docScores[document]!;
      docScores[document] = 0;
      const agent = documentAgent[document]!;
      if (agentSum[agent] === 0) touchedAgents[agentCount++] = agent;
      agentSum[agent]! += score;
      const best = agentBest[agent]!;
      if (
        score > best ||
        (score === best && documentPosition[document]! < documentPosition[agentBestDoc[agent]!]!)
      ) {
        agentBest[agent] = score;
        agentBestDoc[agent] = document;
      }
    }
    // The strongest `limit` agents, kept sorted in a small array: no object per agent.
    const top: number[] = [];
    const raws: number[] = [];
    const included = options.include === undefined ? -1 : (this.#agents.get(options.include)?.slot ?? -1);
    let includedRaw = 0;
    for (let i = 0; i < agentCount; i++) {
      const agent = touchedAgents[i]!;
      const best = agentBest[agent]!;
      const raw = best + this.#bm25.otherSkills * (agentSum[agent]! - best);
      agentBest[agent] = 0;
      agentSum[agent] = 0;
      if (agent === included) includedRaw = raw;
      let at = top.length;
      while (at > 0 && this.#before(agent, raw, top[at - 1]!, raws[at - 1]!)) at--;
      if (at >= options.limit) continue;
      top.splice(at, 0, agent);
      raws.splice(at, 0, raw);
      if (top.length > options.limit) {
        top.pop();
        raws.pop();
      }
    }
    if (includedRaw > 0 && !top.includes(included)) {
      top.push(included);
      raws.push(includedRaw);
    }
    return top.map((agent, i) => this.#describe(agent, raws[i]!, sources));
  }

  /** Whether agent `a` with `rawA` ranks before agent `b` with `rawB`: more evidence, then id order. */
  #before(a: number, rawA: number, b: number, rawB: number): boolean {
    return rawA > rawB || (rawA === rawB && this.#agentSlots[a]!.id < this.#agentSlots[b]!.id);
  }

  #describe(agent: number, raw: number, sources: ReadonlyMap<string, string>): SkillMatch {
    const entry = this.#agentSlots[agent]!;
    const document = this.#documents[this.#buffers.agentBestDoc[agent]!]!;
    const words = new Set<string>();
    for (const [term, source] of sources) if (document.terms.includes(term)) words.add(source);
    return {
      agentId: entry.id,
      skillId: document.skillId,
      skillName: document.skillName,
      raw,
      words: [...words],
    };
  }

  #idf(documentFrequency: number): number {
    // A small directory would make every word common (two skills: idf ln(4/3) for a word only one has),
    // so scores there would never reach the threshold calibrated on the routing set's 45 skills:
    // rarity is judged against at least MIN_IDF_DOCUMENTS skills, as if the rest matched nothing.
    const n = Math.max(this.#documentCount, MIN_IDF_DOCUMENTS);
    return Math.log(1 + (n - documentFrequency + 0.5) / (documentFrequency + 0.5));
  }

  /** Recomputes the postings: average field lengths (hence every weight) change with the documents. */
  #rebuild(): void {
    const { k, b } = this.#bm25;
    const live = this.#documents.filter((document) => document !== undefined);
    this.#documentCount = live.length;
    const average = FIELDS.map(
      (_, field) => live.reduce((sum, document) => sum + document.lengths[field]!, 0) / (live.length || 1),
    );
    const lists = new Map<string, { term: string; documents: number[]; weights: number[] }>();
    this.#documents.forEach((document, index) => {
      if (document === undefined) return;
      const { terms, counts } = document;
      for (let t = 0; t < terms.length; t++) {
        let tf = 0;
        for (let field = 0; field < FIELDS.length; field++) {
          const count = counts[t * FIELDS.length + field]!;
          if (count === 0) continue;
          const norm = 1 - b + (b * document.lengths[field]!) / (average[field] || 1);
          tf += (this.#weights[field]! * count) / norm;
        }
        let list = lists.get(terms[t]!);
        if (list === undefined)
          lists.set(terms[t]!, (list = { term: terms[t]!, documents: [], weights: [] }));
        terms[t] = list.term; // one string per term across documents
        if (tf === 0) continue;
        list.documents.push(index);
        list.weights.push((tf * (k + 1)) / (tf + k));
      }
    });
    this.#postings = new Map(
      [...lists]
        .filter(([, list]) => list.documents.length > 0)
        .map(([term, list]) => [
          term,
          { documents: Int32Array.from(list.documents), weights: Float64Array.from(list.weights) },
        ]),
    );
    this.#docScores = new Float64Array(this.#documents.length);
    this.#touched = new Int32Array(this.#documents.length);
    this.#buffers = buffers(this.#documents.length, this.#agentSlots.length);
    this.#documents.forEach((document, index) => {
      if (document === undefined) return;
      this.#buffers.documentAgent[index] = document.agent;
      this.#buffers.documentPosition[index] = document.position;
    });
    this.#dirty = false;
  }
}
