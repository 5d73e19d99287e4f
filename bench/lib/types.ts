/** The shape every benchmark has, and what it reports. */
import type { BenchEnvironment } from "./environment.js";

/** One line of the results table. */
export interface BenchRow {
  /** The benchmark's number (1-8). */
  bench: number;
  name: string;
  /** The candidate's figure, formatted. */
  measured: string;
  /** The baseline's figure, formatted ("—" when there is none). */
  baseline: string;
  /** The compared figure (ratio, delta or rate), formatted. */
  figure: string;
  target: string;
  /** Undefined when the row has no target (report only). */
  met: boolean | undefined;
  /** Anything a reader needs to trust the row (errors, skipped backends, spread). */
  note?: string;
}

export interface BenchContext {
  readonly quick: boolean;
  readonly env: BenchEnvironment;
  /** Progress on stderr, so stdout stays the table. */
  log(message: string): void;
  /** `full` normally, `quick` with --quick. */
  scale(full: number, quick: number): number;
}

export interface Benchmark {
  id: number;
  title: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}
