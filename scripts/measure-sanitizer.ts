/**
 * Measures ContextSanitizer against the labelled corpus in test/fixtures/pii-corpus.ts.
 *
 * Run with `npx tsx scripts/measure-sanitizer.ts`; prints markdown tables and every corpus case
 * whose output differs from the expected one (the corpus is the tuning set). The computation is
 * exported so that the test suite asserts on the same numbers.
 *
 * `npx tsx scripts/measure-sanitizer.ts --holdouts` prints only aggregate tables (per-category
 * TP/FP/FN/precision/recall and the exact-match count) for the corpus and the held-out sets
 * (test/fixtures/pii-holdout.ts, pii-holdout-v2.ts), never a held-out case's text or which
 * held-out cases fail: looking at those would turn them into tuning data.
 *
 * Span level: the expected and the actual output are each aligned with the input, giving the
 * spans each one replaced and with which token. An actual span is a true positive when the
 * expected output has the same token over exactly the same span, otherwise a false positive; an
 * expected span with no identical actual span is a false negative. TP and FN count towards the
 * expected span's category, FP towards the actual span's.
 */
import { pathToFileURL } from "node:url";
import {
  ContextSanitizer,
  DEFAULT_SANITIZER_CATEGORIES,
  SANITIZER_TOKENS,
  type SanitizerCategory,
} from "../src/security/sanitizer/index.js";
import { PII_CORPUS, type CorpusCase, type CorpusLabel } from "../test/fixtures/pii-corpus.js";

/** A span of the input that an output replaced with a category's token. */
export interface RedactedSpan {
  category: SanitizerCategory;
  start: number;
  end: number;
}

export interface CategoryMetrics {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** TP / (TP + FP); 1 when nothing was redacted. */
  precision: number;
  /** TP / (TP + FN); 1 when nothing should have been redacted. */
  recall: number;
}

export interface SanitizerMeasurement {
  cases: number;
  exactMatches: number;
  exactMatchRate: number;
  overall: CategoryMetrics;
  byCategory: Record<SanitizerCategory, CategoryMetrics>;
  /** Exact-match counts per corpus label. */
  byLabel: Partial<Record<CorpusLabel, { cases: number; exactMatches: number }>>;
  /** Indices of corpus cases whose output differs from the expected one. */
  mismatches: number[];
}

const TOKEN_CATEGORY = new Map<string, SanitizerCategory>(
  DEFAULT_SANITIZER_CATEGORIES.map((category) => [SANITIZER_TOKENS[category], category]),
);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every built-in token: `[EMAIL]`, `[CARD]`, `[PHONE]`, `[SSN]`, `[REDACTED]`, `[IBAN]`, `[DOB]`. */
const TOKEN_PATTERN = new RegExp(
  DEFAULT_SANITIZER_CATEGORIES.map((category) => escapeRegExp(SANITIZER_TOKENS[category])).join("|"),
  "g",
);

/**
 * The spans of `input` that `output` replaced with a token, or null when `output` is not `input`
 * with some spans replaced by tokens. A token already present in the input is kept, not counted.
 */
export function redactedSpans(input: string, output: string): RedactedSpan[] | null {
  const categories: SanitizerCategory[] = [];
  let source = "^";
  let cursor = 0;
  for (const token of output.matchAll(TOKEN_PATTERN)) {
    const category = TOKEN_CATEGORY.get(token[0]);
    if (category === undefined) continue;
    source += `${escapeRegExp(output.slice(cursor, token.index))}(?:${escapeRegExp(token[0])}|([\\s\\S]+?))`;
    categories.push(category);
    cursor = token.index + token[0].length;
  }
  source += `${escapeRegExp(output.slice(cursor))}$`;
  const match = new RegExp(source, "d").exec(input);
  if (match === null) return null;
  const spans: RedactedSpan[] = [];
  categories.forEach((category, index) => {
    const range = match.indices?.[index + 1];
    if (range !== undefined) spans.push({ category, start: range[0], end: range[1] });
  });
  return spans;
}

function emptyCounts(): { tp: number; fp: number; fn: number } {
  return { tp: 0, fp: 0, fn: 0 };
}

function toMetrics(counts: { tp: number; fp: number; fn: number }): CategoryMetrics {
  return {
    truePositives: counts.tp,
    falsePositives: counts.fp,
    falseNegatives: counts.fn,
    precision: counts.tp + counts.fp === 0 ? 1 : counts.tp / (counts.tp + counts.fp),
    recall: counts.tp + counts.fn === 0 ? 1 : counts.tp / (counts.tp + counts.fn),
  };
}

/** Runs `sanitize` over `corpus` and computes span-level precision/recall and the exact-match rate. */
export function measureSanitizer(
  sanitize: (text: string) => string,
  corpus: readonly CorpusCase[] = PII_CORPUS,
): SanitizerMeasurement {
  const counts = new Map(DEFAULT_SANITIZER_CATEGORIES.map((category) => [category, emptyCounts()]));
  const byLabel: SanitizerMeasurement["byLabel"] = {};
  const mismatches: number[] = [];
  corpus.forEach((testCase, index) => {
    const actual = sanitize(testCase.text);
    const label = (byLabel[testCase.label] ??= { cases: 0, exactMatches: 0 });
    label.cases += 1;
    if (actual === testCase.expected) {
      label.exactMatches += 1;
    } else {
      mismatches.push(index);
    }
    const expectedSpans = redactedSpans(testCase.text, testCase.expected);
    if (expectedSpans === null) {
      throw new Error(`corpus case ${index}: expected output is not the input with spans replaced by tokens`);
    }
    // An output that cannot be aligned is treated as wrong everywhere it should have redacted.
    const actualSpans = redactedSpans(testCase.text, actual) ?? [];
    const same = (a: RedactedSpan, b: RedactedSpan): boolean =>
      a.category === b.category && a.start === b.start && a.end === b.end;
    for (const span of actualSpans) {
      const bucket = counts.get(span.category) ?? emptyCounts();
      if (expectedSpans.some((expected) => same(expected, span))) bucket.tp += 1;
      else bucket.fp += 1;
    }
    for (const span of expectedSpans) {
      if (!actualSpans.some((got) => same(got, span))) (counts.get(span.category) ?? emptyCounts()).fn += 1;
    }
  });
  const total = emptyCounts();
  const byCategory = {} as Record<SanitizerCategory, CategoryMetrics>;
  for (const [category, bucket] of counts) {
    total.tp += bucket.tp;
    total.fp += bucket.fp;
    total.fn += bucket.fn;
    byCategory[category] = toMetrics(bucket);
  }
  const exactMatches = corpus.length - mismatches.length;
  return {
    cases: corpus.length,
    exactMatches,
    exactMatchRate: corpus.length === 0 ? 1 : exactMatches / corpus.length,
    overall: toMetrics(total),
    byCategory,
    byLabel,
    mismatches,
  };
}

/**
 * Markdown tables of a {@link measureSanitizer} result. `byLabel: false` leaves out the per-label
 * table, keeping only the per-category table and the exact-match count (for held-out sets).
 */
export function formatMeasurement(
  measurement: SanitizerMeasurement,
  { byLabel = true }: { byLabel?: boolean } = {},
): string {
  const row = (name: string, metrics: CategoryMetrics): string =>
    `| ${name} | ${metrics.truePositives} | ${metrics.falsePositives} | ${metrics.falseNegatives} | ` +
    `${metrics.precision.toFixed(3)} | ${metrics.recall.toFixed(3)} |`;
  const lines = [
    "| category | TP | FP | FN | precision | recall |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...Object.entries(measurement.byCategory).map(([category, metrics]) => row(category, metrics)),
    row("**overall**", measurement.overall),
    "",
    `Exact match: ${measurement.exactMatches}/${measurement.cases} ` +
      `(${(measurement.exactMatchRate * 100).toFixed(1)}%)`,
  ];
  if (!byLabel) return lines.join("\n");
  lines.push(
    "",
    "| corpus label | cases | exact |",
    "| --- | ---: | ---: |",
    ...Object.entries(measurement.byLabel).map(
      ([label, entry]) => `| ${label} | ${entry.cases} | ${entry.exactMatches} |`,
    ),
  );
  return lines.join("\n");
}

/** The held-out sets, loaded only when asked for, as `[name, cases]`. */
async function loadHoldouts(): Promise<Array<[string, readonly CorpusCase[]]>> {
  const v1 = await import("../test/fixtures/pii-holdout.js");
  const v2 = (await import("../test/fixtures/pii-holdout-v2.js")) as Record<string, unknown>;
  // The v2 set is taken as whatever case array it exports, so that its file need not be opened.
  const v2Cases = Object.values(v2).find((value): value is readonly CorpusCase[] => Array.isArray(value));
  if (v2Cases === undefined) throw new Error("pii-holdout-v2.ts exports no case array");
  return [
    ["holdout v1 (test/fixtures/pii-holdout.ts)", v1.PII_HOLDOUT],
    ["holdout v2 (test/fixtures/pii-holdout-v2.ts)", v2Cases],
  ];
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const sanitizer = new ContextSanitizer();
  const sanitize = (text: string): string => sanitizer.sanitize(text);
  if (process.argv.includes("--holdouts")) {
    // Aggregates only: no case text, no mismatch indices, no per-label counts for held-out sets.
    const sets: Array<[string, readonly CorpusCase[]]> = [
      ["tuning corpus (test/fixtures/pii-corpus.ts)", PII_CORPUS],
      ...(await loadHoldouts()),
    ];
    for (const [name, cases] of sets) {
      console.log(
        `## ${name}\n\n${formatMeasurement(measureSanitizer(sanitize, cases), { byLabel: false })}\n`,
      );
    }
  } else {
    const measurement = measureSanitizer(sanitize);
    console.log(formatMeasurement(measurement));
    for (const index of measurement.mismatches) {
      const testCase = PII_CORPUS[index];
      if (testCase === undefined) continue;
      console.log(`\nmismatch #${index} (${testCase.label}${testCase.kind ? `/${testCase.kind}` : ""})`);
      console.log(`  expected: ${JSON.stringify(testCase.expected)}`);
      console.log(`  actual:   ${JSON.stringify(sanitizer.sanitize(testCase.text))}`);
    }
  }
}
