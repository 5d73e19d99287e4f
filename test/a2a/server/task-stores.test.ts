/**
 * Where a served agent keeps its tasks. The bounded in-memory store: its size cap (least recently
 * updated out), its time to live, listing (filters, keyset pages) and tenant/owner isolation. The
 * database store, on SQLite and PostgreSQL: a task waiting for input survives a restart of its
 * agent (in this process, and a killed worker process), is shared by replicas, can be cancelled,
 * and is swept once it has not been updated for ttlMs.
 */
import { randomUUID } from "node:crypto";
import { TaskState, type Task } from "@a2a-js/sdk";
import { RequestMalformedError } from "@a2a-js/sdk/errors";
import {
  UnauthenticatedUser,
  defaultServerCallContextBuilder,
  type ServerCallContext,
} from "@a2a-js/sdk/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentCard } from "../../../src/a2a/agent-card.js";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent } from "../../../src/a2a/client/types.js";
import {
  serveAgent,
  type AgentMessageContext,
  type ServedAgent,
} from "../../../src/a2a/server/serve-agent.js";
import {
  AGENT_TASKS_TABLE,
  BoundedTaskStore,
  createAgentTaskStore,
  estimateTaskBytes,
} from "../../../src/a2a/server/task-stores.js";
import { ConfigurationError } from "../../../src/errors.js";
import { Database } from "../../../src/storage/database.js";
import { QUESTIONS, askingHandler, type Answered } from "../../helpers/asking-agent.js";
import { databaseTargets } from "../../helpers/databases.js";
import { LOOPBACK } from "../../helpers/network.js";
import { spawnWorker, type Worker } from "../../helpers/processes.js";
import { deferred, expectNoUnhandledRejections, rejectionOf } from "../../helpers/a2a.js";

expectNoUnhandledRejections();

function callContext(tenant?: string, userName?: string): ServerCallContext {
  return defaultServerCallContextBuilder({
    extensions: undefined,
    user: userName === undefined ? new UnauthenticatedUser() : { isAuthenticated: true, userName },
    headers: {},
    ...(tenant === undefined ? {} : { tenant }),
  });
}

function task(
  id: string,
  options: { contextId?: string; state?: TaskState; at?: number; text?: string } = {},
): Task {
  const contextId = options.contextId ?? "ctx-1";
  const message = (text: string, role: number) => ({
    messageId: randomUUID(),
    contextId,
    taskId: id,
    role,
    parts: [
      {
        content: { $case: "text" as const, value: text },
        mediaType: "text/plain",
        filename: "",
        metadata: undefined,
      },
    ],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  });
  return {
    id,
    contextId,
    status: {
      state: options.state ?? TaskState.TASK_STATE_COMPLETED,
      message: undefined,
      timestamp: new Date(options.at ?? Date.UTC(2026, 0, 1)).toISOString(),
    },
    artifacts: [
      {
        artifactId: "response",
        name: "response",
        description: "",
        parts: [
          {
            content: { $case: "text", value: options.text ?? `answer ${id}` },
            mediaType: "text/plain",
            filename: "",
            metadata: undefined,
          },
        ],
        metadata: undefined,
        extensions: [],
      },
    ],
    history: [message(`question ${id}`, 1), message(`status ${id}`, 2), message(`follow-up ${id}`, 1)],
    metadata: undefined,
  };
}

const ids = (tasks: readonly Task[]) => tasks.map((entry) => entry.id);

describe("BoundedTaskStore", () => {
  const anyone = callContext();

  it("keeps at most maxTasks: the least recently updated goes first", async () => {
    const store = new BoundedTaskStore({ maxTasks: 3 });
    for (const id of ["a", "b", "c"]) await store.save(task(id), anyone);
    await store.save(task("a", { text: "updated" }), anyone); // a is now the most recent
    await store.save(task("d"), anyone);
    expect(store.size).toBe(3);
    expect(await store.load("b", anyone)).toBeUndefined();
    for (const id of ["a", "c", "d"]) expect((await store.load(id, anyone))?.id).toBe(id);
    // Reading is not updating: c, read just now, is still the oldest.
    await store.save(task("e"), anyone);
    expect(await store.load("c", anyone)).toBeUndefined();
    expect((await store.load("a", anyone))?.artifacts[0]?.parts[0]?.content).toEqual({
      $case: "text",
      value: "updated",
    });
  });

  it("expires a task ttlMs after its last update, on load, list and save", async () => {
    let now = 1_000_000;
    const store = new BoundedTaskStore({ ttlMs: 100, now: () => now });
    await store.save(task("old"), anyone);
    now += 60;
    await store.save(task("young"), anyone);
    now += 39; // old: 99 ms since its update
    expect((await store.load("old", anyone))?.id).toBe("old");
    now += 1; // old: 100 ms
    expect(await store.load("old", anyone)).toBeUndefined();
    expect(ids((await store.list({ tenant: "", pageSize: 10 } as never, anyone)).tasks)).toEqual(["young"]);
    await store.save(task("young", { text: "again" }), anyone); // the update restarts its clock
    now += 99;
    expect((await store.load("young", anyone))?.id).toBe("young");
    now += 1;
    await store.save(task("third"), anyone);
    expect(store.size).toBe(1);
  });

  it("lists one scope's tasks filtered by contextId, state and update time; artifacts and history on request", async () => {
    const store = new BoundedTaskStore();
    const at = (minute: number) => Date.UTC(2026, 0, 1, 12, minute);
    await store.save(task("t1", { contextId: "ctx-a", at: at(1) }), anyone);
    await store.save(
      task("t2", { contextId: "ctx-a", at: at(2), state: TaskState.TASK_STATE_INPUT_REQUIRED }),
      anyone,
    );
    await store.save(task("t3", { contextId: "ctx-b", at: at(3) }), anyone);
    await store.save(
      task("t4", { contextId: "ctx-a", at: at(4), state: TaskState.TASK_STATE_CANCELED }),
      anyone,
    );
    const list = (params: Record<string, unknown>) =>
      store.list({ tenant: "", pageSize: 50, ...params } as never, anyone);

    const all = await list({});
    expect(ids(all.tasks)).toEqual(["t4", "t3", "t2", "t1"]);
    expect(all).toMatchObject({ totalSize: 4, nextPageToken: "" });
    expect(all.tasks.every((entry) => entry.artifacts.length === 0)).toBe(true);
    expect(all.tasks[0]?.history).toHaveLength(3);

    expect(ids((await list({ contextId: "ctx-a" })).tasks)).toEqual(["t4", "t2", "t1"]);
    expect(ids((await list({ status: TaskState.TASK_STATE_INPUT_REQUIRED })).tasks)).toEqual(["t2"]);
    expect(ids((await list({ contextId: "ctx-a", status: TaskState.TASK_STATE_COMPLETED })).tasks)).toEqual([
      "t1",
    ]);
    expect(ids((await list({ statusTimestampAfter: new Date(at(2)).toISOString() })).tasks)).toEqual([
      "t4",
      "t3",
    ]);

    const detailed = await list({ contextId: "ctx-b", includeArtifacts: true, historyLength: 1 });
    expect(detailed.tasks[0]?.artifacts[0]?.parts[0]?.content).toEqual({ $case: "text", value: "answer t3" });
    expect(detailed.tasks[0]?.history.map((message) => message.parts[0]?.content)).toEqual([
      { $case: "text", value: "follow-up t3" },
    ]);
    expect((await list({ historyLength: 0 })).tasks.every((entry) => entry.history.length === 0)).toBe(true);
  });

  it("pages newest first; a task updated between two pages does not hide the rest", async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = new BoundedTaskStore({ now: () => now });
    // Two share a timestamp: the id decides between them.
    const times: Record<string, number> = { t1: 1, t2: 2, t3: 3, t3b: 3, t4: 4, t5: 5 };
    for (const [id, minute] of Object.entries(times))
      await store.save(task(id, { at: now + minute * 60_000 }), anyone);
    const page = (pageToken?: string) =>
      store.list({ tenant: "", pageSize: 2, ...(pageToken ? { pageToken } : {}) } as never, anyone);

    const first = await page();
    expect([ids(first.tasks), first.totalSize]).toEqual([["t5", "t4"], 6]);
    const second = await page(first.nextPageToken);
    expect(ids(second.tasks)).toEqual(["t3b", "t3"]);
    const third = await page(second.nextPageToken);
    expect([ids(third.tasks), third.nextPageToken]).toEqual([["t2", "t1"], ""]);

    // t4 (the first page's cursor) is updated before the second page is read.
    now += 3_600_000;
    await store.save(task("t4", { at: now }), anyone);
    expect(ids((await page(first.nextPageToken)).tasks)).toEqual(["t3b", "t3"]);
  });

  it("refuses a page token it did not give out", async () => {
    const store = new BoundedTaskStore();
    await store.save(task("t1"), anyone);
    for (const pageToken of ["not-a-token", Buffer.from("[1]").toString("base64url")]) {
      await expect(
        store.list({ tenant: "", pageSize: 5, pageToken } as never, anyone),
      ).rejects.toBeInstanceOf(RequestMalformedError);
    }
  });

  it("isolates tenants and owners: the same id in two scopes is two tasks, invisible to each other", async () => {
    const store = new BoundedTaskStore();
    const bobAtAcme = callContext("acme", "bob");
    const aliceAtAcme = callContext("acme", "alice");
    const bobAtGlobex = callContext("globex", "bob");
    await store.save(task("shared", { text: "bob's" }), bobAtAcme);
    await store.save(task("shared", { text: "alice's" }), aliceAtAcme);
    await store.save(task("private"), bobAtAcme);
    expect(store.size).toBe(3);
    const text = async (id: string, context: ServerCallContext) =>
      (await store.load(id, context))?.artifacts[0]?.parts[0]?.content;
    expect(await text("shared", bobAtAcme)).toEqual({ $case: "text", value: "bob's" });
    expect(await text("shared", aliceAtAcme)).toEqual({ $case: "text", value: "alice's" });
    expect(await store.load("private", aliceAtAcme)).toBeUndefined();
    expect(await store.load("private", bobAtGlobex)).toBeUndefined();
    expect(await store.load("private", anyone)).toBeUndefined();
    const listed = async (context: ServerCallContext) =>
      ids((await store.list({ tenant: "", pageSize: 10 } as never, context)).tasks).sort();
    expect(await listed(bobAtAcme)).toEqual(["private", "shared"]);
    expect(await listed(aliceAtAcme)).toEqual(["shared"]);
    expect(await listed(bobAtGlobex)).toEqual([]);
  });

  it("copies tasks in and out", async () => {
    const store = new BoundedTaskStore();
    const original = task("t1");
    await store.save(original, anyone);
    original.contextId = "changed";
    const loaded = await store.load("t1", anyone);
    loaded!.history.length = 0;
    expect(await store.load("t1", anyone)).toMatchObject({
      contextId: "ctx-1",
      history: expect.arrayContaining([expect.anything()]),
    });
  });

  it("rejects a cap or time to live that is not a positive integer, naming the field", () => {
    expect(() => new BoundedTaskStore({ maxTasks: 0 })).toThrow(ConfigurationError);
    expect(() => new BoundedTaskStore({ ttlMs: 1.5 })).toThrow(/tasks\.ttlMs/);
    expect(() => new BoundedTaskStore({ maxStoredBytes: -1 })).toThrow(/tasks\.maxStoredBytes/);
    expect(() =>
      createAgentTaskStore({ database: { db: {}, initialize: async () => {} }, maxStoredBytes: 1_000 }),
    ).toThrow(/tasks\.maxStoredBytes applies to the in-memory store only/);
  });

  it("counts a task's bytes as at least two a character of its text", () => {
    const small = estimateTaskBytes(task("t", { text: "" }));
    expect(estimateTaskBytes(task("t", { text: "x".repeat(10_000) }))).toBeGreaterThanOrEqual(small + 20_000);
    expect(estimateTaskBytes(task("t", { text: "€".repeat(10_000) }))).toBeGreaterThanOrEqual(small + 20_000);
  });

  it("keeps at most maxStoredBytes: oldest finished out first, then those waiting for input, never a running one", async () => {
    const text = "x".repeat(20_000); // about 40 kB counted
    const each = estimateTaskBytes(task("f00", { text }));
    const store = new BoundedTaskStore({ maxStoredBytes: 6 * each + 1_000 }); // ids differ in length
    await store.save(task("working", { state: TaskState.TASK_STATE_WORKING, text }), anyone);
    await store.save(task("asking", { state: TaskState.TASK_STATE_INPUT_REQUIRED, text }), anyone);
    const finished = Array.from({ length: 10 }, (_, i) => `f${String(i).padStart(2, "0")}`);
    for (const id of finished) {
      await store.save(task(id, { text }), anyone);
      expect(store.storedBytes).toBeLessThanOrEqual(store.maxStoredBytes);
    }
    // Room for six: the running and the waiting task, and the four most recent finished ones.
    for (const id of finished.slice(0, 6)) expect(await store.load(id, anyone)).toBeUndefined();
    for (const id of [...finished.slice(6), "working", "asking"])
      expect((await store.load(id, anyone))?.id).toBe(id);
    expect(store.size).toBe(6);
    expect(store.full).toBe(false);

    // A running task that grows past what the finished ones free: they all go, then the waiting one.
    await store.save(task("working", { state: TaskState.TASK_STATE_WORKING, text: text.repeat(6) }), anyone);
    for (const id of [...finished, "asking"]) expect(await store.load(id, anyone)).toBeUndefined();
    expect((await store.load("working", anyone))?.id).toBe("working");
    expect(store.storedBytes).toBeLessThanOrEqual(store.maxStoredBytes);
    expect(store.full).toBe(false);

    // Running tasks alone past the budget: kept (nothing may drop them), and the store says it is full.
    await store.save(task("working", { state: TaskState.TASK_STATE_WORKING, text: text.repeat(7) }), anyone);
    expect((await store.load("working", anyone))?.id).toBe("working");
    expect(store.full).toBe(true);
    // Once it finishes it is an ordinary finished task: too big for the budget on its own, it goes.
    await store.save(task("working", { text: text.repeat(7) }), anyone);
    expect(await store.load("working", anyone)).toBeUndefined();
    expect(store.storedBytes).toBe(0);
    expect(store.full).toBe(false);
  });

  it("the task cap, too, removes finished tasks before one waiting for input, and never a running one", async () => {
    const store = new BoundedTaskStore({ maxTasks: 2 });
    await store.save(task("working", { state: TaskState.TASK_STATE_SUBMITTED }), anyone);
    await store.save(task("asking", { state: TaskState.TASK_STATE_AUTH_REQUIRED }), anyone);
    await store.save(task("done"), anyone);
    expect(await store.load("done", anyone)).toBeUndefined();
    await store.save(task("second", { state: TaskState.TASK_STATE_WORKING }), anyone);
    expect(await store.load("asking", anyone)).toBeUndefined();
    expect(
      ids((await Promise.all([store.load("working", anyone), store.load("second", anyone)])) as Task[]),
    ).toEqual(["working", "second"]);
    expect(store.full).toBe(true);
  });

  it("serveAgent's memory store honours tasks.maxTasks", async () => {
    await using agent = await serveAgent({
      card: { identity: { id: "small", name: "Small" } },
      tasks: { maxTasks: 2 },
      async *handleMessage(ctx) {
        yield ctx.text;
      },
    });
    await using client = new A2AClient({ network: LOOPBACK });
    const sent = [];
    for (const text of ["one", "two", "three"]) sent.push(await client.sendMessage(agent.card, { text }));
    const error = await rejectionOf(client.getTask(agent.card, sent[0]!.taskId!));
    expect(error.context?.rpcCode).toBe(-32001);
    for (const result of sent.slice(1))
      expect((await client.getTask(agent.card, result.taskId!)).state).toBe("TASK_STATE_COMPLETED");
  });

  it("serveAgent's memory store honours tasks.maxStoredBytes, and refuses new messages while running tasks fill it", async () => {
    const held = deferred();
    await using agent = await serveAgent({
      card: { identity: { id: "weighed", name: "Weighed" } },
      tasks: { maxStoredBytes: 150_000 },
      async *handleMessage(ctx) {
        yield ctx.text.repeat(20_000); // about 40 kB counted
        if (ctx.text === "hhhh") await held.promise;
      },
    });
    await using client = new A2AClient({ network: LOOPBACK });
    const sent = [];
    for (const text of ["a", "b", "c", "d", "e"]) sent.push(await client.sendMessage(agent.card, { text }));
    for (const result of sent.slice(0, 2)) {
      const error = await rejectionOf(client.getTask(agent.card, result.taskId!));
      expect(error.context?.rpcCode).toBe(-32001); // task not found
    }
    for (const result of sent.slice(3))
      expect((await client.getTask(agent.card, result.taskId!)).state).toBe("TASK_STATE_COMPLETED");

    // A running task past the budget on its own: kept, and new messages are refused until it ends.
    const stream = client.sendStreamingMessage(agent.card, { text: "hhhh" })[Symbol.asyncIterator]();
    const events: (A2AStreamEvent | void)[] = [];
    // The SDK streams an event once it is stored.
    while (events.at(-1)?.type !== "artifact") events.push((await stream.next()).value);
    const refused = await rejectionOf(client.sendMessage(agent.card, { text: "f" }));
    expect(refused.message).toMatch(/LIMIT_EXCEEDED: this agent's running tasks fill its task store/);
    expect(refused.message).toContain("tasks.maxStoredBytes 150000 bytes");
    held.resolve();
    for (let next = await stream.next(); !next.done; next = await stream.next()) events.push(next.value);
    expect(events.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_COMPLETED" });
    expect((await client.sendMessage(agent.card, { text: "g" })).state).toBe("TASK_STATE_COMPLETED");

    await expect(
      serveAgent({
        card: { identity: { id: "bad", name: "Bad" } },
        tasks: { maxStoredBytes: 0 },
        async *handleMessage() {},
      }),
    ).rejects.toThrow(/config\.tasks\.maxStoredBytes/);
  });
});

const TARGETS = databaseTargets().filter((target) => target.name !== "sqlite-memory");

for (const target of TARGETS) {
  describe.skipIf(!target.available)(`serveAgent tasks in the database [${target.name}]`, () => {
    let url: string;
    let client: A2AClient;
    const opened: { close(): Promise<void> }[] = [];

    /** A served asking agent on its own Database instance (as a separate replica or process would have). */
    async function start(
      options: { ttlMs?: number; handleMessage?: typeof askingHandler } = {},
    ): Promise<{ agent: ServedAgent; database: Database }> {
      const database = new Database(url);
      const agent = await serveAgent({
        card: { identity: { id: "asking-agent", name: "Asking Agent" } },
        tasks: { database, ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}) },
        handleMessage: options.handleMessage ?? askingHandler,
      });
      opened.push(agent, { close: () => database.close() });
      return { agent, database };
    }

    beforeAll(async () => {
      url = await target.createUrl();
      const database = new Database(url);
      await database.initialize();
      await database.close();
      client = new A2AClient({ network: LOOPBACK });
    });
    afterAll(async () => {
      await client?.close();
      for (const resource of opened.reverse()) await resource.close();
    });

    const answeredOf = (data: Record<string, unknown>[]) =>
      (data.find((entry) => "answered" in entry)?.answered ?? {}) as Answered;

    it("a task asked before a restart is answered after it: same task, ctx.state and the question kept", async () => {
      const first = await start();
      const threadId = randomUUID();
      const asked = await client.sendMessage(first.agent.card, { text: "ask:1", contextId: threadId });
      expect(asked).toMatchObject({ state: "TASK_STATE_INPUT_REQUIRED", text: "Question 1. " });
      await first.agent.close();
      await first.database.close();

      const second = await start();
      expect(second.agent.url).not.toBe(first.agent.url);
      const answered = await client.sendMessage(second.agent.card, {
        text: "Ann",
        taskId: asked.taskId!,
        contextId: threadId,
      });
      expect(answered).toMatchObject({
        taskId: asked.taskId,
        contextId: threadId,
        state: "TASK_STATE_COMPLETED",
        text: "Thanks: Ann",
      });
      expect(answeredOf(answered.data)).toEqual({
        answerTo: QUESTIONS[0],
        state: { wanted: 1, answers: ["Ann"], askedBy: [process.pid] },
        answeredBy: process.pid,
      });
    });

    it("two replicas on one database: questions asked on one are answered on the other, back and forth", async () => {
      const [a, b] = [await start(), await start()];
      const threadId = randomUUID();
      const asked = await client.sendMessage(a.agent.card, { text: "ask:3", contextId: threadId });
      const taskId = asked.taskId!;
      expect((await client.getTask(b.agent.card, taskId)).statusText).toBe(QUESTIONS[0]);
      const second = await client.sendMessage(b.agent.card, { text: "Ann", taskId, contextId: threadId });
      expect(second).toMatchObject({ taskId, state: "TASK_STATE_INPUT_REQUIRED" });
      expect((await client.getTask(a.agent.card, taskId)).statusText).toBe(QUESTIONS[1]);
      await client.sendMessage(a.agent.card, { text: "green", taskId, contextId: threadId });
      const done = await client.sendMessage(b.agent.card, { text: "Oslo", taskId, contextId: threadId });
      expect(done).toMatchObject({
        taskId,
        contextId: threadId,
        state: "TASK_STATE_COMPLETED",
        text: "Thanks: Ann, green, Oslo",
      });
      expect(answeredOf(done.data)).toMatchObject({
        answerTo: QUESTIONS[2],
        state: { answers: ["Ann", "green", "Oslo"] },
      });
      expect((await client.getTask(a.agent.card, taskId)).state).toBe("TASK_STATE_COMPLETED");
    });

    it("while one replica runs a task's turn, another replica refuses the next message for it", async () => {
      const release = deferred();
      async function* slowAnswers(ctx: AgentMessageContext) {
        if (ctx.answerTo === undefined) return yield* askingHandler(ctx);
        yield "working ";
        await release.promise;
        yield "done";
      }
      const [a, b] = [
        await start({ handleMessage: slowAnswers }),
        await start({ handleMessage: slowAnswers }),
      ];
      const asked = await client.sendMessage(a.agent.card, { text: "ask:1" });
      const taskId = asked.taskId!;
      const answering = client.sendStreamingMessage(a.agent.card, { text: "Ann", taskId });
      const stream = answering[Symbol.asyncIterator]();
      // Once the client has the first chunk, the task is saved WORKING.
      for (let next = await stream.next(); !next.done; next = await stream.next()) {
        if (next.value.type === "artifact" && next.value.text === "working ") break;
      }
      const error = await rejectionOf(client.sendMessage(b.agent.card, { text: "Bob", taskId }));
      expect([error.code, error.context?.rpcCode]).toEqual(["AGENT_PROTOCOL_ERROR", -32004]);
      release.resolve();
      let last: unknown;
      for (let next = await stream.next(); !next.done; next = await stream.next()) last = next.value;
      expect(last).toMatchObject({ type: "status", state: "TASK_STATE_COMPLETED" });
      expect((await client.getTask(b.agent.card, taskId)).text).toBe("working done");
    });

    it("a task waiting for input can be cancelled (on another replica); an answer after that is refused", async () => {
      const [a, b] = [await start(), await start()];
      const threadId = randomUUID();
      const asked = await client.sendMessage(a.agent.card, { text: "ask:1", contextId: threadId });
      const cancelled = await client.cancelTask(b.agent.card, asked.taskId!);
      expect(cancelled).toMatchObject({ taskId: asked.taskId, state: "TASK_STATE_CANCELED" });
      expect((await client.getTask(a.agent.card, asked.taskId!)).state).toBe("TASK_STATE_CANCELED");
      const error = await rejectionOf(
        client.sendMessage(a.agent.card, { text: "Ann", taskId: asked.taskId!, contextId: threadId }),
      );
      expect(error.code).toBe("AGENT_PROTOCOL_ERROR");
      expect(error.context?.rpcCode).toBe(-32004);
    });

    it("the sweep removes the tasks not updated for ttlMs, and only those", async () => {
      const { agent, database } = await start();
      const [stale, fresh, waiting] = [
        await client.sendMessage(agent.card, { text: "ask:0" }),
        await client.sendMessage(agent.card, { text: "ask:0" }),
        await client.sendMessage(agent.card, { text: "ask:1" }),
      ];
      // Make two of them look two hours old.
      await database.db
        .updateTable(AGENT_TASKS_TABLE)
        .set({ status_last_updated: Date.now() - 2 * 3_600_000 })
        .where("id", "in", [stale.taskId!, waiting.taskId!])
        .execute();
      // A replica starting sweeps before it serves.
      const sweeper = await start({ ttlMs: 3_600_000 });
      const left = await sweeper.database.db
        .selectFrom(AGENT_TASKS_TABLE)
        .select("id")
        .where("id", "in", [stale.taskId!, fresh.taskId!, waiting.taskId!])
        .execute();
      expect(left.map((row) => row.id)).toEqual([fresh.taskId]);
      expect((await rejectionOf(client.getTask(agent.card, waiting.taskId!))).context?.rpcCode).toBe(-32001);
      expect((await client.getTask(sweeper.agent.card, fresh.taskId!)).state).toBe("TASK_STATE_COMPLETED");
    });

    describe("across processes", () => {
      const workers: Worker[] = [];
      const startWorker = async () => {
        const worker = spawnWorker("test/fixtures/task-agent-worker.ts", [url]);
        workers.push(worker);
        const [, agentUrl, pid] = (await worker.line(0)).split(" ");
        const card: AgentCard = {
          identity: { id: "asking-agent", name: "Asking Agent" },
          service: { endpoint: agentUrl! },
        };
        return { worker, card, pid: Number(pid) };
      };
      afterAll(() => {
        for (const { child } of workers) if (child.exitCode === null) child.kill("SIGKILL");
      });

      it("a worker killed while its task waits for input: a new worker process answers it", async () => {
        const first = await startWorker();
        const threadId = randomUUID();
        const asked = await client.sendMessage(first.card, { text: "ask:2", contextId: threadId });
        const taskId = asked.taskId!;
        const exited = new Promise((resolve) => first.worker.child.once("exit", resolve));
        first.worker.child.kill("SIGKILL");
        await exited;

        const second = await startWorker();
        const next = await client.sendMessage(second.card, { text: "Ann", taskId, contextId: threadId });
        expect(next).toMatchObject({ taskId, state: "TASK_STATE_INPUT_REQUIRED" });
        expect((await client.getTask(second.card, taskId)).statusText).toBe(QUESTIONS[1]);
        const done = await client.sendMessage(second.card, { text: "blue", taskId, contextId: threadId });
        expect(done).toMatchObject({
          taskId,
          contextId: threadId,
          state: "TASK_STATE_COMPLETED",
          text: "Thanks: Ann, blue",
        });
        expect(answeredOf(done.data)).toEqual({
          answerTo: QUESTIONS[1],
          state: { wanted: 2, answers: ["Ann", "blue"], askedBy: [first.pid, second.pid] },
          answeredBy: second.pid,
        });
        second.worker.child.stdin!.write("stop\n");
        await new Promise((resolve) => second.worker.child.once("exit", resolve));
        expect(second.worker.child.exitCode).toBe(0);
      });
    });
  });
}
