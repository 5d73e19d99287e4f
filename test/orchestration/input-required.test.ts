/**
 * Tasks that ask for input: an agent ends its turn INPUT_REQUIRED with a question, the thread
 * remembers the open task in the database, and the user's next message continues the same task —
 * on the router's default-agent path, in a handoff, through the gateway's SSE, with the
 * orchestrator restarted in between (another process), and with a serveAgent agent restarted in
 * between on a database task store. Every agent is real, on loopback; the asking agent is written
 * with the plain SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { serveAgent, type AgentMessageContext } from "../../src/a2a/server/serve-agent.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { startGateway } from "../../src/gateway/index.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../../src/orchestration/stream-router.js";
import { Database } from "../../src/storage/database.js";
import { SqlOpenTaskStore } from "../../src/storage/sql/sql-open-task-store.js";
import { databaseTargets, tempSqlitePath } from "../helpers/databases.js";
import { LOOPBACK } from "../helpers/network.js";
import { spawnWorker } from "../helpers/processes.js";
import { startSdkAgent, type SdkAgent, type SdkAgentKind } from "../helpers/sdk-agents.js";
import { bearer, createRoleKeys, parseSse } from "../helpers/gateway.js";
import { sseFrame, sseHead, startFaultServer } from "../helpers/a2a.js";

const WORKER = "test/fixtures/router-worker.ts";
const TENANT = "acme";

type Events = Array<Omit<RouterEvent, "error"> & Record<string, unknown>>;

async function routeAll(router: StreamRouter, threadId: string, message: string): Promise<Events> {
  const events: Events = [];
  for await (const event of router.routeEvents({ threadId, tenantId: TENANT, userId: "alice", message })) {
    events.push(event as Events[number]);
  }
  return events;
}

function textOf(events: Events): string {
  return events
    .filter((e) => e.type === "chunk")
    .map((e) => e.text as string)
    .join("");
}

function setup(database: Database, client: A2AClient, defaultAgents: () => readonly AgentCard[]) {
  const repo = new SqlConversationRepository(database);
  const handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
  const router = new StreamRouter({
    handoffManager: handoffs,
    orchestrationManager: new OrchestrationManager({ a2aClient: client, conversationRepo: repo }),
    defaultAgents,
  });
  return { repo, handoffs, router, openTasks: new SqlOpenTaskStore(database) };
}

for (const target of databaseTargets().filter((t) => t.name !== "sqlite-memory")) {
  describe.skipIf(!target.available)(`tasks that ask for input [${target.name}]`, () => {
    let client: A2AClient;
    let agent: SdkAgent;
    let url: string;
    let database: Database;

    beforeAll(async () => {
      client = new A2AClient({ network: LOOPBACK });
      agent = await startSdkAgent({ kind: "v1-jsonrpc", id: "asker" });
      url = await target.createUrl();
      database = new Database(url);
      await database.initialize();
    });
    afterAll(async () => {
      await agent?.close();
      await client?.close();
      await database?.close();
    });

    it("the router says the agent asks, remembers the task, and the answer continues the same task", async () => {
      const { repo, router, openTasks } = setup(database, client, () => [agent.card]);
      const thread = await repo.createConversation({ tenantId: TENANT, userId: "alice" });

      const asked = await routeAll(router, thread.id, "ask");
      const question = asked.find((e) => e.type === "input_required");
      expect(question).toMatchObject({
        agentId: "asker",
        state: "TASK_STATE_INPUT_REQUIRED",
        question: "What is your name?",
      });
      expect(textOf(asked)).toBe("What is your name?");
      expect(asked.at(-1)?.type).toBe("done");
      const taskId = question!.taskId as string;
      expect(await openTasks.find({ tenantId: TENANT, threadId: thread.id, agentId: "asker" })).toMatchObject(
        {
          taskId,
          question: "What is your name?",
        },
      );
      // Another tenant's thread and another agent see nothing.
      expect(
        await openTasks.find({ tenantId: "globex", threadId: thread.id, agentId: "asker" }),
      ).toBeUndefined();

      const answered = await routeAll(router, thread.id, "Ann");
      expect(agent.script.last).toMatchObject({ text: "Ann", taskId });
      expect(textOf(answered)).toBe("Nice to meet you, Ann");
      expect(answered.some((e) => e.type === "input_required")).toBe(false);
      expect(
        await openTasks.find({ tenantId: TENANT, threadId: thread.id, agentId: "asker" }),
      ).toBeUndefined();

      // The stored reply says it asked; the next one does not.
      const stored = await repo.getMessages({ conversationId: thread.id, tenantId: TENANT });
      const replies = stored.filter((m) => m.role === "assistant");
      expect(replies[0]?.metadata).toMatchObject({ inputRequired: { taskId } });
      expect(replies[1]?.metadata.inputRequired).toBeUndefined();
    });

    it("an orchestrator restarted between the question and the answer continues the task (two processes)", async () => {
      const { repo, router } = setup(database, client, () => [agent.card]);
      const thread = await repo.createConversation({ tenantId: TENANT, userId: "alice" });
      const worker = spawnWorker(WORKER, ["route", url, thread.id, TENANT, "asker", agent.url, "ask"]);
      const asked = JSON.parse(await worker.line(0)) as Events;
      const taskId = asked.find((e) => e.type === "input_required")?.taskId;
      expect(taskId).toEqual(expect.any(String));

      // This process never saw the question: the database tells it which task to continue.
      const answered = await routeAll(router, thread.id, "Bob");
      expect(agent.script.last).toMatchObject({ text: "Bob", taskId });
      expect(textOf(answered)).toBe("Nice to meet you, Bob");
    });

    it("a task the agent no longer knows is forgotten, and the message goes out as a new task", async () => {
      const { repo, router, openTasks } = setup(database, client, () => [agent.card]);
      const thread = await repo.createConversation({ tenantId: TENANT, userId: "alice" });
      const stale = "0b1c9d7e-0000-4000-8000-000000000000";
      await openTasks.save({
        tenantId: TENANT,
        threadId: thread.id,
        agentId: "asker",
        taskId: stale,
        state: "TASK_STATE_INPUT_REQUIRED",
        question: "Long forgotten?",
      });
      const events = await routeAll(router, thread.id, "echo hello");
      expect(events.at(-1)?.type).toBe("done");
      expect(textOf(events)).toContain("echo: echo hello");
      expect(agent.script.last?.text).toBe("echo hello");
      expect(agent.script.last?.assignedTaskId).not.toBe(stale);
      expect(
        await openTasks.find({ tenantId: TENANT, threadId: thread.id, agentId: "asker" }),
      ).toBeUndefined();
    });

    it("removing the agent forgets the tasks it left open in the tenant's threads", async () => {
      const { repo, router, openTasks } = setup(database, client, () => [agent.card]);
      const thread = await repo.createConversation({ tenantId: TENANT, userId: "alice" });
      const asked = await routeAll(router, thread.id, "ask");
      const taskId = asked.find((e) => e.type === "input_required")?.taskId;
      const ref = { tenantId: TENANT, threadId: thread.id, agentId: "asker" };
      expect(await openTasks.find(ref)).toMatchObject({ taskId });
      // Another tenant removing its own "asker" changes nothing here.
      await router.forgetAgent({ tenantId: "globex", agentId: "asker" });
      expect(await openTasks.find(ref)).toBeDefined();
      await router.forgetAgent({ tenantId: TENANT, agentId: "asker" });
      expect(await openTasks.find(ref)).toBeUndefined();
      // A later agent of the same id gets a new task, not its predecessor's.
      await routeAll(router, thread.id, "echo again");
      expect(agent.script.last?.text).toBe("echo again");
      expect(agent.script.last?.taskId).not.toBe(taskId);
    });

    it("an agent's NUL characters (reply, question, task id) are stored as U+FFFD, and the turn ends well", async () => {
      const nulAgent = await startFaultServer((rpc, _request, response) => {
        sseHead(response);
        const taskId = "task\u0000id";
        sseFrame(response, {
          jsonrpc: "2.0",
          id: rpc.id,
          result: { task: { id: taskId, contextId: "c", status: { state: "TASK_STATE_WORKING" } } },
        });
        sseFrame(response, {
          jsonrpc: "2.0",
          id: rpc.id,
          result: {
            statusUpdate: {
              taskId,
              contextId: "c",
              status: {
                state: "TASK_STATE_INPUT_REQUIRED",
                message: { messageId: "m", role: "ROLE_AGENT", parts: [{ text: "which\u0000one?" }] },
              },
            },
          },
        });
        response.end();
      });
      try {
        const { repo, router, openTasks } = setup(database, client, () => [nulAgent.card]);
        const thread = await repo.createConversation({ tenantId: TENANT, userId: "alice" });
        const events = await routeAll(router, thread.id, "hello");
        expect(events.at(-1)?.type).toBe("done");
        const stored = await repo.getMessages({ conversationId: thread.id, tenantId: TENANT });
        expect(stored.find((m) => m.role === "assistant")?.content).toBe("which\uFFFDone?");
        // The task id cannot be kept as it is, so it is not kept.
        expect(
          await openTasks.find({ tenantId: TENANT, threadId: thread.id, agentId: "fault-agent" }),
        ).toBeUndefined();
      } finally {
        await nulAgent.close();
      }
    });

    it("a serveAgent agent on a database task store, restarted between the question and the answer", async () => {
      const agentDbUrl = await target.createUrl();
      const handlers = {
        card: { identity: { id: "served-asker", name: "Served asker" } },
        async *handleMessage(ctx: AgentMessageContext) {
          if (ctx.answerTo !== undefined) {
            yield `Booked for ${ctx.text} (asked "${ctx.answerTo}", party of ${String(ctx.state.party)})`;
            return;
          }
          ctx.state.party = 4;
          ctx.askUser("Which day?");
        },
      };
      let current: AgentCard | undefined;
      const { repo, router } = setup(database, client, () => (current ? [current] : []));
      const thread = await repo.createConversation({ tenantId: TENANT, userId: "alice" });

      const first = new Database(agentDbUrl);
      const before = await serveAgent({ ...handlers, tasks: { database: first } });
      current = before.card;
      const asked = await routeAll(router, thread.id, "book a table");
      expect(asked.find((e) => e.type === "input_required")).toMatchObject({ question: "Which day?" });
      await before.close();
      await first.close();

      // A new process of the agent (a new port, a new connection to its database).
      const second = new Database(agentDbUrl);
      await using after = await serveAgent({ ...handlers, tasks: { database: second } });
      current = after.card;
      try {
        const answered = await routeAll(router, thread.id, "Friday");
        expect(textOf(answered)).toBe('Booked for Friday (asked "Which day?", party of 4)');
      } finally {
        await after.close();
        await second.close();
      }
    });
  });
}

describe("an agent that asks in ways no store can keep", () => {
  it("a task id too long to keep: the turn still ends well, and the next message is a new task", async () => {
    await using database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    const client = new A2AClient({ network: LOOPBACK });
    const longId = "t".repeat(300);
    const seen: unknown[] = [];
    const agent = await startFaultServer((rpc, _request, response) => {
      seen.push((rpc.params as { message?: { taskId?: string } }).message?.taskId);
      sseHead(response);
      const status = (state: string, text: string) => ({
        jsonrpc: "2.0",
        id: rpc.id,
        result: {
          statusUpdate: {
            taskId: longId,
            contextId: "c",
            status: { state, message: { messageId: "m", role: "ROLE_AGENT", parts: [{ text }] } },
          },
        },
      });
      sseFrame(response, {
        jsonrpc: "2.0",
        id: rpc.id,
        result: { task: { id: longId, contextId: "c", status: { state: "TASK_STATE_WORKING" } } },
      });
      sseFrame(response, status("TASK_STATE_INPUT_REQUIRED", "x".repeat(10_000)));
      response.end();
    });
    try {
      const { repo, router, openTasks } = setup(database, client, () => [agent.card]);
      const thread = await repo.createConversation({ tenantId: TENANT, userId: "alice" });
      const events = await routeAll(router, thread.id, "hello");
      expect(events.find((e) => e.type === "input_required")).toMatchObject({ taskId: longId });
      expect(events.at(-1)?.type).toBe("done");
      expect(
        await openTasks.find({ tenantId: TENANT, threadId: thread.id, agentId: "fault-agent" }),
      ).toBeUndefined();
      await routeAll(router, thread.id, "again");
      expect(seen).toEqual([undefined, undefined]);
    } finally {
      await agent.close();
      await client.close();
    }
  });
});

describe.each<SdkAgentKind>(["v1-rest", "v1-grpc", "v03-jsonrpc", "v03-rest"])(
  "an asking plain-SDK agent over %s",
  (kind) => {
    it("is continued on the same task by the router", async () => {
      await using database = new Database(`sqlite:///${tempSqlitePath()}`);
      await database.initialize();
      const client = new A2AClient({ network: LOOPBACK });
      const agent = await startSdkAgent({ kind, id: "asker" });
      try {
        const { repo, router } = setup(database, client, () => [agent.card]);
        const thread = await repo.createConversation({ tenantId: TENANT, userId: "alice" });
        const asked = await routeAll(router, thread.id, "ask");
        const taskId = asked.find((e) => e.type === "input_required")?.taskId;
        expect(taskId).toEqual(expect.any(String));
        const answered = await routeAll(router, thread.id, "Cleo");
        expect(agent.script.last).toMatchObject({ text: "Cleo", taskId });
        expect(textOf(answered)).toBe("Nice to meet you, Cleo");
      } finally {
        await agent.close();
        await client.close();
      }
    });
  },
);

describe("through the gateway's SSE", () => {
  it("frames `input_required` with the question, and the next message continues the task", async () => {
    await using database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    const client = new A2AClient({ network: LOOPBACK });
    const agent = await startSdkAgent({ kind: "v03-jsonrpc", id: "asker" });
    const gateway = await startGateway({
      database,
      a2aClient: client,
      agents: [agent.card],
      defaultAgentIds: ["asker"],
      port: 0,
    });
    try {
      const keys = await createRoleKeys({ database, tenantId: TENANT, userId: "alice" });
      const headers = { ...bearer(keys.end_user), "content-type": "application/json" };
      const created = await fetch(`${gateway.url}/v1/threads`, { method: "POST", headers, body: "{}" });
      const threadId = ((await created.json()) as { id: string }).id;
      const post = async (message: string) => {
        const response = await fetch(`${gateway.url}/v1/threads/${threadId}/messages`, {
          method: "POST",
          headers: { ...headers, accept: "text/event-stream" },
          body: JSON.stringify({ message }),
        });
        expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
        return parseSse(await response.text());
      };
      const asked = await post("ask");
      const frame = asked.find((f) => f.type === "input_required");
      expect(frame?.data).toMatchObject({
        agentId: "asker",
        state: "TASK_STATE_INPUT_REQUIRED",
        question: "What is your name?",
        taskId: expect.any(String),
      });
      expect(asked.at(-1)?.type).toBe("done");
      const answered = await post("Dana");
      expect(agent.script.last).toMatchObject({ text: "Dana", taskId: frame?.data.taskId });
      expect(
        answered
          .filter((f) => f.type === "chunk")
          .map((f) => f.data.text)
          .join(""),
      ).toBe("Nice to meet you, Dana");
    } finally {
      await gateway.close();
      await agent.close();
      await client.close();
    }
  });
});
