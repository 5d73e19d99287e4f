/**
 * 5. Fan-out: one PARALLEL delegation to 200 agents that each answer after 50 ms. The ideal is
 * 50 ms; the figure is total time / 50 ms. The SDK's Promise.all over the same agents runs
 * interleaved, for reference.
 */
import { DelegationStrategy } from "../../src/index.js";
import { startAgentHost } from "../lib/agents.js";
import { TENANT, USER, openStack } from "../lib/environment.js";
import { medianOf, pairedLatency } from "../lib/runner.js";
import { formatMs, formatRatio } from "../lib/stats.js";
import type { Benchmark } from "../lib/types.js";
import { sdkClients, sdkRequest } from "./sdk.js";

const AGENTS = 200;
const DELAY_MS = 50;

export const fanOut: Benchmark = {
  id: 5,
  title: "Fan-out to 200 agents",
  async run(ctx) {
    await using host = await startAgentHost([
      { kind: "delay", id: "slow", delayMs: DELAY_MS, count: AGENTS },
    ]);
    await using stack = await openStack((await ctx.env.createDatabaseUrl("sqlite"))!);
    const threadId = await stack.newThread();
    const clients = await sdkClients(host.cards);
    const candidate = async (): Promise<void> => {
      const results = await stack.orchestrator.delegateToAgents({
        threadId,
        tenantId: TENANT,
        userId: USER,
        message: "status report please",
        targetAgentCards: host.cards,
        strategy: DelegationStrategy.PARALLEL,
        timeoutMs: 10_000,
      });
      const failed = results.filter((result) => !result.success);
      if (failed.length > 0) throw new Error(`${failed.length} agents failed: ${failed[0]!.errorCode}`);
    };
    const baseline = async (): Promise<void> => {
      await Promise.all(
        clients.map((client) => client.sendMessage(sdkRequest("status report please", threadId))),
      );
    };
    ctx.log(`5: delegateToAgents to ${AGENTS} agents (${DELAY_MS} ms each)`);
    const rounds = await pairedLatency({
      candidate,
      baseline,
      rounds: ctx.scale(7, 3),
      callsPerRound: ctx.scale(10, 4),
      warmupCalls: ctx.scale(5, 3),
    });
    const ratio = medianOf(rounds, (r) => r.candidate.p50) / DELAY_MS;
    // Where the time goes: CPU one fan-out costs this process and the agents' process.
    const cpuRuns = ctx.scale(5, 2);
    const own0 = process.cpuUsage();
    const agents0 = host.cpuMs();
    for (let i = 0; i < cpuRuns; i++) await candidate();
    const own = process.cpuUsage(own0);
    const ownMs = (own.user + own.system) / 1000 / cpuRuns;
    const agentsMs = (host.cpuMs() - agents0) / cpuRuns;
    return [
      {
        bench: 5,
        name: `Fan-out, PARALLEL to ${AGENTS} agents answering after ${DELAY_MS} ms, total / ${DELAY_MS} ms`,
        measured: formatMs(medianOf(rounds, (r) => r.candidate.p50)),
        baseline: `${DELAY_MS} ms ideal; SDK Promise.all ${formatMs(medianOf(rounds, (r) => r.baseline.p50))}`,
        figure: formatRatio(ratio),
        target: "<= 1.5",
        met: ratio <= 1.5,
        note:
          `SDK Promise.all over the same agents: ${formatRatio(medianOf(rounds, (r) => r.baseline.p50) / DELAY_MS)} x ${DELAY_MS} ms; ` +
          `CPU per fan-out: OmniForge process ${formatMs(ownMs)} (${formatMs(ownMs / AGENTS)} per agent), ` +
          `the agents' process ${formatMs(agentsMs)} (${formatMs(agentsMs / AGENTS)} per request)`,
      },
    ];
  },
};
