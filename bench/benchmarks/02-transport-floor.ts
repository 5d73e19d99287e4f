/**
 * 2. Transport floor: one A2AClient.sendMessage vs a raw undici Pool.request carrying the same
 * JSON-RPC body to the same agent (the least any client can do on this wire).
 */
import { randomUUID } from "node:crypto";
import { Pool } from "undici";
import { startAgentHost } from "../lib/agents.js";
import { openStack } from "../lib/environment.js";
import { medianOf, pairedLatency } from "../lib/runner.js";
import { formatMs, formatRatio } from "../lib/stats.js";
import type { Benchmark } from "../lib/types.js";

const TEXT = "What is the on-call rotation for the payments team?";

export const transportFloor: Benchmark = {
  id: 2,
  title: "Transport floor",
  async run(ctx) {
    await using host = await startAgentHost([{ kind: "reply", id: "agent" }]);
    await using stack = await openStack("sqlite::memory:");
    const card = host.cards[0]!;
    const remote = await stack.client.getAgentCard(card);
    const rpcUrl = new URL(remote.supportedInterfaces[0]!.url);
    const pool = new Pool(rpcUrl.origin, { connections: 8 });
    let id = 0;
    const candidate = async (): Promise<void> => {
      const result = await stack.client.sendMessage(card, { text: TEXT });
      if (result.text === "") throw new Error("empty reply");
    };
    const baseline = async (): Promise<void> => {
      const response = await pool.request({
        path: rpcUrl.pathname,
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", "a2a-version": "1.0" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: ++id,
          method: "SendMessage",
          params: {
            message: {
              messageId: randomUUID(),
              role: "ROLE_USER",
              parts: [{ text: TEXT, mediaType: "text/plain" }],
            },
          },
        }),
      });
      const json = JSON.parse(await response.body.text()) as { result?: unknown };
      if (response.statusCode !== 200 || json.result === undefined) throw new Error("raw call failed");
    };
    ctx.log("2: A2AClient.sendMessage vs undici Pool.request");
    try {
      const rounds = await pairedLatency({
        candidate,
        baseline,
        rounds: ctx.scale(7, 3),
        callsPerRound: ctx.scale(500, 150),
        warmupCalls: ctx.scale(300, 100),
      });
      return (["p50", "p99"] as const).map((stat) => {
        const ratio = medianOf(rounds, (r) => r.candidate[stat] / r.baseline[stat]);
        return {
          bench: 2,
          name: `Transport floor, SendMessage, ${stat}`,
          measured: formatMs(medianOf(rounds, (r) => r.candidate[stat])),
          baseline: formatMs(medianOf(rounds, (r) => r.baseline[stat])),
          figure: formatRatio(ratio),
          target: stat === "p50" ? "<= 1.5" : "report",
          met: stat === "p50" ? ratio <= 1.5 : undefined,
        };
      });
    } finally {
      await pool.close();
    }
  },
};
