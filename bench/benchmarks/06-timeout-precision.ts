/**
 * 6. Timeout precision: delegations to agents that never answer, timeoutMs 200. The figure is
 * the p99 of (time delegateToAgents returned - 200 ms), with several delegations in flight.
 */
import { DelegationStrategy } from "../../src/index.js";
import { startAgentHost } from "../lib/agents.js";
import { TENANT, USER, openStack } from "../lib/environment.js";
import { settle } from "../lib/runner.js";
import { formatMs, median, percentile } from "../lib/stats.js";
import type { Benchmark } from "../lib/types.js";

const TIMEOUT_MS = 200;
const HANGING_AGENTS = 5;
const IN_FLIGHT = 2;

export const timeoutPrecision: Benchmark = {
  id: 6,
  title: "Timeout precision",
  async run(ctx) {
    await using host = await startAgentHost([{ kind: "hang", id: "hung", count: HANGING_AGENTS }]);
    await using stack = await openStack((await ctx.env.createDatabaseUrl("sqlite"))!);
    const threadId = await stack.newThread();
    const delegateOnce = async (): Promise<number> => {
      const started = performance.now();
      const results = await stack.orchestrator.delegateToAgents({
        threadId,
        tenantId: TENANT,
        userId: USER,
        message: "are you there?",
        targetAgentCards: host.cards,
        strategy: DelegationStrategy.PARALLEL,
        timeoutMs: TIMEOUT_MS,
      });
      const overshoot = performance.now() - started - TIMEOUT_MS;
      if (results.some((result) => result.errorCode !== "AGENT_TIMEOUT"))
        throw new Error(`expected every agent to time out: ${JSON.stringify(results)}`);
      return overshoot;
    };
    const perWorker = ctx.scale(6, 3);
    const round = async (): Promise<number[]> => {
      const overshoots: number[] = [];
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async (_, worker) => {
          // Staggered starts, so the timers do not all fire in the same tick.
          await new Promise((resolve) => setTimeout(resolve, (worker * TIMEOUT_MS) / IN_FLIGHT));
          for (let i = 0; i < perWorker; i++) overshoots.push(await delegateOnce());
        }),
      );
      return overshoots;
    };
    ctx.log(
      `6: ${IN_FLIGHT} delegations in flight to ${HANGING_AGENTS} hanging agents, timeoutMs ${TIMEOUT_MS}`,
    );
    await round();
    const perRoundP99: number[] = [];
    const perRoundP50: number[] = [];
    const all: number[] = [];
    for (let r = 0; r < ctx.scale(5, 2); r++) {
      await settle();
      const overshoots = await round();
      perRoundP99.push(percentile(overshoots, 99));
      perRoundP50.push(percentile(overshoots, 50));
      all.push(...overshoots);
    }
    const p99 = median(perRoundP99);
    return [
      {
        bench: 6,
        name: `Timeout precision, ${HANGING_AGENTS} hanging agents, timeoutMs ${TIMEOUT_MS}, p99 overshoot`,
        measured: `+${formatMs(p99)} (p50 +${formatMs(median(perRoundP50))})`,
        baseline: `${TIMEOUT_MS} ms`,
        figure: `+${formatMs(p99)}`,
        target: "<= 20 ms",
        met: p99 <= 20,
        note: `${all.length} delegations; pooled p99 +${formatMs(percentile(all, 99))}, max +${formatMs(Math.max(...all))}`,
      },
    ];
  },
};
