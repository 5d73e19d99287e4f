/**
 * Runs the OmniForge benchmarks and prints a markdown table; writes BENCHMARKS.md after a full run.
 *
 *   npm run bench                      all benchmarks (about 4 minutes)
 *   npm run bench -- --quick           fewer rounds, a smoke run
 *   npm run bench -- --only 3          one benchmark (or --only 1,4); BENCHMARKS.md is not rewritten
 *   npm run bench -- --only 3 --write  ... and rewrite BENCHMARKS.md anyway
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BENCHMARKS } from "./benchmarks/index.js";
import { BenchEnvironment } from "./lib/environment.js";
import { machineDescription, markdownTable, notes, writeBenchmarksMd } from "./lib/report.js";
import type { BenchContext, BenchRow } from "./lib/types.js";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    write: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write("usage: npm run bench -- [--quick] [--only N[,N...]] [--write]\n");
  process.exit(0);
}
const only = values.only
  ?.split(",")
  .map((part) => Number(part.trim()))
  .filter((n) => Number.isInteger(n));
const selected = only && only.length > 0 ? BENCHMARKS.filter((b) => only.includes(b.id)) : BENCHMARKS;
if (selected.length === 0) {
  process.stderr.write(`--only ${values.only}: no such benchmark (1-${BENCHMARKS.length})\n`);
  process.exit(2);
}

const startedAt = new Date();
const loadAverage = loadavg();
const started = performance.now();
const log = (message: string): void => {
  process.stderr.write(
    `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`,
  );
};
log(machineDescription());
const env = new BenchEnvironment();
const ctx: BenchContext = {
  quick: values.quick,
  env,
  log,
  scale: (full, quick) => (values.quick ? quick : full),
};

const rows: BenchRow[] = [];
let failed = false;
try {
  for (const benchmark of selected) {
    log(`${benchmark.id}. ${benchmark.title}`);
    try {
      const result = await benchmark.run(ctx);
      rows.push(...result);
      process.stdout.write(`${markdownTable(result).split("\n").slice(2).join("\n")}\n`);
    } catch (error) {
      failed = true;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`${benchmark.id}. ${benchmark.title} FAILED: ${message}`);
      rows.push({
        bench: benchmark.id,
        name: benchmark.title,
        measured: "failed",
        baseline: "—",
        figure: "—",
        target: "—",
        met: false,
        note: `failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
} finally {
  await env.close();
}

const durationSeconds = (performance.now() - started) / 1000;
const noteLines = notes(rows);
process.stdout.write(
  `\n${markdownTable(rows)}\n${noteLines.length > 0 ? `\n${noteLines.join("\n")}\n` : ""}`,
);
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
if (selected.length === BENCHMARKS.length || values.write) {
  const path = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url));
  writeBenchmarksMd(path, { rows, command, startedAt, durationSeconds, loadAverage });
  log(`wrote ${path}`);
} else {
  log("partial run: BENCHMARKS.md left as it was (add --write to rewrite it)");
}
log(`done in ${durationSeconds.toFixed(0)} s`);
process.exit(failed ? 1 : 0);
