/** 7. Handoff state check: HandoffManager/StreamRouter.isHandoffActive per call, SQLite and PostgreSQL. */
import type { AgentCard } from "../../src/index.js";
import { startAgentHost } from "../lib/agents.js";
import { TENANT, openStack, threadsWithHandoffs, type DatabaseKind } from "../lib/environment.js";
import { closedLoop, settle } from "../lib/runner.js";
import { formatMs, formatRate, median, summarize } from "../lib/stats.js";
import type { BenchContext, BenchRow, Benchmark } from "../lib/types.js";

const IN_FLIGHT = 32;

async function measure(ctx: BenchContext, kind: DatabaseKind, specialist: AgentCard): Promise<BenchRow> {
  const name = `isHandoffActive, ${kind === "sqlite" ? "SQLite (file)" : "PostgreSQL"}`;
  const url = await ctx.env.createDatabaseUrl(kind);
  if (url === null) {
    return {
      bench: 7,
      name,
      measured: "skipped",
      baseline: "—",
      figure: "—",
      target: "report",
      met: undefined,
      note: `PostgreSQL unavailable: ${ctx.env.postgresError}`,
    };
  }
  await using stack = await openStack(url);
  const threads = await threadsWithHandoffs(stack, specialist, IN_FLIGHT);
  const check = async (threadId: string): Promise<void> => {
    if (!(await stack.handoffs.isHandoffActive({ threadId, tenantId: TENANT })))
      throw new Error("handoff not active");
  };
  ctx.log(`7: isHandoffActive, ${kind}`);
  for (let i = 0; i < ctx.scale(2_000, 500); i++) await check(threads[i % IN_FLIGHT]!);
  const p50s: number[] = [];
  const p99s: number[] = [];
  const rates: number[] = [];
  for (let round = 0; round < ctx.scale(5, 2); round++) {
    await settle();
    const samples: number[] = [];
    for (let i = 0; i < ctx.scale(2_000, 500); i++) {
      const started = performance.now();
      await check(threads[i % IN_FLIGHT]!);
      samples.push(performance.now() - started);
    }
    const summary = summarize(samples);
    p50s.push(summary.p50);
    p99s.push(summary.p99);
    await settle();
    const loop = await closedLoop(
      { op: (worker) => check(threads[worker]!) },
      IN_FLIGHT,
      ctx.scale(1_000, 400),
    );
    if (loop.errors > 0) throw loop.firstError;
    rates.push(loop.rate);
  }
  return {
    bench: 7,
    name,
    measured: `${formatMs(median(p50s))}/call p50 (p99 ${formatMs(median(p99s))})`,
    baseline: "—",
    figure: `${formatRate(median(rates))} (${IN_FLIGHT} in flight)`,
    target: "report",
    met: undefined,
  };
}

export const handoffState: Benchmark = {
  id: 7,
  title: "Handoff state check",
  async run(ctx) {
    await using host = await startAgentHost([{ kind: "stream", id: "specialist", chunks: 1 }]);
    const specialist = host.cards[0]!;
    return [await measure(ctx, "sqlite", specialist), await measure(ctx, "postgres", specialist)];
  },
};
