/**
 * Load: 1,000 threads, each with an active handoff, routed concurrently (100 in flight) against
 * SQLite (file) and PostgreSQL. Zero errors; every thread holds exactly its user and assistant
 * messages, once each; the specialist (another process) received each message exactly once.
 * Memory per thread (heap growth after GC / threads) is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { MessageRole } from "../../src/conversation/models.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { StreamRouter } from "../../src/orchestration/stream-router.js";
import { HandoffState } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { databaseTargets } from "../helpers/databases.js";
import { fixturePath, startChild, type Child } from "./support/children.js";
import { collectGarbage, forEachLimited, installProcessGuard } from "./support/process-guard.js";
import { replyChunks } from "./support/recording.js";
import { LOOPBACK } from "../helpers/network.js";

const guard = installProcessGuard();

const THREADS = 1_000;
const IN_FLIGHT = 100;
const MESSAGES_PER_THREAD = 2;
const TENANT = "load-tenant";
const USER = "load-user";

const messageText = (thread: number, turn: number): string => `thread ${thread} message ${turn}`;

let specialist: Child;
let specialistCard: AgentCard;

beforeAll(async () => {
  specialist = startChild(fixturePath("recording-agent.ts"), []);
  const ready = await specialist.waitForLine((line) => line.startsWith("ready "));
  specialistCard = JSON.parse(ready.slice("ready ".length)) as AgentCard;
});
afterAll(async () => {
  await specialist?.stop();
});

type Received = Record<string, Array<{ text: string; handoffId?: string }>>;
async function specialistStats(): Promise<Received> {
  const before = specialist.lines.length;
  specialist.process.stdin.write("stats\n");
  await specialist.waitForLine(
    (line) => line.startsWith("stats ") && specialist.lines.indexOf(line) >= before,
  );
  const line = specialist.lines.slice(before).find((l) => l.startsWith("stats "))!;
  return JSON.parse(line.slice("stats ".length)) as Received;
}

for (const target of databaseTargets().filter((t) => t.name !== "sqlite-memory")) {
  describe.skipIf(!target.available)(`load [${target.name}]`, () => {
    it(`${THREADS} threads in handoff, ${MESSAGES_PER_THREAD} turns each, ${IN_FLIGHT} in flight: no error, nothing lost or duplicated`, async () => {
      const started = performance.now();
      await using database = new Database(await target.createUrl(), { maxConnections: 20 });
      await database.initialize();
      const repo = new SqlConversationRepository(database);
      await using client = new A2AClient({ network: LOOPBACK });
      const handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
      const orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
      const router = new StreamRouter({
        handoffManager: handoffs,
        orchestrationManager: orchestrator,
        defaultAgents: [specialistCard],
      });
      // Warm the card cache and the code paths before the heap baseline.
      await client.getAgentCard(specialistCard);
      await collectGarbage();
      const heapBefore = process.memoryUsage().heapUsed;

      const threadIds: string[] = new Array<string>(THREADS);
      const handoffIds: string[] = new Array<string>(THREADS);
      await forEachLimited(THREADS, IN_FLIGHT, async (i) => {
        const thread = await repo.createConversation({ tenantId: TENANT, userId: USER, title: `load ${i}` });
        threadIds[i] = thread.id;
        const acceptance = await handoffs.initiateHandoff({
          threadId: thread.id,
          tenantId: TENANT,
          userId: USER,
          sourceAgentId: "main-chatbot",
          targetAgentCard: specialistCard,
          contextSummary: `load thread ${i}`,
          handoffReason: "load test",
        });
        expect(acceptance.accepted).toBe(true);
        handoffIds[i] = acceptance.handoffId!;
      });
      const setupMs = performance.now() - started;

      const errors: unknown[] = [];
      const routingStarted = performance.now();
      // Turns of one thread are sequential (as a user's are); threads run 100 at a time.
      await forEachLimited(THREADS, IN_FLIGHT, async (i) => {
        for (let turn = 1; turn <= MESSAGES_PER_THREAD; turn++) {
          const text = messageText(i, turn);
          let reply = "";
          try {
            for await (const chunk of router.routeMessage({
              threadId: threadIds[i]!,
              tenantId: TENANT,
              userId: USER,
              message: text,
            }))
              reply += chunk;
          } catch (error) {
            errors.push(error);
            continue;
          }
          if (reply !== replyChunks(text).join(""))
            errors.push(new Error(`thread ${i}: wrong reply ${reply}`));
        }
      });
      const routingMs = performance.now() - routingStarted;
      expect(errors).toEqual([]);

      await collectGarbage();
      const heapAfter = process.memoryUsage().heapUsed;

      // The database: exactly the user and assistant messages of each turn, once each, in order.
      const rows = await database.db
        .selectFrom("messages")
        .select(["conversation_id", "role", "content", "seq"])
        .where("tenant_id", "=", TENANT)
        .where("role", "in", [MessageRole.USER, MessageRole.ASSISTANT])
        .orderBy("seq", "asc")
        .execute();
      const byThread = new Map<string, Array<{ role: string; content: string }>>();
      for (const row of rows) {
        const list = byThread.get(row.conversation_id) ?? [];
        list.push({ role: row.role, content: row.content });
        byThread.set(row.conversation_id, list);
      }
      expect(byThread.size).toBe(THREADS);
      threadIds.forEach((threadId, i) => {
        const expected = [];
        for (let turn = 1; turn <= MESSAGES_PER_THREAD; turn++) {
          const text = messageText(i, turn);
          expected.push({ role: MessageRole.USER, content: text });
          expected.push({ role: MessageRole.ASSISTANT, content: replyChunks(text).join("") });
        }
        expect(byThread.get(threadId), `messages of thread ${i}`).toEqual(expected);
      });

      // The specialist: each message exactly once, under the thread's handoff.
      const received = await specialistStats();
      threadIds.forEach((threadId, i) => {
        const texts = Array.from({ length: MESSAGES_PER_THREAD }, (_, t) => ({
          text: messageText(i, t + 1),
          handoffId: handoffIds[i],
        }));
        expect(received[threadId], `what the specialist received on thread ${i}`).toEqual(texts);
      });

      // Every handoff is still the single live one of its thread.
      const live = await database.db
        .selectFrom("handoff_sessions")
        .select(["thread_id", "state"])
        .where("tenant_id", "=", TENANT)
        .execute();
      expect(live).toHaveLength(THREADS);
      expect(live.every((row) => row.state === HandoffState.ACTIVE)).toBe(true);

      const perThreadKiB = (heapAfter - heapBefore) / THREADS / 1024;
      process.stdout.write(
        `\n[reliability] load [${target.name}]: ${THREADS} threads, ${THREADS * MESSAGES_PER_THREAD} routed turns, ` +
          `0 errors; setup (threads + handoffs) ${(setupMs / 1000).toFixed(1)} s, routing ${(routingMs / 1000).toFixed(1)} s ` +
          `(${((THREADS * MESSAGES_PER_THREAD * 1000) / routingMs).toFixed(0)} turns/s); ` +
          `heap delta after GC ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB = ${perThreadKiB.toFixed(2)} KiB per thread\n`,
      );
      guard.expectClean();
    });
  });
}
