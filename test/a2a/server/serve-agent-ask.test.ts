/**
 * Handlers that ask (`ctx.askUser`): the asking turn ends INPUT_REQUIRED with the question, the
 * answer continues the same task with `ctx.answerTo` and `ctx.state`, a task takes one turn at a
 * time, and the limits and refusals around it.
 */
import { randomUUID } from "node:crypto";
import { SendMessageRequest, TaskState } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { UnsupportedOperationError } from "@a2a-js/sdk/errors";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent } from "../../../src/a2a/client/types.js";
import {
  serveAgent,
  type AgentMessageContext,
  type ServedAgent,
} from "../../../src/a2a/server/serve-agent.js";
import { MAX_HANDLER_STATE_BYTES } from "../../../src/a2a/server/agent-turn.js";
import { QUESTIONS, askingHandler, type Answered } from "../../helpers/asking-agent.js";
import { LOOPBACK } from "../../helpers/network.js";
import {
  collect,
  deferred,
  expectNoUnhandledRejections,
  rejectionOf,
  type Deferred,
} from "../../helpers/a2a.js";

expectNoUnhandledRejections();

/** What one turn's handler was handed. */
interface Turn {
  text: string;
  taskId: string;
  threadId: string;
  answerTo: string | undefined;
  state: Record<string, unknown>;
}

describe("serveAgent: handlers that ask", () => {
  let agent: ServedAgent;
  let client: A2AClient;
  const turns: Turn[] = [];
  /** `hold` turns wait for this. */
  let held: Deferred<void>;
  let holding: Deferred<string>;

  beforeAll(async () => {
    agent = await serveAgent({
      card: { identity: { id: "asking", name: "Asking" } },
      async *handleMessage(ctx: AgentMessageContext) {
        turns.push({
          text: ctx.text,
          taskId: ctx.taskId,
          threadId: ctx.threadId,
          answerTo: ctx.answerTo,
          state: structuredClone(ctx.state),
        });
        if (ctx.text === "hold") {
          yield "holding ";
          holding.resolve(ctx.taskId);
          await held.promise;
          yield "released";
          return;
        }
        if (ctx.text === "ask-then-hold") {
          ctx.askUser("Say hold");
          return;
        }
        if (ctx.text === "silent-ask") {
          yield "Pick one. ";
          ctx.askUser("A or B?");
          return;
        }
        if (ctx.answerTo === "A or B?") return; // answers without a word
        if (ctx.answerTo === "Anything else?") {
          yield "noted";
          return;
        }
        if (ctx.text === "huge") {
          ctx.state.blob = "x".repeat(MAX_HANDLER_STATE_BYTES);
          ctx.askUser("too much?");
          return;
        }
        if (ctx.text === "empty-question") {
          ctx.askUser("  ");
          return;
        }
        if (ctx.text === "json-state") {
          Object.assign(ctx.state, {
            when: new Date(Date.UTC(2026, 0, 2)),
            nested: { list: [1, "two"] },
            gone: undefined,
          });
          ctx.askUser("Anything else?");
          return;
        }
        yield* askingHandler(ctx);
      },
    });
    client = new A2AClient({ network: LOOPBACK });
  });
  afterAll(async () => {
    await client?.close();
    await agent?.close();
  });
  beforeEach(() => {
    held = deferred();
    holding = deferred();
  });

  /**
   * Starts a `hold` turn streamed, and returns once the client has its first chunk (the task is
   * saved WORKING by then); `events` resolves with the whole stream once the turn is released.
   */
  async function startHeld(): Promise<{ taskId: string; events: Promise<A2AStreamEvent[]> }> {
    const iterator = client.sendStreamingMessage(agent.card, { text: "hold" })[Symbol.asyncIterator]();
    const seen: A2AStreamEvent[] = [];
    for (;;) {
      const next = await iterator.next();
      if (next.done) throw new Error("the hold turn ended early");
      seen.push(next.value);
      if (next.value.type === "artifact" && next.value.text === "holding ") break;
    }
    const events = (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) seen.push(next.value);
      return seen;
    })();
    return { taskId: seen[0]!.taskId!, events };
  }

  const answeredOf = (data: Record<string, unknown>[]) =>
    (data.find((entry) => "answered" in entry)?.answered ?? {}) as Answered;
  const turnsOf = (taskId: string) => turns.filter((turn) => turn.taskId === taskId);

  it("the asking turn ends INPUT_REQUIRED with the question as status message; what it yielded stays its reply", async () => {
    const threadId = randomUUID();
    const events = await collect(
      client.sendStreamingMessage(agent.card, { text: "ask:1", contextId: threadId }),
    );
    expect(
      events.map((event) => [
        event.type,
        "state" in event ? event.state : "",
        "text" in event ? event.text : "",
      ]),
    ).toEqual([
      ["task", "TASK_STATE_SUBMITTED", ""],
      ["status", "TASK_STATE_WORKING", ""],
      ["artifact", "", "Question 1. "],
      ["artifact", "", ""],
      ["status", "TASK_STATE_INPUT_REQUIRED", QUESTIONS[0]],
    ]);
    const taskId = events[0]!.taskId!;
    const task = await client.getTask(agent.card, taskId);
    expect(task).toMatchObject({
      state: "TASK_STATE_INPUT_REQUIRED",
      statusText: QUESTIONS[0],
      text: "Question 1. ",
    });
    expect(task.raw.history?.map((message) => [message.role, message.parts[0]?.text])).toEqual([
      ["ROLE_USER", "ask:1"],
      ["ROLE_AGENT", QUESTIONS[0]],
    ]);
  });

  it("each answer continues the same task: answerTo is the question, ctx.state what the last turn left", async () => {
    const threadId = randomUUID();
    const asked = await client.sendMessage(agent.card, { text: "ask:3", contextId: threadId });
    const taskId = asked.taskId!;
    for (const answer of ["Ann", "green"]) {
      const next = await client.sendMessage(agent.card, { text: answer, taskId, contextId: threadId });
      expect(next).toMatchObject({ taskId, state: "TASK_STATE_INPUT_REQUIRED" });
    }
    const done = await client.sendMessage(agent.card, { text: "Oslo", taskId });
    expect(done).toMatchObject({
      taskId,
      contextId: threadId,
      state: "TASK_STATE_COMPLETED",
      text: "Thanks: Ann, green, Oslo",
    });
    expect(
      turnsOf(taskId).map(({ text, answerTo, threadId: thread, state }) => ({
        text,
        answerTo,
        thread,
        state,
      })),
    ).toEqual([
      { text: "ask:3", answerTo: undefined, thread: threadId, state: {} },
      {
        text: "Ann",
        answerTo: QUESTIONS[0],
        thread: threadId,
        state: { wanted: 3, answers: [], askedBy: [process.pid] },
      },
      {
        text: "green",
        answerTo: QUESTIONS[1],
        thread: threadId,
        state: { wanted: 3, answers: ["Ann"], askedBy: [process.pid, process.pid] },
      },
      {
        text: "Oslo",
        answerTo: QUESTIONS[2],
        thread: threadId,
        state: { wanted: 3, answers: ["Ann", "green"], askedBy: [process.pid, process.pid, process.pid] },
      },
    ]);
    expect(answeredOf(done.data).state.answers).toEqual(["Ann", "green", "Oslo"]);
  });

  it("a new task starts fresh, even in the same context: no answerTo, an empty ctx.state", async () => {
    const threadId = randomUUID();
    const first = await client.sendMessage(agent.card, { text: "ask:2", contextId: threadId });
    const second = await client.sendMessage(agent.card, { text: "ask:1", contextId: threadId });
    expect(second.taskId).not.toBe(first.taskId);
    expect(turnsOf(second.taskId!)).toEqual([expect.objectContaining({ answerTo: undefined, state: {} })]);
    // Both wait, each with its own state.
    const done = await client.sendMessage(agent.card, {
      text: "Bo",
      taskId: second.taskId!,
      contextId: threadId,
    });
    expect(answeredOf(done.data).state).toMatchObject({ wanted: 1, answers: ["Bo"] });
    const next = await client.sendMessage(agent.card, {
      text: "Al",
      taskId: first.taskId!,
      contextId: threadId,
    });
    expect(next.state).toBe("TASK_STATE_INPUT_REQUIRED");
    expect(turnsOf(first.taskId!).at(-1)?.state).toMatchObject({ wanted: 2, answers: [] });
  });

  it("ctx.state travels as JSON", async () => {
    const asked = await client.sendMessage(agent.card, { text: "json-state" });
    expect((await client.sendMessage(agent.card, { text: "no", taskId: asked.taskId! })).text).toBe("noted");
    expect(turnsOf(asked.taskId!)[1]?.state).toEqual({
      when: "2026-01-02T00:00:00.000Z",
      nested: { list: [1, "two"] },
    });
  });

  it("an answer turn that says nothing replies nothing (not the previous turn's words)", async () => {
    const asked = await client.sendMessage(agent.card, { text: "silent-ask" });
    expect(asked).toMatchObject({ state: "TASK_STATE_INPUT_REQUIRED", text: "Pick one. " });
    const done = await client.sendMessage(agent.card, { text: "A", taskId: asked.taskId! });
    expect(done).toMatchObject({ state: "TASK_STATE_COMPLETED", text: "" });
    expect((await client.getTask(agent.card, asked.taskId!)).text).toBe("");
  });

  it("streamed, an answer turn delivers only its own reply", async () => {
    const asked = await client.sendMessage(agent.card, { text: "ask:1" });
    const events = await collect(
      client.sendStreamingMessage(agent.card, { text: "Cy", taskId: asked.taskId! }),
    );
    const artifacts = events.filter(
      (event): event is Extract<A2AStreamEvent, { type: "artifact" }> => event.type === "artifact",
    );
    const live = artifacts.filter((event) => !event.snapshot);
    // Only this turn's words (the question turn's "Question 1. " is not repeated), closed once.
    expect(live.map((event) => event.text).join("")).toBe("Thanks: Cy");
    expect(live.flatMap((event) => event.data).some((entry) => "answered" in entry)).toBe(true);
    expect(live.map((event) => event.lastChunk)).toEqual([...live.slice(1).map(() => false), true]);
    expect(events.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_COMPLETED" });
  });

  it("a message for a task whose turn is still running is refused; the running turn is unharmed", async () => {
    const { taskId, events: running } = await startHeld();
    const error = await rejectionOf(client.sendMessage(agent.card, { text: "me too", taskId }));
    expect(error.code).toBe("AGENT_PROTOCOL_ERROR");
    expect(error.context?.rpcCode).toBe(-32004);
    expect(error.message).toMatch(/still working/);
    held.resolve();
    const events = await running;
    const artifacts = events.filter(
      (event): event is Extract<A2AStreamEvent, { type: "artifact" }> => event.type === "artifact",
    );
    expect(artifacts.map((event) => event.text).join("")).toBe("holding released");
    expect(artifacts.at(-1)?.lastChunk).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_COMPLETED" });
    expect(turnsOf(taskId).map((turn) => turn.text)).toEqual(["hold"]);
  });

  it("two answers racing for one question: one continues the task, the other is refused", async () => {
    const asked = await client.sendMessage(agent.card, { text: "ask-then-hold" });
    const taskId = asked.taskId!;
    const attempts = [
      client.sendMessage(agent.card, { text: "hold", taskId }),
      client.sendMessage(agent.card, { text: "hold", taskId }),
    ];
    const refused = await Promise.race(
      attempts.map((attempt, index) =>
        attempt.then(
          () => -1,
          () => index,
        ),
      ),
    );
    expect(refused).not.toBe(-1);
    const error = await rejectionOf(attempts[refused]!);
    expect(error.context?.rpcCode).toBe(-32004);
    await holding.promise;
    held.resolve();
    const winner = await attempts[1 - refused]!;
    expect(winner).toMatchObject({ taskId, state: "TASK_STATE_COMPLETED", text: "holding released" });
    expect(turnsOf(taskId).map((turn) => [turn.text, turn.answerTo])).toEqual([
      ["ask-then-hold", undefined],
      ["hold", "Say hold"],
    ]);
  });

  it("the SDK client is refused the same way (UnsupportedOperationError)", async () => {
    const sdk = await new ClientFactory().createFromUrl(agent.url);
    const { taskId, events: running } = await startHeld();
    const error = await rejectionOf(
      sdk.sendMessage(
        SendMessageRequest.fromJSON({
          message: { messageId: randomUUID(), role: "ROLE_USER", taskId, parts: [{ text: "x" }] },
        }),
      ),
    );
    expect(error).toBeInstanceOf(UnsupportedOperationError);
    held.resolve();
    await running;
    const task = await sdk.getTask({ tenant: "", id: taskId });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("a finished task takes no more messages; an unknown one is not found", async () => {
    const done = await client.sendMessage(agent.card, { text: "ask:0" });
    expect(done.state).toBe("TASK_STATE_COMPLETED");
    expect(
      (await rejectionOf(client.sendMessage(agent.card, { text: "more", taskId: done.taskId! }))).context
        ?.rpcCode,
    ).toBe(-32004);
    expect(
      (await rejectionOf(client.sendMessage(agent.card, { text: "hi", taskId: randomUUID() }))).context
        ?.rpcCode,
    ).toBe(-32001);
  });

  it("a task waiting for input can be cancelled; the answer after that is refused", async () => {
    const asked = await client.sendMessage(agent.card, { text: "ask:1" });
    expect(await client.cancelTask(agent.card, asked.taskId!)).toMatchObject({
      state: "TASK_STATE_CANCELED",
    });
    expect((await client.getTask(agent.card, asked.taskId!)).state).toBe("TASK_STATE_CANCELED");
    const error = await rejectionOf(client.sendMessage(agent.card, { text: "Ann", taskId: asked.taskId! }));
    expect(error.context?.rpcCode).toBe(-32004);
    expect(turnsOf(asked.taskId!)).toHaveLength(1);
  });

  it("a ctx.state over 64 KiB fails the turn, naming the limit", async () => {
    const error = await rejectionOf(client.sendMessage(agent.card, { text: "huge" }));
    expect(error.code).toBe("AGENT_TASK_FAILED");
    expect(error.message).toContain(`ctx.state is larger than ${MAX_HANDLER_STATE_BYTES} bytes`);
  });

  it("an empty question fails the turn", async () => {
    const error = await rejectionOf(client.sendMessage(agent.card, { text: "empty-question" }));
    expect(error.code).toBe("AGENT_TASK_FAILED");
    expect(error.message).toContain("needs a non-empty question");
  });

  it("ctx.state is the agent's own: no reply, task read or stream frame carries it", async () => {
    const asked = await client.sendMessage(agent.card, { text: "json-state" });
    expect(JSON.stringify(asked.raw)).not.toContain("omniforgeState");
    const read = await client.getTask(agent.card, asked.taskId!);
    expect(JSON.stringify(read.raw)).not.toContain("omniforgeState");
    const rpc = async (method: string, params: unknown, accept = "application/json") => {
      const response = await fetch(`${agent.url}/a2a/jsonrpc`, {
        method: "POST",
        headers: { "content-type": "application/json", accept, "a2a-version": "1.0" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      return response.text();
    };
    const message = (text: string) => ({ messageId: randomUUID(), role: "ROLE_USER", parts: [{ text }] });
    const streamed = await rpc(
      "SendStreamingMessage",
      { message: message("json-state") },
      "text/event-stream",
    );
    expect(streamed).toContain("TASK_STATE_INPUT_REQUIRED");
    expect(streamed).not.toContain("omniforgeState");
    const rest = await (
      await fetch(`${agent.url}/a2a/rest/tasks/${asked.taskId!}`, { headers: { "a2a-version": "1.0" } })
    ).text();
    expect(rest).toContain("TASK_STATE_INPUT_REQUIRED");
    expect(rest).not.toContain("omniforgeState");
    // (ListTasks is for named callers only; see "callers named by authenticate".)
    // The agent itself still has it on the answer.
    await client.sendMessage(agent.card, {
      text: "more",
      taskId: asked.taskId!,
      contextId: asked.contextId!,
    });
    expect(turnsOf(asked.taskId!).at(-1)?.state).toMatchObject({ nested: { list: [1, "two"] } });
  });
});

/** The parts of a JSON-RPC answer these tests read. */
interface RpcBody {
  result?: { id?: string; task?: { id: string; status: { state: string } }; tasks?: { id: string }[] };
  error?: { code: number };
}

describe("serveAgent: callers named by authenticate", () => {
  const TOKENS: Record<string, string> = { "token-alice": "alice", "token-bob": "bob" };
  let agent: ServedAgent;
  let client: A2AClient;

  beforeAll(async () => {
    agent = await serveAgent({
      card: { identity: { id: "private", name: "Private" } },
      grpc: true,
      authenticate: (headers) => TOKENS[(headers.authorization ?? "").replace(/^Bearer /, "")] ?? false,
      async *handleMessage(ctx: AgentMessageContext) {
        if (ctx.answerTo === undefined) {
          ctx.askUser("Secret question?");
          return;
        }
        yield `answered ${ctx.text}`;
      },
    });
    client = new A2AClient({ network: LOOPBACK });
  });
  afterAll(async () => {
    await client?.close();
    await agent?.close();
  });

  it.each(["JSONRPC/1.0", "HTTP+JSON/1.0", "GRPC/1.0", "JSONRPC/0.3", "HTTP+JSON/0.3"])(
    "over %s one caller's task is invisible to another: not read, cancelled or continued",
    async (binding) => {
      const as = (token: string) => ({
        ...agent.card,
        service: {
          ...agent.card.service!,
          auth: { type: "bearer" as const, token },
          interfacePreference: [binding],
        },
      });
      const alice = as("token-alice");
      const bob = as("token-bob");
      const asked = await client.sendMessage(alice, { text: "hi" });
      expect(asked.state).toBe("TASK_STATE_INPUT_REQUIRED");
      const taskId = asked.taskId!;
      for (const attempt of [
        client.getTask(bob, taskId),
        client.cancelTask(bob, taskId),
        client.sendMessage(bob, { text: "let me in", taskId, contextId: asked.contextId! }),
      ]) {
        const error = await rejectionOf(attempt);
        expect(error.code).toBe("AGENT_PROTOCOL_ERROR");
        expect(JSON.stringify(error.context)).toMatch(/TASK_NOT_FOUND|-32001/);
      }
      expect((await client.getTask(alice, taskId)).state).toBe("TASK_STATE_INPUT_REQUIRED");
      const answered = await client.sendMessage(alice, { text: "42", taskId, contextId: asked.contextId! });
      expect(answered).toMatchObject({ taskId, state: "TASK_STATE_COMPLETED", text: "answered 42" });
    },
  );

  const rpc = async (token: string | undefined, method: string, params: unknown) => {
    const response = await fetch(`${agent.url}/a2a/jsonrpc`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "a2a-version": "1.0",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    return { status: response.status, body: (await response.json()) as RpcBody };
  };
  const message = (text: string, extra: Record<string, unknown> = {}) => ({
    messageId: randomUUID(),
    role: "ROLE_USER",
    parts: [{ text }],
    ...extra,
  });

  it("ListTasks shows a named caller its own tasks only", async () => {
    const mine = await rpc("token-alice", "SendMessage", { message: message("listed") });
    const taskId = mine.body.result!.task!.id;
    const alice = await rpc("token-alice", "ListTasks", {});
    expect(alice.body.result!.tasks!.map((task) => task.id)).toContain(taskId);
    const bob = await rpc("token-bob", "ListTasks", {});
    expect(bob.body.result!.tasks!.map((task) => task.id)).not.toContain(taskId);
  });

  it("a task begun for one OmniForge tenant is not found by a message for another", async () => {
    const asked = await rpc("token-alice", "SendMessage", {
      message: message("hi", { metadata: { omniforge: { tenantId: "acme", userId: "u", threadId: "t" } } }),
    });
    const taskId = asked.body.result!.task!.id;
    const foreign = await rpc("token-alice", "SendMessage", {
      message: message("mine now", {
        taskId,
        metadata: { omniforge: { tenantId: "globex", userId: "u", threadId: "t" } },
      }),
    });
    expect(foreign.body.error?.code).toBe(-32001);
    const own = await rpc("token-alice", "SendMessage", {
      message: message("42", {
        taskId,
        metadata: { omniforge: { tenantId: "acme", userId: "u", threadId: "t" } },
      }),
    });
    expect(own.body.result!.task!.status.state).toBe("TASK_STATE_COMPLETED");
  });

  it("a request's tenant field opens no scope: the task is found without it", async () => {
    const sent = await rpc("token-alice", "SendMessage", { tenant: "someone-else", message: message("hi") });
    const taskId = sent.body.result!.task!.id;
    const read = await rpc("token-alice", "GetTask", { id: taskId });
    expect(read.body.result!.id).toBe(taskId);
  });
});

describe("serveAgent: anonymous callers and a failing authenticate", () => {
  it("anonymous callers may not list tasks (they would see everyone's)", async () => {
    await using agent = await serveAgent({
      card: { identity: { id: "open", name: "Open" } },
      async *handleMessage() {
        yield "ok";
      },
    });
    const response = await fetch(`${agent.url}/a2a/rest/tasks`, { headers: { "a2a-version": "1.0" } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("ListTasks needs a named caller");
  });

  it("an authenticate that throws refuses the call, HTTP 503 and gRPC UNAVAILABLE, telling nothing of why", async () => {
    await using agent = await serveAgent({
      card: { identity: { id: "shaky", name: "Shaky" } },
      grpc: true,
      authenticate: () => {
        throw new Error("auth backend down at 10.0.0.7");
      },
      async *handleMessage() {
        yield "never";
      },
    });
    const response = await fetch(`${agent.url}/a2a/jsonrpc`, {
      method: "POST",
      headers: { "content-type": "application/json", "a2a-version": "1.0" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "SendMessage",
        params: { message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text: "hi" }] } },
      }),
    });
    expect(response.status).toBe(503);
    expect(await response.text()).not.toContain("10.0.0.7");
    const client = new A2AClient({ network: LOOPBACK });
    try {
      const card = { ...agent.card, service: { ...agent.card.service!, interfacePreference: ["GRPC/1.0"] } };
      const error = await rejectionOf(client.sendMessage(card, { text: "hi" }, { timeoutMs: 5_000 }));
      expect(error.code).not.toBe("AGENT_TIMEOUT");
      expect(error.message).not.toContain("10.0.0.7");
    } finally {
      await client.close();
    }
  });
});
