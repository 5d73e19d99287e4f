/**
 * Measures the example agents' retrieval against the labelled questions in
 * data/eval/retrieval-queries.json (issue #13).
 *
 * Run with `npx tsx scripts/eval-retrieval.ts [--split tuning|heldout|all] [--show-heldout-misses]`.
 * For every question and every corpus it names, the corpus is indexed and searched exactly as the
 * agent does it (`loadCorpusIndex` + `retrievePassages`, the functions the agents call), and the
 * passages the agent would cite (at most 3, best first) are scored:
 *
 * - recall@3: the share of the question's labels that a cited passage matches;
 * - MRR: 1 / the rank of the first cited passage that matches a label (0 when none does);
 * - P@1: whether the first citation is a relevant one (what a reader sees first);
 * - declines: questions labelled with no relevant passage for a corpus must get no passage at all.
 *
 * A label `file.md` matches any passage of that file; `file.md § Heading` only that section.
 *
 * The misses of the tuning split are printed; the held-out split's are not unless asked for:
 * reading them would turn held-out questions into tuning data. The computation is exported so the
 * test suite asserts on the same numbers (test/agents/examples/retrieval-eval.test.ts).
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { KNOWLEDGE_DOCS_DIR } from "../src/agents/examples/knowledge-agent.js";
import { RESEARCH_DOCS_DIR } from "../src/agents/examples/research-agent.js";
import { loadCorpusIndex, retrievePassages } from "../src/agents/examples/search-agent.js";
import type { PassageIndex, SearchHit } from "../src/agents/examples/document-search.js";

export const QUERY_SET_FILE = new URL("../data/eval/retrieval-queries.json", import.meta.url);

/** The corpora, by the name the query set uses, and where each agent finds its documents. */
export const CORPORA = { knowledge: KNOWLEDGE_DOCS_DIR, research: RESEARCH_DOCS_DIR } as const;
export type CorpusName = keyof typeof CORPORA;
export type Split = "tuning" | "heldout";
const CORPUS_NAMES = Object.keys(CORPORA) as CorpusName[];
const SPLITS: readonly Split[] = ["tuning", "heldout"];

const querySetSchema = z.object({
  description: z.string(),
  queries: z
    .array(
      z.object({
        id: z.string().min(1),
        split: z.enum(["tuning", "heldout"]),
        question: z.string().min(1),
        relevant: z.partialRecord(z.enum(["knowledge", "research"]), z.array(z.string().min(1))),
      }),
    )
    .min(1),
});
export type LabelledQuery = z.infer<typeof querySetSchema>["queries"][number];

/** One question asked of one corpus. */
export interface QueryOutcome {
  id: string;
  split: Split;
  corpus: CorpusName;
  question: string;
  labels: readonly string[];
  /** The cited sources, best first (`file.md § Heading`). */
  cited: readonly string[];
  /** Share of the labels matched by a citation; undefined for a should-decline question. */
  recall?: number;
  /** 1 / rank of the first relevant citation (0 when none); undefined for a should-decline question. */
  reciprocalRank?: number;
}

/** Aggregate figures over a set of outcomes. */
export interface RetrievalFigures {
  /** Questions with at least one relevant passage in the corpus. */
  answerable: number;
  recallAt3: number;
  mrr: number;
  /** Share of answerable questions whose first citation is relevant. */
  precisionAt1: number;
  /** Questions the agent should decline, and how many it did decline. */
  shouldDecline: number;
  declined: number;
}

export interface RetrievalReport {
  outcomes: QueryOutcome[];
  /** `split` -> `corpus` (or "all") -> figures. */
  figures: Record<Split, Record<CorpusName | "all", RetrievalFigures>>;
}

export async function readQuerySet(file: URL = QUERY_SET_FILE): Promise<LabelledQuery[]> {
  const parsed = querySetSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
  if (!parsed.success) throw new Error(`${file.pathname}: ${parsed.error.message}`);
  const ids = new Set<string>();
  for (const query of parsed.data.queries) {
    if (ids.has(query.id)) throw new Error(`${file.pathname}: duplicate id ${query.id}`);
    ids.add(query.id);
  }
  return parsed.data.queries;
}

function matches(label: string, hit: SearchHit): boolean {
  const [file, heading] = label.split(" § ");
  return hit.passage.file === file && (heading === undefined || hit.passage.heading === heading);
}

/** Every label must name a file (and heading) of its corpus: a typo would silently count as a miss. */
function checkLabels(queries: readonly LabelledQuery[], indexes: Record<CorpusName, PassageIndex>): void {
  for (const query of queries) {
    for (const corpus of CORPUS_NAMES) {
      for (const label of query.relevant[corpus] ?? []) {
        const [file, heading] = label.split(" § ");
        const known = indexes[corpus].passages.some(
          (p) => p.file === file && (heading === undefined || p.heading === heading),
        );
        if (!known) throw new Error(`query ${query.id}: ${corpus} has no passage "${label}"`);
      }
    }
  }
}

function scoreOne(query: LabelledQuery, corpus: CorpusName, index: PassageIndex): QueryOutcome {
  const labels = query.relevant[corpus] ?? [];
  const hits = retrievePassages(index, query.question);
  const outcome: QueryOutcome = {
    id: query.id,
    split: query.split,
    corpus,
    question: query.question,
    labels,
    cited: hits.map((hit) => hit.source),
  };
  if (labels.length === 0) return outcome;
  const top = hits.slice(0, 3);
  outcome.recall = labels.filter((label) => top.some((hit) => matches(label, hit))).length / labels.length;
  const rank = top.findIndex((hit) => labels.some((label) => matches(label, hit)));
  outcome.reciprocalRank = rank < 0 ? 0 : 1 / (rank + 1);
  return outcome;
}

export function summarize(outcomes: readonly QueryOutcome[]): RetrievalFigures {
  const answerable = outcomes.filter((o) => o.labels.length > 0);
  const negatives = outcomes.filter((o) => o.labels.length === 0);
  const mean = (values: number[]) =>
    values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
  return {
    answerable: answerable.length,
    recallAt3: mean(answerable.map((o) => o.recall ?? 0)),
    mrr: mean(answerable.map((o) => o.reciprocalRank ?? 0)),
    precisionAt1: mean(answerable.map((o) => (o.reciprocalRank === 1 ? 1 : 0))),
    shouldDecline: negatives.length,
    declined: negatives.filter((o) => o.cited.length === 0).length,
  };
}

/** Runs every labelled question through the agents' retrieval and scores it. */
export async function evaluateRetrieval(
  options: { queries?: readonly LabelledQuery[] } = {},
): Promise<RetrievalReport> {
  const queries = options.queries ?? (await readQuerySet());
  const indexes = {
    knowledge: await loadCorpusIndex(CORPORA.knowledge),
    research: await loadCorpusIndex(CORPORA.research),
  };
  checkLabels(queries, indexes);
  const outcomes: QueryOutcome[] = [];
  for (const query of queries) {
    for (const corpus of CORPUS_NAMES) {
      if (query.relevant[corpus] !== undefined) outcomes.push(scoreOne(query, corpus, indexes[corpus]));
    }
  }
  const bySplit = (split: Split) => {
    const inSplit = outcomes.filter((o) => o.split === split);
    return {
      knowledge: summarize(inSplit.filter((o) => o.corpus === "knowledge")),
      research: summarize(inSplit.filter((o) => o.corpus === "research")),
      all: summarize(inSplit),
    };
  };
  return { outcomes, figures: { tuning: bySplit("tuning"), heldout: bySplit("heldout") } };
}

/** True when an outcome is worth listing: a relevant passage missed, or a non-answer not declined. */
export function isMiss(outcome: QueryOutcome): boolean {
  if (outcome.labels.length === 0) return outcome.cited.length > 0;
  return (outcome.recall ?? 0) < 1 || (outcome.reciprocalRank ?? 0) < 1;
}

function fixed(value: number): string {
  return value.toFixed(3);
}

export function formatFigures(report: RetrievalReport, splits: readonly Split[]): string {
  const lines = [
    "| split | corpus | questions | recall@3 | MRR | P@1 | declined / should decline |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const split of splits) {
    for (const corpus of [...CORPUS_NAMES, "all"] as const) {
      const f = report.figures[split][corpus];
      lines.push(
        `| ${split} | ${corpus} | ${f.answerable} | ${fixed(f.recallAt3)} | ${fixed(f.mrr)} | ` +
          `${fixed(f.precisionAt1)} | ${f.declined} / ${f.shouldDecline} |`,
      );
    }
  }
  return lines.join("\n");
}

export function formatMisses(outcomes: readonly QueryOutcome[]): string {
  const misses = outcomes.filter(isMiss);
  if (misses.length === 0) return "(no misses)";
  return misses
    .map((o) => {
      const expected = o.labels.length === 0 ? "(nothing: decline)" : o.labels.join(" | ");
      const got = o.cited.length === 0 ? "(declined)" : o.cited.map((s, i) => `${i + 1}. ${s}`).join("  ");
      const score =
        o.labels.length === 0 ? "" : ` recall ${fixed(o.recall ?? 0)} RR ${fixed(o.reciprocalRank ?? 0)}`;
      return `- [${o.split}/${o.corpus}] ${o.id}: "${o.question}"${score}\n    expected: ${expected}\n    cited:    ${got}`;
    })
    .join("\n");
}

function parseArgs(argv: readonly string[]): { splits: Split[]; showHeldoutMisses: boolean } {
  const at = argv.indexOf("--split");
  const value = at >= 0 ? argv[at + 1] : "all";
  if (value !== "all" && value !== "tuning" && value !== "heldout") {
    throw new Error(`--split must be tuning, heldout or all (got ${value ?? "nothing"})`);
  }
  return {
    splits: value === "all" ? [...SPLITS] : [value],
    showHeldoutMisses: argv.includes("--show-heldout-misses"),
  };
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const { splits, showHeldoutMisses } = parseArgs(process.argv.slice(2));
  const report = await evaluateRetrieval();
  const parts = [formatFigures(report, splits)];
  for (const split of splits) {
    if (split === "heldout" && !showHeldoutMisses) {
      parts.push(
        "Held-out misses are not shown (they would become tuning data); --show-heldout-misses lists them.",
      );
      continue;
    }
    parts.push(`Misses (${split}):\n${formatMisses(report.outcomes.filter((o) => o.split === split))}`);
  }
  process.stdout.write(`${parts.join("\n\n")}\n`);
}
