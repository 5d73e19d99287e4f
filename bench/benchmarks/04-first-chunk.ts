/**
 * 4. Time to first chunk: StreamRouter.routeMessage on a thread in handoff (thread check, handoff
 * lookup, user message stored, activity recorded, then the specialist's stream) vs the SDK's
 * sendMessageStream straight to the same specialist.
 */
import type { Client } from "@a2a-js/sdk/client";
import { startAgentHost } from "../lib/agents.js";
import { TENANT, USER, openStack, threadsWithHandoffs, type DatabaseKind } from "../lib/environment.js";
import { medianOf, pairedLatency } from "../lib/runner.js";
import { formatMs } from "../lib/stats.js";
import type { BenchContext, BenchRow, Benchmark } from "../lib/types.js";
import { drainSdkStream, sdkClients, sdkRequest } from "./sdk.js";

const TARGET_MS = 2;

async function measure(ctx: BenchContext, kind: DatabaseKind): Promise<BenchRow> {
  const name = `Time to first chunk via router, p50 delta, ${kind === "sqlite" ? "SQLite" : "PostgreSQL"}`;
  const url = await ctx.env.createDatabaseUrl(kind);
  if (url === null) {
    return {
      bench: 4,
      name,
      measured: "skipped",
      baseline: "—",
      figure: "—",
      target: `+ <= ${TARGET_MS} ms`,
      met: undefined,
      note: `PostgreSQL unavailable: ${ctx.env.postgresError}`,
    };
  }
  await using host = await startAgentHost([{ kind: "stream", id: "specialist", chunks: 3 }]);
  const specialist = host.cards[0]!;
  await using stack = await openStack(url, { defaultAgents: [specialist] });
  const router = stack.router!;
  const [threadId] = await threadsWithHandoffs(stack, specialist, 1);
  const [sdk] = (await sdkClients([specialist])) as [Client];
  let sequence = 0;
  const candidate = async (): Promise<number> => {
    const started = performance.now();
    let firstChunkMs = Number.NaN;
    for await (const _chunk of router.routeMessage({
      threadId: threadId!,
      tenantId: TENANT,
      userId: USER,
      message: `message ${++sequence}`,
    })) {
      if (Number.isNaN(firstChunkMs)) firstChunkMs = performance.now() - started;
    }
    return firstChunkMs;
  };
  const baseline = async (): Promise<number> =>
    (await drainSdkStream(sdk, sdkRequest(`message ${++sequence}`, threadId))).firstChunkMs;
  ctx.log(`4: first chunk through the router vs SDK sendMessageStream, ${kind}`);
  const rounds = await pairedLatency({
    candidate,
    baseline,
    selfTimed: true,
    rounds: ctx.scale(7, 3),
    callsPerRound: ctx.scale(200, 60),
    warmupCalls: ctx.scale(200, 50),
  });
  const delta = medianOf(rounds, (r) => r.candidate.p50 - r.baseline.p50);
  return {
    bench: 4,
    name,
    measured: formatMs(medianOf(rounds, (r) => r.candidate.p50)),
    baseline: formatMs(medianOf(rounds, (r) => r.baseline.p50)),
    figure: `${delta >= 0 ? "+" : "-"}${formatMs(Math.abs(delta))}`,
    target: `+ <= ${TARGET_MS} ms`,
    met: delta <= TARGET_MS,
  };
}

export const firstChunk: Benchmark = {
  id: 4,
  title: "Time to first chunk through the router",
  async run(ctx) {
    return [await measure(ctx, "sqlite"), await measure(ctx, "postgres")];
  },
};
