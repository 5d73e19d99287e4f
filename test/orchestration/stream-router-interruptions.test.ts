/**
 * Turns that do not end normally: what the user was shown is stored. A consumer that leaves after
 * the specialist returned control still gets the whole reply into history; one that leaves mid-reply
 * gets what it saw with a note; an agent that floods past the reply limit ends its own turn with
 * AGENT_RESPONSE_TOO_LARGE, has its task cancelled, and what was shown is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { ErrorCode } from "../../src/errors.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../../src/orchestration/stream-router.js";
import { CompletionStatus, HandoffState } from "../../src/orchestration/types.js";
import type { Database } from "../../src/storage/database.js";
import { sleep, startAgent, type RecordingAgent } from "../helpers/agents.js";
import { databaseTargets, openDatabase } from "../helpers/databases.js";
import { LOOPBACK } from "../helpers/network.js";

const TENANT = "acme";
const USER = "alice";
const REPLY_LIMIT = 64 * 1024;

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`StreamRouter interrupted turns [${target.name}]`, () => {
    let database: Database;
    let repo: SqlConversationRepository;
    let client: A2AClient;
    let handoffs: HandoffManager;
    let router: StreamRouter;
    let returning: RecordingAgent;
    let slow: RecordingAgent;
    let flood: RecordingAgent;

    beforeAll(async () => {
      database = await openDatabase(target);
      repo = new SqlConversationRepository(database);
      client = new A2AClient({ network: LOOPBACK, maxReplyBytes: REPLY_LIMIT });
      handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
      returning = await startAgent({
        id: "returning-specialist",
        onHandoffRequest: async () => ({ accepted: true }),
        async *handle(ctx) {
          yield "Saved your skill. ";
          ctx.returnControl({ completionStatus: CompletionStatus.COMPLETED, resultSummary: "saved" });
          await sleep(100, ctx.signal);
          yield "Back to the main assistant.";
        },
      });
      slow = await startAgent({
        id: "slow-agent",
        async *handle(ctx) {
          yield "First part. ";
          await sleep(10_000, ctx.signal);
          yield "never seen";
        },
      });
      flood = await startAgent({
        id: "flooding-agent",
        async *handle(ctx) {
          const chunk = "x".repeat(8 * 1024);
          for (let i = 0; i < 10_000 && !ctx.signal.aborted; i++) {
            yield chunk;
            await new Promise((resolve) => setImmediate(resolve));
          }
        },
      });
      router = new StreamRouter({
        handoffManager: handoffs,
        orchestrationManager: new OrchestrationManager({ a2aClient: client, conversationRepo: repo }),
        defaultAgents: ({ threadId }) => [threadId === floodThread ? flood.card : slow.card],
      });
    });
    afterAll(async () => {
      await Promise.all([returning, slow, flood].map((agent) => agent?.close()));
      await client?.close();
      await database?.close();
    });

    let floodThread = "";
    const newThread = async () => (await repo.createConversation({ tenantId: TENANT, userId: USER })).id;
    const assistantMessages = async (threadId: string) =>
      (await repo.getMessages({ conversationId: threadId, tenantId: TENANT })).filter(
        (m) => m.role === "assistant",
      );

    it("a consumer that leaves right after handoff_returned: the whole reply is still stored", async () => {
      const threadId = await newThread();
      await handoffs.initiateHandoff({
        threadId,
        tenantId: TENANT,
        userId: USER,
        sourceAgentId: "main",
        targetAgentCard: returning.card,
        contextSummary: "",
        handoffReason: "skill",
      });
      const seen: RouterEvent[] = [];
      for await (const event of router.routeEvents({
        threadId,
        tenantId: TENANT,
        userId: USER,
        message: "yes",
      })) {
        seen.push(event);
        if (event.type === "handoff_returned") break; // the client hangs up here
      }
      expect(seen.map((e) => e.type)).toEqual(["route", "chunk", "handoff_returned"]);
      const replies = await assistantMessages(threadId);
      expect(replies.map((m) => m.content)).toEqual(["Saved your skill. Back to the main assistant."]);
      expect(replies[0]!.metadata.interrupted).toBeUndefined();
      expect(await handoffs.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
      const [session] = await handoffs.listHandoffs({ threadId, tenantId: TENANT });
      expect(session?.state).toBe(HandoffState.COMPLETED);
    });

    it("a consumer that leaves mid-reply: what it saw is stored with a note, and the agent is stopped", async () => {
      const threadId = await newThread();
      for await (const event of router.routeEvents({
        threadId,
        tenantId: TENANT,
        userId: USER,
        message: "go",
      })) {
        if (event.type === "chunk") break;
      }
      await slow.aborted;
      const replies = await assistantMessages(threadId);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.content).toBe(
        "First part. \n\n[Reply cut off: the reader went away before it ended.]",
      );
      expect(replies[0]!.metadata).toMatchObject({ interrupted: ErrorCode.ABORTED });
    });

    it("an agent flooding past the reply limit ends its turn with AGENT_RESPONSE_TOO_LARGE and is cancelled", async () => {
      floodThread = await newThread();
      const events: RouterEvent[] = [];
      let shown = 0;
      for await (const event of router.routeEvents({
        threadId: floodThread,
        tenantId: TENANT,
        userId: USER,
        message: "flood",
      })) {
        events.push(event);
        if (event.type === "chunk") shown += event.text.length;
      }
      const last = events.at(-1);
      expect(last).toMatchObject({
        type: "error",
        code: ErrorCode.AGENT_RESPONSE_TOO_LARGE,
        agentId: "flooding-agent",
      });
      expect(shown).toBeLessThanOrEqual(REPLY_LIMIT);
      await flood.aborted; // the agent's work stopped
      // ... and its task was cancelled: a CancelTask followed the streaming request.
      await expect.poll(() => flood.requestHeaders.length, { timeout: 5_000 }).toBe(2);
      const replies = await assistantMessages(floodThread);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.content.endsWith("[Reply cut off: the agent exceeded the reply size limit.]")).toBe(
        true,
      );
      expect(replies[0]!.content.length).toBe(
        shown + "\n\n[Reply cut off: the agent exceeded the reply size limit.]".length,
      );
      expect(replies[0]!.metadata).toMatchObject({ interrupted: ErrorCode.AGENT_RESPONSE_TOO_LARGE });
    });
  });
}
