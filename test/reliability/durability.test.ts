/**
 * Durability: a worker process (fixtures/durability-worker.ts) is killed with SIGKILL in the middle
 * of handoffs and in the middle of routing. A fresh process then finds every acknowledged message
 * and handoff state, no thread with two live handoffs, and keeps serving. SQLite (file) and PostgreSQL.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { MessageRole } from "../../src/conversation/models.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { StreamRouter } from "../../src/orchestration/stream-router.js";
import { HandoffState } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { databaseTargets, tempSqlitePath } from "../helpers/databases.js";
import { fixturePath, startChild, type Child } from "./support/children.js";
import { installProcessGuard } from "./support/process-guard.js";
import { LOOPBACK } from "../helpers/network.js";

const guard = installProcessGuard();

const TENANT = "durable-tenant";
const USER = "durable-user";
const WORKER = fixturePath("durability-worker.ts");
/** Acks to wait for before the kill: enough that many operations are in flight when it lands. */
const ACKS_BEFORE_KILL = 80;
const ROUTING_THREADS = 12;

const isAck = (line: string): boolean => line.startsWith("ack ");

let specialist: RecordingAgent;
let specialistCard: AgentCard;

beforeAll(async () => {
  specialist = await startAgent({
    id: "durable-specialist",
    onHandoffRequest: async () => ({ accepted: true }),
    reply: (ctx) => [`reply to `, ctx.text],
  });
  specialistCard = { ...specialist.card, identity: { id: "durable-specialist", name: "Durable specialist" } };
});
afterAll(async () => {
  await specialist?.close();
});

/** A fresh "process": new database handle, client and managers on the same database. */
async function revive(url: string) {
  const database = new Database(url);
  await database.initialize();
  const repo = new SqlConversationRepository(database);
  const client = new A2AClient({ network: LOOPBACK });
  const handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
  const router = new StreamRouter({
    handoffManager: handoffs,
    orchestrationManager: new OrchestrationManager({ a2aClient: client, conversationRepo: repo }),
    defaultAgents: [specialistCard],
  });
  return {
    database,
    repo,
    handoffs,
    router,
    async close() {
      await client.close();
      await database.close();
    },
  };
}

/** Threads with more than one pending-or-active handoff (must be none, whatever happened). */
async function threadsWithTwoLiveHandoffs(database: Database): Promise<unknown[]> {
  const rows = await database.db
    .selectFrom("handoff_sessions")
    .select(["thread_id"])
    .select((eb) => eb.fn.countAll<number>().as("live"))
    .where("state", "in", [HandoffState.PENDING, HandoffState.ACTIVE])
    .groupBy("thread_id")
    .execute();
  return rows.filter((row) => Number(row.live) > 1);
}

async function routeOnce(router: StreamRouter, threadId: string, message: string): Promise<string> {
  let reply = "";
  for await (const chunk of router.routeMessage({ threadId, tenantId: TENANT, userId: USER, message }))
    reply += chunk;
  return reply;
}

function expectNoWorkerErrors(child: Child): void {
  expect(child.lines.filter((line) => line.startsWith("error "))).toEqual([]);
}

for (const target of databaseTargets().filter((t) => t.name !== "sqlite-memory")) {
  describe.skipIf(!target.available)(`kill -9 [${target.name}]`, () => {
    it("during handoffs: every acknowledged handoff state survives; never two live handoffs on a thread", async () => {
      const url = await target.createUrl();
      const child = startChild(WORKER, ["handoffs", url, TENANT, specialist.url, "8"]);
      try {
        await child.waitForLine((line) => line === "ready");
        await child.waitForCount(isAck, ACKS_BEFORE_KILL);
      } finally {
        await child.kill9();
      }
      expectNoWorkerErrors(child);
      const acks = child.lines.filter(isAck).map((line) => line.split(" "));
      const threads = acks.filter((a) => a[1] === "thread").map((a) => a[2]!);
      const lastState = new Map<string, { threadId: string; state: string }>();
      for (const [, kind, threadId, handoffId, state] of acks)
        if (kind === "handoff") lastState.set(handoffId!, { threadId: threadId!, state: state! });
      expect(lastState.size).toBeGreaterThan(0);

      const revived = await revive(url);
      try {
        for (const threadId of threads) {
          expect(
            await revived.repo.getConversation({ conversationId: threadId, tenantId: TENANT }),
          ).not.toBeNull();
        }
        const rows = await revived.database.db
          .selectFrom("handoff_sessions")
          .select(["id", "thread_id", "state"])
          .where("tenant_id", "=", TENANT)
          .execute();
        const stored = new Map(rows.map((row) => [row.id, row]));
        for (const [handoffId, ack] of lastState) {
          const row = stored.get(handoffId);
          expect(row, `acknowledged handoff ${handoffId}`).toBeDefined();
          expect(row!.thread_id).toBe(ack.threadId);
          // A cancel may have committed after its initiate's ack and before the kill.
          const allowed =
            ack.state === "active" ? [HandoffState.ACTIVE, HandoffState.CANCELLED] : [ack.state];
          expect(allowed, `state of ${handoffId}`).toContain(row!.state);
        }
        expect(await threadsWithTwoLiveHandoffs(revived.database)).toEqual([]);

        // The revived process serves: it routes to a surviving handoff, and starts a new one.
        const survivor = [...lastState.entries()].find(
          ([id]) => stored.get(id)?.state === HandoffState.ACTIVE,
        );
        expect(survivor, "an acknowledged handoff still active").toBeDefined();
        const threadId = survivor![1].threadId;
        expect((await revived.handoffs.getActiveHandoff({ threadId, tenantId: TENANT }))?.handoffId).toBe(
          survivor![0],
        );
        expect(await routeOnce(revived.router, threadId, "after the crash")).toBe("reply to after the crash");
        const fresh = await revived.repo.createConversation({ tenantId: TENANT, userId: USER });
        const acceptance = await revived.handoffs.initiateHandoff({
          threadId: fresh.id,
          tenantId: TENANT,
          userId: USER,
          sourceAgentId: "main-chatbot",
          targetAgentCard: specialistCard,
          contextSummary: "after restart",
          handoffReason: "durability",
        });
        expect(acceptance.accepted).toBe(true);
        process.stdout.write(
          `\n[reliability] kill -9 during handoffs [${target.name}]: ${acks.length} acks (${threads.length} threads, ` +
            `${lastState.size} handoffs) all found after restart; ${rows.length} sessions stored\n`,
        );
      } finally {
        await revived.close();
      }
      guard.expectClean();
    });

    it("during routing: every acknowledged message and its reply survive, once each", async () => {
      const url = await target.createUrl();
      const setup = await revive(url);
      const threadIds: string[] = [];
      try {
        for (let i = 0; i < ROUTING_THREADS; i++) {
          const thread = await setup.repo.createConversation({ tenantId: TENANT, userId: USER });
          const acceptance = await setup.handoffs.initiateHandoff({
            threadId: thread.id,
            tenantId: TENANT,
            userId: USER,
            sourceAgentId: "main-chatbot",
            targetAgentCard: specialistCard,
            contextSummary: "durability",
            handoffReason: "durability",
          });
          expect(acceptance.accepted).toBe(true);
          threadIds.push(thread.id);
        }
      } finally {
        await setup.close();
      }
      const threadsFile = join(dirname(tempSqlitePath("threads.json")), "threads.json");
      writeFileSync(threadsFile, JSON.stringify(threadIds));

      const child = startChild(WORKER, ["route", url, TENANT, specialist.url, threadsFile]);
      try {
        await child.waitForLine((line) => line === "ready");
        await child.waitForCount(isAck, ACKS_BEFORE_KILL * 2);
      } finally {
        await child.kill9();
      }
      expectNoWorkerErrors(child);
      const acked = child.lines.filter(isAck).map((line) => {
        const [, , threadId, n] = line.split(" ");
        return { threadId: threadId!, n: Number(n) };
      });

      const revived = await revive(url);
      try {
        const rows = await revived.database.db
          .selectFrom("messages")
          .select(["conversation_id", "role", "content"])
          .where("tenant_id", "=", TENANT)
          .where("role", "in", [MessageRole.USER, MessageRole.ASSISTANT])
          .orderBy("seq", "asc")
          .execute();
        const count = (threadId: string, role: string, content: string): number =>
          rows.filter((r) => r.conversation_id === threadId && r.role === role && r.content === content)
            .length;
        for (const { threadId, n } of acked) {
          const message = `${threadId} message ${n}`;
          expect(count(threadId, MessageRole.USER, message), `user message ${message}`).toBe(1);
          expect(count(threadId, MessageRole.ASSISTANT, `reply to ${message}`), `reply to ${message}`).toBe(
            1,
          );
        }
        // Nothing stored twice, acknowledged or not.
        const keys = rows.map((r) => `${r.conversation_id}|${r.role}|${r.content}`);
        expect(new Set(keys).size).toBe(keys.length);
        expect(await threadsWithTwoLiveHandoffs(revived.database)).toEqual([]);
        for (const threadId of threadIds) {
          expect(await revived.handoffs.isHandoffActive({ threadId, tenantId: TENANT })).toBe(true);
        }
        expect(await routeOnce(revived.router, threadIds[0]!, "after the crash")).toBe(
          "reply to after the crash",
        );
        process.stdout.write(
          `\n[reliability] kill -9 during routing [${target.name}]: ${acked.length} acknowledged turns on ` +
            `${ROUTING_THREADS} threads all stored once after restart (${rows.length} user/assistant rows)\n`,
        );
      } finally {
        await revived.close();
      }
      guard.expectClean();
    });
  });
}
