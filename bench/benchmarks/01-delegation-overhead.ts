/**
 * 1. Delegation overhead: OrchestrationManager.delegateToAgents (PARALLEL, 3 agents, SQLite file,
 * audit and sanitizer on) vs a hand-written Promise.all of three @a2a-js/sdk sendMessage calls to
 * the same agents.
 */
import { DelegationStrategy } from "../../src/index.js";
import { startAgentHost } from "../lib/agents.js";
import { TENANT, USER, openStack } from "../lib/environment.js";
import { medianOf, pairedLatency } from "../lib/runner.js";
import { formatMs, formatRatio } from "../lib/stats.js";
import type { Benchmark } from "../lib/types.js";
import { sdkClients, sdkRequest } from "./sdk.js";

const MESSAGE = "Summarize the Q3 incident report for the on-call channel";

export const delegationOverhead: Benchmark = {
  id: 1,
  title: "Delegation overhead",
  async run(ctx) {
    await using host = await startAgentHost([{ kind: "reply", id: "agent", count: 3 }]);
    await using stack = await openStack((await ctx.env.createDatabaseUrl("sqlite"))!);
    const threadId = await stack.newThread();
    const clients = await sdkClients(host.cards);
    const candidate = async (): Promise<void> => {
      const results = await stack.orchestrator.delegateToAgents({
        threadId,
        tenantId: TENANT,
        userId: USER,
        message: MESSAGE,
        targetAgentCards: host.cards,
        strategy: DelegationStrategy.PARALLEL,
      });
      const failed = results.find((result) => !result.success);
      if (failed) throw new Error(`delegation failed: ${failed.errorCode} ${failed.error}`);
    };
    const baseline = async (): Promise<void> => {
      await Promise.all(clients.map((client) => client.sendMessage(sdkRequest(MESSAGE, threadId))));
    };
    ctx.log("1: delegateToAgents x3 vs SDK Promise.all x3");
    const rounds = await pairedLatency({
      candidate,
      baseline,
      rounds: ctx.scale(7, 3),
      callsPerRound: ctx.scale(200, 60),
      warmupCalls: ctx.scale(200, 50),
    });
    const rows = (["p50", "p99"] as const).map((stat) => {
      const ratio = medianOf(rounds, (r) => r.candidate[stat] / r.baseline[stat]);
      return {
        bench: 1,
        name: `Delegation overhead, PARALLEL x3, SQLite, ${stat}`,
        measured: formatMs(medianOf(rounds, (r) => r.candidate[stat])),
        baseline: formatMs(medianOf(rounds, (r) => r.baseline[stat])),
        figure: formatRatio(ratio),
        target: "<= 1.0",
        met: ratio <= 1.0,
      };
    });
    return rows;
  },
};
