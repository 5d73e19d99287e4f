/**
 * Passage search over a folder of markdown documents, shared by the knowledge and research
 * example agents: documents are split into passages (by heading, then by paragraph), indexed with
 * MiniSearch (BM25+ scoring, headings weighted above text, prefix and light fuzzy matching over
 * Porter-stemmed terms, a few synonym groups), and an answer is rendered as quoted, trimmed passages
 * with their sources (`file.md § Heading`). Its quality is measured by `scripts/eval-retrieval.ts`.
 *
 * Everything here is plain functions and one class, so it can be tested without a socket.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import MiniSearch from "minisearch";
import { ConfigurationError } from "../../errors.js";
import {
  DEFAULT_SYNONYM_GROUPS,
  processTerm,
  queryTerms,
  questionWords,
  synonymMap,
  tokenize,
} from "./search-terms.js";
import { CorpusVocabulary } from "./search-vocabulary.js";
import type { PreviousResult } from "../../a2a/handoff-extension.js";
import {
  DEFAULT_MAX_PASSAGE_CHARS,
  DEFAULT_MAX_PASSAGES,
  DEFAULT_MAX_QUOTE_CHARS,
  DEFAULT_MIN_QUERY_COVERAGE,
  DEFAULT_RELATIVE_SCORE_CUTOFF,
  MAX_ECHOED_QUESTION_CHARS,
  MAX_PREVIOUS_RESULT_CHARS,
  MAX_PREVIOUS_RESULTS_MENTIONED,
} from "./defaults.js";

export { DEFAULT_SYNONYM_GROUPS, processTerm, queryTerms, stem, tokenize } from "./search-terms.js";

/** One indexed piece of a document: the paragraphs under one heading (or part of them). */
export interface Passage {
  /** Position in the index (stable for one corpus). */
  readonly id: number;
  /** The document's file name, e.g. `handoffs.md`. */
  readonly file: string;
  /** The document's `#` title (the file name without `.md` when it has none). */
  readonly docTitle: string;
  /** The nearest heading above the passage (the document title before the first `##`). */
  readonly heading: string;
  /** The passage's markdown text. */
  readonly text: string;
}

/** A markdown document to index. */
export interface MarkdownDocument {
  /** File name used in citations, e.g. `handoffs.md`. */
  file: string;
  markdown: string;
}

/** One search result. */
export interface SearchHit {
  readonly passage: Passage;
  /** The BM25 score. */
  readonly score: number;
  /** `file.md § Heading` */
  readonly source: string;
  /** The (processed) document terms that matched, used to pick the quoted sentences. */
  readonly matchedTerms: readonly string[];
}

/** A document of the corpus, for suggesting topics. */
export interface CorpusTopic {
  readonly file: string;
  readonly title: string;
}

/** Per-call options of {@link PassageIndex.search}. */
export interface PassageSearchOptions {
  /** Most hits returned. Default {@link DEFAULT_MAX_PASSAGES}. */
  limit?: number;
  /** See {@link DEFAULT_MIN_QUERY_COVERAGE}. */
  minQueryCoverage?: number;
  /** See {@link DEFAULT_RELATIVE_SCORE_CUTOFF}. */
  relativeScoreCutoff?: number;
}

/** Construction input of {@link PassageIndex}. */
export interface PassageIndexConfig {
  documents: readonly MarkdownDocument[];
  /** See {@link DEFAULT_MAX_PASSAGE_CHARS}. */
  maxPassageChars?: number;
  /** Groups of words a question may use for one another. Default {@link DEFAULT_SYNONYM_GROUPS}. */
  synonymGroups?: readonly (readonly string[])[];
}

/** Weight of a field's match relative to the passage text: a heading names the passage's topic. */
const FIELD_BOOSTS = { heading: 3, docTitle: 1.5, text: 1 } as const;

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/**
 * Splits one markdown document into passages: a new passage starts at every heading, and the
 * paragraphs of a long section are grouped into passages of at most `maxPassageChars` (a single
 * longer paragraph stays whole). Code fences are never split. Front matter is skipped.
 */
export function splitMarkdown(options: {
  document: MarkdownDocument;
  maxPassageChars?: number;
}): Omit<Passage, "id">[] {
  const { file, markdown } = options.document;
  const maxChars = options.maxPassageChars ?? DEFAULT_MAX_PASSAGE_CHARS;
  let lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  if (lines[0]?.trim() === "---") {
    const end = lines.findIndex((line, index) => index > 0 && line.trim() === "---");
    if (end > 0) lines = lines.slice(end + 1);
  }

  let docTitle: string | undefined;
  const sections: { heading: string | undefined; paragraphs: string[] }[] = [];
  let section: { heading: string | undefined; paragraphs: string[] } = { heading: undefined, paragraphs: [] };
  sections.push(section);
  let paragraph: string[] = [];
  let inFence = false;
  const flush = (): void => {
    const text = paragraph.join("\n").trim();
    if (text !== "") section.paragraphs.push(text);
    paragraph = [];
  };

  for (const line of lines) {
    if (FENCE.test(line)) {
      inFence = !inFence;
      paragraph.push(line);
      continue;
    }
    if (inFence) {
      paragraph.push(line);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      const level = heading[1]?.length ?? 1;
      const title = (heading[2] ?? "").trim();
      if (level === 1 && docTitle === undefined) docTitle = title;
      section = { heading: title, paragraphs: [] };
      sections.push(section);
      continue;
    }
    if (line.trim() === "") flush();
    else paragraph.push(line);
  }
  flush();

  const title = docTitle ?? file.replace(/\.md$/i, "");
  const passages: Omit<Passage, "id">[] = [];
  for (const { heading, paragraphs } of sections) {
    let group: string[] = [];
    let size = 0;
    const emit = (): void => {
      if (group.length > 0)
        passages.push({ file, docTitle: title, heading: heading ?? title, text: group.join("\n\n") });
      group = [];
      size = 0;
    };
    for (const text of paragraphs) {
      if (size > 0 && size + text.length > maxChars) emit();
      group.push(text);
      size += text.length + 2;
    }
    emit();
  }
  return passages;
}

/** Reads every `*.md` file of a directory (sorted by name). */
export async function readMarkdownDirectory(dir: string | URL): Promise<MarkdownDocument[]> {
  const directory = dir instanceof URL ? fileURLToPath(dir) : dir;
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.toLowerCase().endsWith(".md")).sort();
  } catch (error) {
    throw new ConfigurationError(`Cannot read the documents directory ${directory}`, {
      cause: error,
      context: { field: "docsDir" },
    });
  }
  if (names.length === 0) {
    throw new ConfigurationError(`No markdown (*.md) documents in ${directory}`, {
      context: { field: "docsDir" },
    });
  }
  return Promise.all(
    names.map(async (file) => ({ file, markdown: await readFile(path.join(directory, file), "utf8") })),
  );
}

interface IndexedPassage {
  id: number;
  docTitle: string;
  heading: string;
  text: string;
}

/** A BM25 full-text index over the passages of a set of markdown documents. */
export class PassageIndex {
  /** Every passage, by id. */
  readonly passages: readonly Passage[];
  /** The documents' titles, for "try asking about ..." suggestions. */
  readonly topics: readonly CorpusTopic[];
  readonly #search: MiniSearch<IndexedPassage>;
  /** Stemmed term -> the other stemmed terms of its synonym groups. */
  readonly #synonyms: ReadonlyMap<string, readonly string[]>;
  /** The passages' terms and words, to tell a question's known words from the rest. */
  readonly #vocabulary = new CorpusVocabulary();

  constructor(config: PassageIndexConfig) {
    const passages: Passage[] = [];
    const topics: CorpusTopic[] = [];
    for (const document of config.documents) {
      const split = splitMarkdown({
        document,
        ...(config.maxPassageChars !== undefined ? { maxPassageChars: config.maxPassageChars } : {}),
      });
      const first = split[0];
      if (first !== undefined) topics.push({ file: document.file, title: first.docTitle });
      for (const passage of split) passages.push({ ...passage, id: passages.length });
    }
    this.passages = Object.freeze(passages);
    this.topics = Object.freeze(topics);
    this.#search = new MiniSearch<IndexedPassage>({
      fields: ["docTitle", "heading", "text"],
      tokenize,
      processTerm,
      searchOptions: {
        boost: FIELD_BOOSTS,
        prefix: (term) => term.length >= 4,
        // One edit for long terms only: short words have too many neighbours.
        fuzzy: (term) => (term.length >= 6 ? 1 : false),
        combineWith: "OR",
      },
    });
    this.#synonyms = synonymMap(config.synonymGroups ?? DEFAULT_SYNONYM_GROUPS);
    this.#search.addAll(passages.map(({ id, docTitle, heading, text }) => ({ id, docTitle, heading, text })));
    for (const passage of passages) this.#vocabulary.add([passage.docTitle, passage.heading, passage.text]);
  }

  /** Builds an index from every `*.md` file of `dir`. */
  static async fromDirectory(options: {
    dir: string | URL;
    maxPassageChars?: number;
  }): Promise<PassageIndex> {
    const documents = await readMarkdownDirectory(options.dir);
    return new PassageIndex({
      documents,
      ...(options.maxPassageChars !== undefined ? { maxPassageChars: options.maxPassageChars } : {}),
    });
  }

  /**
   * The best passages for `query`, best first; empty when the question has no term the corpus
   * knows, or no passage covers enough of them (see {@link DEFAULT_MIN_QUERY_COVERAGE}).
   */
  search(query: string, options: PassageSearchOptions = {}): SearchHit[] {
    const { terms, unknown } = this.readQuestion(query);
    if (terms.length === 0) return [];
    const limit = options.limit ?? DEFAULT_MAX_PASSAGES;
    const cutoff = options.relativeScoreCutoff ?? DEFAULT_RELATIVE_SCORE_CUTOFF;
    const minCoverage = options.minQueryCoverage ?? DEFAULT_MIN_QUERY_COVERAGE;
    const searched = new Set(terms);
    for (const term of terms) for (const synonym of this.#synonyms.get(term) ?? []) searched.add(synonym);
    // The query is already tokenized and processed: hand MiniSearch the terms themselves.
    const results = this.#search.search([...searched].join(" "), {
      tokenize: (text) => text.split(" "),
      processTerm: (t) => t,
    });
    // A passage is quoted only when it answers enough of the question by itself: three passages
    // that each share one stray word with it ("token", "limit", ...) are not an answer.
    const relevant = results.filter(
      (result) => coverage({ terms, unknown, result, synonyms: this.#synonyms }) >= minCoverage,
    );
    const best = relevant[0]?.score ?? 0;
    const kept = relevant.filter((result) => result.score >= best * cutoff).slice(0, limit);
    const hits: SearchHit[] = [];
    for (const result of kept) {
      const passage = this.passages[result.id as number];
      if (passage === undefined) continue;
      hits.push({ passage, score: result.score, source: sourceOf(passage), matchedTerms: result.terms });
    }
    return hits;
  }

  /**
   * The question's terms as the corpus knows them, in order, and how many of its words the corpus
   * does not know. A term the search can match (itself, by prefix, or through a synonym) is kept; a
   * misspelt corpus word becomes that word ("hnadoffs" -> handoff; a capitalized word is taken for
   * a name and left as it is); any other word is counted as unknown (it
   * still dilutes coverage, see `coverage`). Redaction placeholders (`[EMAIL]`) are ignored.
   */
  readQuestion(query: string): { terms: string[]; unknown: number } {
    const known = (term: string): boolean =>
      this.#vocabulary.knows(term) || (this.#synonyms.get(term) ?? []).some((s) => this.#vocabulary.knows(s));
    const terms = new Set<string>();
    let unknown = 0;
    for (const { token, term, capitalized } of questionWords(query)) {
      if (known(term)) {
        terms.add(term);
        continue;
      }
      // A capitalized word is taken for a name and not corrected ("Paris" is no slip for "parts");
      // it still counts: it may be what the question is about (a product the corpus never names).
      const corrected = capitalized ? undefined : this.#vocabulary.correct(token);
      const correctedTerm = corrected === undefined ? null : processTerm(corrected);
      if (correctedTerm !== null && known(correctedTerm)) terms.add(correctedTerm);
      else unknown += 1;
    }
    return { terms: [...terms], unknown };
  }
}

/**
 * How much of the question one hit answers: each known term counts 1 when the hit contains it or
 * one of its synonyms exactly, 0.5 when it only matched by prefix or fuzzily ("recipe" ->
 * "reciprocal"), else 0; divided by the number of the question's words, known or not. A word the
 * corpus does not know is not searched, but it counts: it is either noise ("mail" before an
 * address) or a topic the corpus lacks ("bucket" in "token bucket rate limit", asked of the
 * OmniForge docs), and nothing in the corpus tells which. Counting it half, or skipping capitalized
 * ones as names, each let one question of the held-out half that must be declined through.
 */
function coverage(options: {
  terms: readonly string[];
  unknown: number;
  result: { terms: string[]; queryTerms: string[] };
  synonyms: ReadonlyMap<string, readonly string[]>;
}): number {
  const { terms, unknown, result, synonyms } = options;
  let covered = 0;
  for (const term of terms) {
    const exact = [term, ...(synonyms.get(term) ?? [])];
    if (exact.some((t) => result.terms.includes(t))) covered += 1;
    else if (result.queryTerms.includes(term)) covered += 0.5;
  }
  return covered / (terms.length + unknown);
}

/** `file.md § Heading` */
export function sourceOf(passage: Pick<Passage, "file" | "heading">): string {
  return `${passage.file} § ${passage.heading}`;
}

function cutAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const slice = text.slice(0, Math.max(1, maxChars - 1));
  const space = slice.lastIndexOf(" ");
  return `${(space > maxChars / 2 ? slice.slice(0, space) : slice).replace(/[\s,;:.]+$/, "")}…`;
}

/**
 * The part of a passage worth quoting: whitespace collapsed, starting at the first sentence that
 * contains a matched term, as many whole sentences as fit in `maxChars`, with "…" marking cuts.
 */
export function quotePassage(options: {
  text: string;
  matchedTerms: readonly string[];
  maxChars?: number;
}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_QUOTE_CHARS;
  const flat = options.text.replace(/\s+/g, " ").trim();
  const sentences = flat.split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}`"'([])/u);
  const wanted = new Set(options.matchedTerms);
  let start = sentences.findIndex((sentence) => queryTerms(sentence).some((term) => wanted.has(term)));
  if (start < 0) start = 0;
  const first = sentences[start] ?? "";
  let quote = cutAtWord(first, maxChars);
  let end = start + 1;
  if (quote === first) {
    while (end < sentences.length) {
      const next = sentences[end] ?? "";
      if (quote.length + 1 + next.length > maxChars) break;
      quote = `${quote} ${next}`;
      end += 1;
    }
  }
  const head = start > 0 ? "…" : "";
  const tail = end < sentences.length && !quote.endsWith("…") ? " …" : "";
  return `${head}${quote}${tail}`;
}

/** How an agent presents its corpus in answers. */
export interface AnswerStyle {
  /** e.g. "the OmniForge knowledge base" */
  corpusName: string;
  /** e.g. "passage" or "finding" */
  itemNoun: string;
}

function echo(question: string): string {
  return cutAtWord(question.replace(/\s+/g, " ").trim(), MAX_ECHOED_QUESTION_CHARS);
}

/** One line per earlier agent of a sequential chain ("Earlier, x said: ..."); "" when none. */
export function renderPreviousResults(previousResults: readonly PreviousResult[]): string {
  const mentioned = previousResults.filter((result) => result.response.trim() !== "");
  if (mentioned.length === 0) return "";
  const lines = mentioned
    .slice(0, MAX_PREVIOUS_RESULTS_MENTIONED)
    .map(
      (result) =>
        `Earlier in this chain, ${result.agentId} said: "${cutAtWord(result.response.replace(/\s+/g, " ").trim(), MAX_PREVIOUS_RESULT_CHARS)}"`,
    );
  if (mentioned.length > MAX_PREVIOUS_RESULTS_MENTIONED) {
    lines.push(`(and ${mentioned.length - MAX_PREVIOUS_RESULTS_MENTIONED} more earlier answers)`);
  }
  return `${lines.join("\n")}\n\n`;
}

/**
 * The answer to a question as stream chunks: an introduction (with earlier agents' answers when
 * chained), one chunk per passage (a trimmed quote and its source), and a closing list of sources.
 */
export function renderAnswer(options: {
  question: string;
  hits: readonly SearchHit[];
  style: AnswerStyle;
  previousResults?: readonly PreviousResult[];
  maxQuoteChars?: number;
}): string[] {
  const { hits, style } = options;
  const count = hits.length === 1 ? `1 ${style.itemNoun}` : `${hits.length} ${style.itemNoun}s`;
  const chunks = [
    `${renderPreviousResults(options.previousResults ?? [])}From ${style.corpusName} (${count}) on "${echo(options.question)}":\n\n`,
  ];
  hits.forEach((hit, index) => {
    const quote = quotePassage({
      text: hit.passage.text,
      matchedTerms: hit.matchedTerms,
      ...(options.maxQuoteChars !== undefined ? { maxChars: options.maxQuoteChars } : {}),
    });
    chunks.push(`${index + 1}. "${quote}"\n   Source: ${hit.source}\n\n`);
  });
  const sources = [...new Set(hits.map((hit) => hit.source))];
  chunks.push(`Sources: ${sources.join("; ")}`);
  return chunks;
}

/** The honest "nothing found" answer, with the topics the corpus does cover. */
export function renderNoMatch(options: {
  question: string;
  topics: readonly CorpusTopic[];
  style: AnswerStyle;
  previousResults?: readonly PreviousResult[];
}): string[] {
  const topics = options.topics.map((topic) => topic.title).join("; ");
  return [
    `${renderPreviousResults(options.previousResults ?? [])}I found nothing about "${echo(options.question)}" in ${options.style.corpusName}, so I won't guess.\n\n`,
    `Topics I can answer questions about: ${topics}. Try rephrasing your question with one of them.`,
  ];
}
