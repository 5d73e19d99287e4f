/**
 * Handoffs across real processes: the database, not any one process, decides who wins and
 * what survives.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { StreamRouter } from "../../src/orchestration/stream-router.js";
import { HandoffState } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { sleep, startAgent, type RecordingAgent } from "../helpers/agents.js";
import { databaseTargets } from "../helpers/databases.js";
import { spawnWorker } from "../helpers/processes.js";
import { LOOPBACK } from "../helpers/network.js";

const WORKER = "test/fixtures/handoff-worker.ts";

for (const target of databaseTargets().filter((t) => t.name !== "sqlite-memory")) {
  describe.skipIf(!target.available)(`handoffs across processes [${target.name}]`, () => {
    let specialist: RecordingAgent;
    let general: RecordingAgent;

    beforeAll(async () => {
      specialist = await startAgent({
        id: "skill-creation-agent",
        // A slow accept widens the race window between the reservations.
        onHandoffRequest: async () => {
          await sleep(20);
          return { accepted: true };
        },
        reply: (ctx) => `specialist got: ${ctx.text}`,
      });
      general = await startAgent({ id: "knowledge-agent" });
    });
    afterAll(async () => {
      await specialist?.close();
      await general?.close();
    });

    async function setup() {
      const url = await target.createUrl();
      const database = new Database(url);
      await database.initialize();
      const repo = new SqlConversationRepository(database);
      const thread = await repo.createConversation({ tenantId: "acme", userId: "alice" });
      return { url, database, repo, threadId: thread.id };
    }

    it("50 concurrent initiates from two processes: exactly one accepted, one live row", async () => {
      const { url, database, threadId } = await setup();
      try {
        const racers = [0, 1].map(() =>
          spawnWorker(WORKER, ["race", url, threadId, "acme", specialist.url, "25"]),
        );
        await Promise.all(racers.map((r) => r.line(0)));
        for (const r of racers) r.child.stdin!.write("go\n");
        const tallies = await Promise.all(racers.map((r) => r.line(1)));
        const total: Record<string, number> = {};
        for (const tally of tallies) {
          for (const [k, v] of Object.entries(JSON.parse(tally) as Record<string, number>))
            total[k] = (total[k] ?? 0) + v;
        }
        expect(total).toEqual({ accepted: 1, alreadyActive: 49 });
        const rows = await database.db
          .selectFrom("handoff_sessions")
          .select(["state"])
          .where("thread_id", "=", threadId)
          .execute();
        expect(
          rows.filter((r) => r.state === HandoffState.PENDING || r.state === HandoffState.ACTIVE),
        ).toHaveLength(1);
      } finally {
        await database.close();
      }
    });

    it("kill -9 with a handoff active: a new process sees it and routes to the specialist", async () => {
      const { url, database, threadId } = await setup();
      await database.close();
      const { child, line } = spawnWorker(WORKER, ["hold", url, threadId, "acme", specialist.url]);
      const handoffId = /^ready (\S+)/.exec(await line(0))?.[1];
      expect(handoffId).toBeDefined();
      child.kill("SIGKILL");
      await once(child, "exit");

      // A brand-new "process": fresh database handle, client, managers.
      await using revived = new Database(url);
      await revived.initialize();
      const repo = new SqlConversationRepository(revived);
      await using client = new A2AClient({ network: LOOPBACK });
      const handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
      const router = new StreamRouter({
        handoffManager: handoffs,
        orchestrationManager: new OrchestrationManager({ a2aClient: client, conversationRepo: repo }),
        defaultAgents: [general.card],
      });
      expect(await router.isHandoffActive({ threadId, tenantId: "acme" })).toBe(true);
      expect((await handoffs.getActiveHandoff({ threadId, tenantId: "acme" }))?.handoffId).toBe(handoffId);
      let reply = "";
      for await (const chunk of router.routeMessage({
        threadId,
        tenantId: "acme",
        userId: "alice",
        message: "after the crash",
      }))
        reply += chunk;
      expect(reply).toBe("specialist got: after the crash");
      expect(specialist.received.at(-1)?.handoff?.handoffId).toBe(handoffId);
    });
  });
}
