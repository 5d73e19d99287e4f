import { beforeAll, describe, expect, it } from "vitest";
import {
  evaluateRetrieval,
  formatFigures,
  readQuerySet,
  type RetrievalReport,
} from "../../../scripts/eval-retrieval.js";

/**
 * The figures measured on the held-out half when the ranking was tuned (README, "Retrieval
 * quality"), rounded down. Retrieval is deterministic, so a drop below them is a real regression;
 * raise them when a change improves the held-out figures.
 */
const HELDOUT_FLOOR = {
  knowledge: { recallAt3: 0.625, mrr: 0.541 },
  research: { recallAt3: 0.772, mrr: 0.727 },
  all: { recallAt3: 0.695, mrr: 0.63 },
} as const;

describe("retrieval quality (scripts/eval-retrieval.ts)", () => {
  let report: RetrievalReport;
  beforeAll(async () => {
    // Fails when a label names a passage its corpus does not have.
    report = await evaluateRetrieval();
  });

  it("the labelled query set has both halves, both corpora, and questions that must be declined", async () => {
    const queries = await readQuerySet();
    expect(queries.length).toBeGreaterThanOrEqual(40);
    for (const split of ["tuning", "heldout"] as const) {
      const half = queries.filter((q) => q.split === split);
      expect(half.filter((q) => (q.relevant.knowledge?.length ?? 0) > 0).length).toBeGreaterThanOrEqual(20);
      expect(half.filter((q) => (q.relevant.research?.length ?? 0) > 0).length).toBeGreaterThanOrEqual(20);
    }
    expect(queries.some((q) => q.relevant.knowledge?.length === 0)).toBe(true);
    // The demo's first question is in the set, labelled with the crash-recovery note.
    const crash = queries.find((q) => q.question === "How do agents recover their state after a crash?");
    expect(crash?.relevant.research).toContain("durability-and-crash-recovery.md");
  });

  it("the held-out half stays at or above the measured floor, and every non-answer is declined", () => {
    const heldout = report.figures.heldout;
    for (const corpus of ["knowledge", "research", "all"] as const) {
      expect
        .soft(heldout[corpus].recallAt3, `${corpus} recall@3`)
        .toBeGreaterThanOrEqual(HELDOUT_FLOOR[corpus].recallAt3);
      expect.soft(heldout[corpus].mrr, `${corpus} MRR`).toBeGreaterThanOrEqual(HELDOUT_FLOOR[corpus].mrr);
    }
    for (const split of ["tuning", "heldout"] as const) {
      expect(report.figures[split].all.declined).toBe(report.figures[split].all.shouldDecline);
    }
    expect(report.figures.heldout.all.shouldDecline).toBeGreaterThan(0);
  });

  it("scores the demo's crash question by what the agents cite", () => {
    const crash = report.outcomes.filter((o) => o.id === "crash-recovery");
    expect(crash.map((o) => [o.corpus, o.reciprocalRank])).toEqual([
      ["knowledge", 1],
      ["research", 1],
    ]);
    expect(crash[1]?.cited[0]).toMatch(/^durability-and-crash-recovery\.md § /);
    expect(formatFigures(report, ["heldout"])).toMatch(
      /^\| split \| corpus \| questions \| recall@3 \| MRR \|/,
    );
  });
});
