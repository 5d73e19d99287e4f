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
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent } from "../../src/a2a/client/types.js";
import { serveAgent, type AgentMessageContext, type ServedAgent } from "../../src/a2a/server/serve-agent.js";
import { MAX_HANDLER_STATE_BYTES } from "../../src/a2a/server/agent-executor.js";
import { QUESTIONS, askingHandler, type Answered } from "../helpers/asking-agent.js";
import { LOOPBACK } from "../helpers/network.js";
import { collect, deferred, expectNoUnhandledRejections, rejectionOf, type Deferred } from "./helpers.js";

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
    expect(artifacts.filter((event) => !event.snapshot).map((event) => event.text)).toEqual([
      "Thanks: Cy",
      "",
      "",
    ]);
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
    expect(
      events.filter((event) => event.type === "artifact").map((event) => ("text" in event ? event.text : "")),
    ).toEqual(["holding ", "released", ""]);
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
    const listed = await rpc("ListTasks", { includeArtifacts: true });
    expect(listed).toContain(asked.taskId!);
    expect(listed).not.toContain("omniforgeState");
    // The agent itself still has it on the answer.
    await client.sendMessage(agent.card, {
      text: "more",
      taskId: asked.taskId!,
      contextId: asked.contextId!,
    });
    expect(turnsOf(asked.taskId!).at(-1)?.state).toMatchObject({ nested: { list: [1, "two"] } });
  });
});

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
});
