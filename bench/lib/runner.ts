/**
 * Interleaved measurement: the candidate and its baseline run in the same process, in the same
 * rounds, alternating call by call (latency) or phase by phase in ABBA order (throughput), so
 * machine drift and background noise land on both sides alike. Every figure is computed per round;
 * the reported figure is the median over rounds.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { median, summarize, type Summary } from "./stats.js";

setFlagsFromString("--expose-gc");
const forceGc = runInNewContext("gc") as () => void;

/** A full collection between phases, so one side does not pay for the other's garbage. */
export async function settle(): Promise<void> {
  forceGc();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface PairedLatencyOptions {
  /**
   * One call. With `selfTimed`, the call returns the milliseconds to record (e.g. time to first
   * chunk); otherwise its whole duration is recorded.
   */
  candidate: () => Promise<unknown>;
  baseline: () => Promise<unknown>;
  rounds: number;
  callsPerRound: number;
  /** Calls of each side before the first round (JIT, connections, caches). */
  warmupCalls: number;
  selfTimed?: boolean;
}

export interface PairedRound<T> {
  candidate: T;
  baseline: T;
}

async function wholeCall(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function selfTimed(fn: () => Promise<unknown>): Promise<number> {
  const ms = await fn();
  if (typeof ms !== "number") throw new Error("a selfTimed call must return its milliseconds");
  return ms;
}

/** Per-round latency summaries of candidate and baseline, calls alternating ABBA within each round. */
export async function pairedLatency(options: PairedLatencyOptions): Promise<PairedRound<Summary>[]> {
  const measure = options.selfTimed ? selfTimed : wholeCall;
  for (let i = 0; i < options.warmupCalls; i++) {
    await options.candidate();
    await options.baseline();
  }
  const rounds: PairedRound<Summary>[] = [];
  for (let round = 0; round < options.rounds; round++) {
    await settle();
    const candidate: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < options.callsPerRound; i++) {
      if ((i + round) % 2 === 0) {
        candidate.push(await measure(options.candidate));
        baseline.push(await measure(options.baseline));
      } else {
        baseline.push(await measure(options.baseline));
        candidate.push(await measure(options.candidate));
      }
    }
    rounds.push({ candidate: summarize(candidate), baseline: summarize(baseline) });
  }
  return rounds;
}

export interface ThroughputPhase {
  /** One operation by worker `worker` (0 .. concurrency-1). */
  op: (worker: number) => Promise<unknown>;
}

export interface PairedThroughputOptions {
  candidate: ThroughputPhase;
  baseline: ThroughputPhase;
  rounds: number;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** CPU used so far by the other processes involved (agents, database), to charge per operation. */
  externalCpuMs?: () => number;
}

/** Operations per second of a closed loop of `concurrency` workers for `durationMs`. */
export async function closedLoop(
  phase: ThroughputPhase,
  concurrency: number,
  durationMs: number,
): Promise<{ rate: number; ops: number; errors: number; firstError?: unknown }> {
  let ops = 0;
  let errors = 0;
  let firstError: unknown;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        try {
          await phase.op(worker);
          ops += 1;
        } catch (error) {
          errors += 1;
          firstError ??= error;
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  return { rate: (ops * 1000) / elapsed, ops, errors, ...(firstError === undefined ? {} : { firstError }) };
}

export interface ThroughputRound {
  rate: number;
  errors: number;
  /** CPU per operation in this process (ms). */
  cpuPerOp: number;
  /** CPU per operation in the other processes (ms), NaN when not measured. */
  externalCpuPerOp: number;
}

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Per-round throughput of candidate and baseline, phases alternating ABBA. */
export async function pairedThroughput(
  options: PairedThroughputOptions,
): Promise<{ rounds: PairedRound<ThroughputRound>[]; firstError?: unknown }> {
  let firstError: unknown;
  const run = async (phase: ThroughputPhase, durationMs: number): Promise<ThroughputRound> => {
    await settle();
    const own = ownCpuMs();
    const external = options.externalCpuMs?.() ?? Number.NaN;
    const result = await closedLoop(phase, options.concurrency, durationMs);
    firstError ??= result.firstError;
    const ops = Math.max(1, result.ops);
    return {
      rate: result.rate,
      errors: result.errors,
      cpuPerOp: (ownCpuMs() - own) / ops,
      externalCpuPerOp: ((options.externalCpuMs?.() ?? Number.NaN) - external) / ops,
    };
  };
  await run(options.candidate, options.warmupMs);
  await run(options.baseline, options.warmupMs);
  const rounds: PairedRound<ThroughputRound>[] = [];
  for (let round = 0; round < options.rounds; round++) {
    if (round % 2 === 0) {
      const candidate = await run(options.candidate, options.durationMs);
      const baseline = await run(options.baseline, options.durationMs);
      rounds.push({ candidate, baseline });
    } else {
      const baseline = await run(options.baseline, options.durationMs);
      const candidate = await run(options.candidate, options.durationMs);
      rounds.push({ candidate, baseline });
    }
  }
  return firstError === undefined ? { rounds } : { rounds, firstError };
}

/** The median over rounds of a per-round figure. */
export function medianOf<T>(rounds: readonly T[], pick: (round: T) => number): number {
  return median(rounds.map(pick));
}
