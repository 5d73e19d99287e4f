/**
 * 3. Routing throughput: StreamRouter.routeMessage on 50 threads with active handoffs, concurrently,
 * each reply streamed in 3 chunks and both messages persisted — vs the SDK's sendMessageStream to
 * the same specialist with the same concurrency. SQLite (file) and PostgreSQL.
 */
import type { Client } from "@a2a-js/sdk/client";
import { startAgentHost } from "../lib/agents.js";
import {
  TENANT,
  USER,
  databaseCpuMs,
  openStack,
  threadsWithHandoffs,
  type DatabaseKind,
} from "../lib/environment.js";
import { medianOf, pairedThroughput } from "../lib/runner.js";
import { formatMs, formatRate, formatRatio } from "../lib/stats.js";
import type { BenchContext, BenchRow, Benchmark } from "../lib/types.js";
import { drainSdkStream, sdkClients, sdkRequest } from "./sdk.js";

const CONCURRENCY = 50;
const CHUNKS = 3;

async function measure(ctx: BenchContext, kind: DatabaseKind): Promise<BenchRow> {
  const name = `Routing throughput, ${CONCURRENCY} threads in handoff, ${kind === "sqlite" ? "SQLite" : "PostgreSQL"}`;
  const url = await ctx.env.createDatabaseUrl(kind);
  if (url === null) {
    return {
      bench: 3,
      name,
      measured: "skipped",
      baseline: "—",
      figure: "—",
      target: ">= 0.8",
      met: undefined,
      note: `PostgreSQL unavailable: ${ctx.env.postgresError}`,
    };
  }
  await using host = await startAgentHost([{ kind: "stream", id: "specialist", chunks: CHUNKS }]);
  const specialist = host.cards[0]!;
  // One pool connection per in-flight turn would hide queueing; the default pool (10) is what users get.
  await using stack = await openStack(url, { defaultAgents: [specialist] });
  const router = stack.router!;
  const threads = await threadsWithHandoffs(stack, specialist, CONCURRENCY);
  const [sdk] = (await sdkClients([specialist])) as [Client];
  let sequence = 0;
  let shortReplies = 0;
  const candidate = async (worker: number): Promise<void> => {
    let chunks = 0;
    for await (const _chunk of router.routeMessage({
      threadId: threads[worker]!,
      tenantId: TENANT,
      userId: USER,
      message: `message ${++sequence}`,
    }))
      chunks += 1;
    if (chunks !== CHUNKS) shortReplies += 1;
  };
  const baseline = async (worker: number): Promise<void> => {
    const { events } = await drainSdkStream(sdk, sdkRequest(`message ${++sequence}`, threads[worker]));
    if (events < CHUNKS) shortReplies += 1;
  };
  ctx.log(`3: routeMessage vs SDK sendMessageStream, ${kind}`);
  const { rounds, firstError } = await pairedThroughput({
    candidate: { op: candidate },
    baseline: { op: baseline },
    rounds: ctx.scale(6, 2),
    concurrency: CONCURRENCY,
    durationMs: ctx.scale(2_500, 1_000),
    warmupMs: ctx.scale(2_000, 800),
    externalCpuMs: () => host.cpuMs() + databaseCpuMs(url),
  });
  const ratio = medianOf(rounds, (r) => r.candidate.rate / r.baseline.rate);
  const errors = rounds.reduce((sum, r) => sum + r.candidate.errors + r.baseline.errors, 0);
  const problems = [
    errors > 0
      ? `${errors} failed calls (first: ${firstError instanceof Error ? firstError.message : String(firstError)})`
      : "",
    shortReplies > 0 ? `${shortReplies} replies with fewer than ${CHUNKS} chunks` : "",
  ].filter(Boolean);
  const cpu = (pick: (r: (typeof rounds)[number]) => number) => formatMs(medianOf(rounds, pick));
  const cpuNote =
    `CPU per message: OmniForge process ${cpu((r) => r.candidate.cpuPerOp)} vs SDK client ${cpu((r) => r.baseline.cpuPerOp)}; ` +
    `agent${kind === "postgres" ? " + PostgreSQL" : ""} ${cpu((r) => r.candidate.externalCpuPerOp)} vs ${cpu((r) => r.baseline.externalCpuPerOp)}`;
  return {
    bench: 3,
    name,
    measured: formatRate(medianOf(rounds, (r) => r.candidate.rate)),
    baseline: formatRate(medianOf(rounds, (r) => r.baseline.rate)),
    figure: formatRatio(ratio),
    target: ">= 0.8",
    met: ratio >= 0.8 && problems.length === 0,
    note: [...problems, cpuNote].join("; "),
  };
}

export const routingThroughput: Benchmark = {
  id: 3,
  title: "Routing throughput during handoffs",
  async run(ctx) {
    return [await measure(ctx, "sqlite"), await measure(ctx, "postgres")];
  },
};
