/**
 * Every client against one agent built with serveAgent, on every interface it serves: OmniForge's
 * A2AClient forced onto each of v1.0 JSON-RPC, HTTP+JSON and gRPC and v0.3 JSON-RPC and HTTP+JSON;
 * the @a2a-js/sdk 1.3 client on JSON-RPC, HTTP+JSON and gRPC; the @a2a-js/sdk 0.3.14 client on
 * JSON-RPC and HTTP+JSON. Each cell sends, streams, cancels, asks the user and runs a whole
 * handoff; then authentication on every binding, the card per version, and `legacy: false`.
 */
import { randomUUID } from "node:crypto";
import { credentials as grpcCredentials } from "@grpc/grpc-js";
import { SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from "@a2a-js/sdk/client";
import { TaskNotFoundError } from "@a2a-js/sdk/errors";
import { GrpcTransportFactory } from "@a2a-js/sdk/client/grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import {
  HANDOFF_EXTENSION_URI,
  findHandoffAccept,
  findHandoffReturn,
  handoffData,
  withOmniforgeMetadata,
  type HandoffCancelPayload,
  type HandoffRequestPayload,
} from "../../../src/a2a/handoff-extension.js";
import {
  serveAgent,
  type AgentMessageContext,
  type ServedAgent,
} from "../../../src/a2a/server/serve-agent.js";
import { SqlConversationRepository } from "../../../src/storage/sql/sql-conversation-repository.js";
import { HandoffManager } from "../../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../../src/orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../../../src/orchestration/stream-router.js";
import { HandoffState } from "../../../src/orchestration/types.js";
import { Database } from "../../../src/storage/database.js";
import {
  omniforgeDriver,
  sdk03Driver,
  sdk13Driver,
  type ClientDriver,
  type DriverEvent,
} from "../../helpers/client-drivers.js";
import { LOOPBACK } from "../../helpers/network.js";
import { TEST_SECRETS } from "../../helpers/secrets.js";
import {
  collect,
  deferred,
  expectNoUnhandledRejections,
  rejectionOf,
  type Deferred,
} from "../../helpers/a2a.js";

expectNoUnhandledRejections();

const TOKEN = "served-agent-token";
const TENANT = "acme";
const USER = "alice";
const QUESTION = "What is your name?";

/** What the agent saw, per task, and the signals of its stopped handlers. */
class Recorder {
  readonly contexts: AgentMessageContext[] = [];
  readonly requests: HandoffRequestPayload[] = [];
  readonly cancels: HandoffCancelPayload[] = [];
  readonly #aborted = new Map<string, Deferred<string>>();

  /** Resolves with the abort reason once the handler of `taskId` saw its signal fire. */
  aborted(taskId: string): Deferred<string> {
    let entry = this.#aborted.get(taskId);
    if (entry === undefined) {
      entry = deferred<string>();
      this.#aborted.set(taskId, entry);
    }
    return entry;
  }

  last(taskId: string): AgentMessageContext | undefined {
    return this.contexts.findLast((ctx) => ctx.taskId === taskId);
  }
}

/**
 * The agent's script, by message: an answer to its question; a handoff turn; `chunks:N`; `slow`
 * (waits for its signal); `ask:<origin>` (asks, keeping state); anything else is echoed back with
 * what reached the handler.
 */
function handlerFor(recorder: Recorder) {
  return async function* handleMessage(ctx: AgentMessageContext) {
    recorder.contexts.push(ctx);
    if (ctx.answerTo !== undefined) {
      yield `Nice to meet you, ${ctx.text}`;
      yield { data: { answered: { answerTo: ctx.answerTo, state: ctx.state } } };
      return;
    }
    if (ctx.handoff !== undefined) {
      const channel = /^post to (#\S+)$/.exec(ctx.text)?.[1];
      if (channel === undefined) {
        yield "Which Slack channel should the alerts go to?";
        return;
      }
      ctx.returnControl({
        completionStatus: "completed",
        resultSummary: `Slack alerts go to ${channel}`,
        artifactsCreated: ["skills/slack-alerts.md"],
      });
      yield `Created the skill posting to ${channel}.`;
      return;
    }
    const [command, argument = ""] = ctx.text.split(":");
    switch (command) {
      case "chunks":
        // Spaced out: chunks yielded closer together than serveAgent's coalescing window travel as one.
        for (let index = 0; index < Number(argument); index++) {
          if (index > 0) await new Promise((resolve) => setTimeout(resolve, 25));
          yield `part${index} `;
        }
        return;
      case "slow": {
        yield "working";
        const signal = ctx.signal;
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener("abort", () => resolve(), { once: true });
        });
        recorder.aborted(ctx.taskId).resolve(String((signal.reason as Error | undefined)?.message));
        return;
      }
      case "ask":
        ctx.state.asked = "name";
        ctx.state.origin = argument;
        yield "Sure. ";
        ctx.askUser(QUESTION);
        return;
      default:
        yield `echo: ${ctx.text}`;
        yield {
          data: {
            echo: {
              data: ctx.data,
              metadata: ctx.metadata ?? null,
              threadId: ctx.threadId,
              tenantId: ctx.tenantId ?? null,
              userId: ctx.userId ?? null,
              previousResults: ctx.previousResults,
            },
          },
        };
    }
  };
}

async function startServed(recorder: Recorder, extra: { legacy?: boolean } = {}): Promise<ServedAgent> {
  return serveAgent({
    card: {
      identity: { id: "served-agent", name: "Served Agent", description: "answers every client" },
      skills: [{ id: "echo", name: "Echo" }],
    },
    grpc: true,
    authenticate: (headers) => headers.authorization === `Bearer ${TOKEN}`,
    handleMessage: handlerFor(recorder),
    onHandoffRequest: (request) => {
      recorder.requests.push(request);
      return { accepted: true, estimatedDurationSeconds: 60 };
    },
    onHandoffCancel: (cancel) => {
      recorder.cancels.push(cancel);
    },
    ...extra,
  });
}

const lastState = (events: DriverEvent[]): string | undefined =>
  events.findLast((event) => event.type === "status" || event.type === "task")?.state;

interface Cell {
  name: string;
  /** `BINDING/version` the client must end up on. */
  route: string;
  omniforge: boolean;
  open(agent: ServedAgent): Promise<ClientDriver>;
}

const OMNIFORGE_INTERFACES = ["JSONRPC/1.0", "HTTP+JSON/1.0", "GRPC/1.0", "JSONRPC/0.3", "HTTP+JSON/0.3"];

const CELLS: Cell[] = [
  ...OMNIFORGE_INTERFACES.map((preference): Cell => ({
    name: `OmniForge A2AClient ${preference}`,
    route: preference,
    omniforge: true,
    open: (agent) => Promise.resolve(omniforgeDriver({ endpoint: agent.url, preference, token: TOKEN })),
  })),
  ...(["JSONRPC", "HTTP+JSON", "GRPC"] as const).map((binding): Cell => ({
    name: `SDK 1.3 ${binding}`,
    route: `${binding}/1.0`,
    omniforge: false,
    open: (agent) => sdk13Driver({ baseUrl: agent.url, binding, token: TOKEN }),
  })),
  ...(["JSONRPC", "HTTP+JSON"] as const).map((binding): Cell => ({
    name: `SDK 0.3.14 ${binding}`,
    route: `${binding}/0.3`,
    omniforge: false,
    open: (agent) => sdk03Driver({ baseUrl: agent.url, binding, token: TOKEN }),
  })),
];

let database: Database;
let repo: SqlConversationRepository;

beforeAll(async () => {
  database = new Database("sqlite::memory:");
  await database.initialize();
  repo = new SqlConversationRepository(database);
});
afterAll(async () => {
  await database?.close();
});

describe.each(CELLS)("$name × serveAgent", (cell) => {
  const recorder = new Recorder();
  let agent: ServedAgent;
  let driver: ClientDriver;

  beforeAll(async () => {
    agent = await startServed(recorder);
    driver = await cell.open(agent);
  });
  afterAll(async () => {
    await driver?.close();
    await agent?.close();
  });

  it(`the client talks to ${cell.route}`, async () => {
    expect(await driver.route()).toBe(cell.route);
  });

  it("send: text and data parts round trip, the contextId is kept, metadata reaches the handler", async () => {
    const threadId = randomUUID();
    const metadata = withOmniforgeMetadata({ tenantId: TENANT, userId: USER, threadId }, { trace: "x-1" });
    const previous = handoffData.previousResults([{ agentId: "research", response: "three sources" }]);
    const payload = { n: 1, nested: { list: [1, "two", { three: true }] } };
    const reply = await driver.send({
      text: "hello there",
      data: [previous, payload],
      contextId: threadId,
      metadata,
    });
    expect(reply).toMatchObject({
      kind: "task",
      contextId: threadId,
      state: "TASK_STATE_COMPLETED",
      text: "echo: hello there",
    });
    expect(reply.data).toEqual([
      {
        echo: {
          data: [previous, payload],
          metadata,
          threadId,
          tenantId: TENANT,
          userId: USER,
          previousResults: [{ agentId: "research", response: "three sources" }],
        },
      },
    ]);
    const ctx = recorder.last(reply.taskId!);
    expect(ctx).toMatchObject({ text: "hello there", threadId, tenantId: TENANT, userId: USER, metadata });
    expect(ctx?.parts.map((part) => (part.text !== undefined ? "text" : "data"))).toEqual([
      "text",
      "data",
      "data",
    ]);
  });

  it("stream: chunks in order on one task, appended to one artifact, ending COMPLETED", async () => {
    const threadId = randomUUID();
    const events = await collect(driver.stream({ text: "chunks:4", contextId: threadId }));
    const chunks = events.filter((event) => event.type === "artifact" && event.text !== "");
    expect(chunks.map((event) => event.text)).toEqual(["part0 ", "part1 ", "part2 ", "part3 "]);
    const artifacts = events.filter((event) => event.type === "artifact");
    if (driver.keepsAppend) {
      expect(artifacts.map((event) => event.append)).toEqual([false, true, true, true, true]);
    }
    expect(artifacts.map((event) => event.lastChunk)).toEqual([false, false, false, false, true]);
    expect(events[0]).toMatchObject({ type: "task", contextId: threadId });
    expect(lastState(events)).toBe("TASK_STATE_COMPLETED");
    expect(new Set(events.map((event) => event.taskId)).size).toBe(1);
  });

  it("cancel: a slow task ends CANCELED and the handler's signal fires", async () => {
    const events: DriverEvent[] = [];
    let taskId = "";
    for await (const event of driver.stream({ text: "slow" })) {
      events.push(event);
      if (event.type === "task") taskId = event.taskId!;
      if (event.type === "artifact" && event.text === "working") {
        expect(await driver.cancel(taskId)).toBe("TASK_STATE_CANCELED");
      }
    }
    expect(lastState(events)).toBe("TASK_STATE_CANCELED");
    expect(await recorder.aborted(taskId).promise).toBe("task stopped: canceled");
    expect((await driver.getTask(taskId)).state).toBe("TASK_STATE_CANCELED");
  });

  it("a client that drops the stream (its signal aborted) aborts the handler", async () => {
    const controller = new AbortController();
    let taskId = "";
    const error = await rejectionOf(
      (async () => {
        for await (const event of driver.stream({ text: "slow" }, { signal: controller.signal })) {
          if (event.type === "task") taskId = event.taskId!;
          if (event.type === "artifact") controller.abort(new Error("user went away"));
        }
      })(),
    );
    expect(error).toBeDefined();
    expect(await recorder.aborted(taskId).promise).toBe("task stopped: disconnected");
    expect((await driver.getTask(taskId)).state).toBe("TASK_STATE_CANCELED");
  });

  it("askUser: the question reaches the client; the answer completes the same task with ctx.state", async () => {
    const threadId = randomUUID();
    const asked = await driver.send({ text: `ask:${cell.name}`, contextId: threadId });
    expect(asked).toMatchObject({
      kind: "task",
      contextId: threadId,
      state: "TASK_STATE_INPUT_REQUIRED",
      text: "Sure. ",
      statusText: QUESTION,
    });
    const answered = await driver.send({ text: "Ann", taskId: asked.taskId!, contextId: threadId });
    expect(answered).toMatchObject({
      kind: "task",
      taskId: asked.taskId,
      contextId: threadId,
      state: "TASK_STATE_COMPLETED",
      text: "Nice to meet you, Ann",
    });
    const expected = { answerTo: QUESTION, state: { asked: "name", origin: cell.name } };
    expect(answered.data).toEqual([{ answered: expected }]);
    expect(recorder.last(asked.taskId!)).toMatchObject({ text: "Ann", taskId: asked.taskId, ...expected });
  });

  const handoffByHand = async (): Promise<void> => {
    const threadId = randomUUID();
    const request: HandoffRequestPayload = {
      handoffId: randomUUID(),
      threadId,
      tenantId: TENANT,
      userId: USER,
      sourceAgentId: "main-chatbot",
      contextSummary: "User wants Slack alerts",
      handoffReason: "skill_creation_workflow",
      recentMessages: [{ role: "user", content: "alerts please" }],
    };
    const metadata = withOmniforgeMetadata({
      tenantId: TENANT,
      userId: USER,
      threadId,
      handoffId: request.handoffId,
    });
    const accepted = await driver.send({
      data: [handoffData.request(request)],
      contextId: threadId,
      metadata,
      extensions: [HANDOFF_EXTENSION_URI],
    });
    expect(accepted.kind).toBe("message");
    expect(findHandoffAccept(accepted.data)).toEqual({ accepted: true, estimatedDurationSeconds: 60 });
    expect(recorder.requests.at(-1)).toEqual(request);

    const first = await collect(driver.stream({ text: "I want alerts", contextId: threadId, metadata }));
    expect(
      first
        .filter((event) => event.type === "artifact")
        .map((event) => event.text)
        .join(""),
    ).toBe("Which Slack channel should the alerts go to?");
    expect(lastState(first)).toBe("TASK_STATE_COMPLETED");
    expect(recorder.last(first[0]!.taskId!)?.handoff).toEqual(request);

    const last = await collect(driver.stream({ text: "post to #alerts", contextId: threadId, metadata }));
    expect(findHandoffReturn(last.flatMap((event) => event.data))).toEqual({
      completionStatus: "completed",
      resultSummary: "Slack alerts go to #alerts",
      artifactsCreated: ["skills/slack-alerts.md"],
    });
    expect(
      last
        .filter((event) => event.type === "artifact")
        .map((event) => event.text)
        .join(""),
    ).toBe("Created the skill posting to #alerts.");
    expect(lastState(last)).toBe("TASK_STATE_COMPLETED");

    const cancelled = await driver.send({
      data: [handoffData.cancel({ handoffId: request.handoffId, reason: "User changed their mind" })],
      contextId: threadId,
      metadata,
      extensions: [HANDOFF_EXTENSION_URI],
    });
    expect(cancelled).toMatchObject({ kind: "message", text: `Handoff ${request.handoffId} cancelled` });
    expect(recorder.cancels.at(-1)).toEqual({
      handoffId: request.handoffId,
      reason: "User changed their mind",
    });
  };

  const handoffThroughOrchestration = async (): Promise<void> => {
    const omniforge = driver as ReturnType<typeof omniforgeDriver>;
    const client = omniforge.client;
    const handoffs = new HandoffManager({
      a2aClient: client,
      conversationRepo: repo,
      secrets: TEST_SECRETS,
    });
    const router = new StreamRouter({
      handoffManager: handoffs,
      orchestrationManager: new OrchestrationManager({ a2aClient: client, conversationRepo: repo }),
    });
    const threadId = (await repo.createConversation({ tenantId: TENANT, userId: USER, title: "handoff" })).id;
    const ids = { threadId, tenantId: TENANT, userId: USER };
    const acceptance = await handoffs.initiateHandoff({
      ...ids,
      sourceAgentId: "main-chatbot",
      targetAgentCard: omniforge.card,
      contextSummary: "User wants Slack alerts; mail ann@example.com",
      handoffReason: "skill_creation_workflow",
    });
    expect(acceptance).toEqual({
      accepted: true,
      handoffId: expect.any(String),
      estimatedDurationSeconds: 60,
    });
    expect(recorder.requests.at(-1)).toMatchObject({
      handoffId: acceptance.handoffId,
      threadId,
      tenantId: TENANT,
      userId: USER,
      sourceAgentId: "main-chatbot",
      contextSummary: "User wants Slack alerts; mail [EMAIL]",
    });

    const turn = await collect(router.routeEvents({ ...ids, message: "I want alerts" }));
    expect(turn.filter((event) => event.type === "error")).toEqual([]);
    expect(turn[0]).toMatchObject({ type: "route", target: "handoff", handoffId: acceptance.handoffId });
    expect(turn.at(-1)).toMatchObject({
      type: "done",
      text: "Which Slack channel should the alerts go to?",
    });
    const seen = recorder.contexts.at(-1);
    expect(seen?.handoff).toMatchObject({
      handoffId: acceptance.handoffId,
      contextSummary: "User wants Slack alerts; mail [EMAIL]",
    });
    expect(seen?.metadata).toMatchObject({
      omniforge: { tenantId: TENANT, userId: USER, threadId, handoffId: acceptance.handoffId },
    });
    expect(await handoffs.isHandoffActive(ids)).toBe(true);

    const last = await collect(router.routeEvents({ ...ids, message: "post to #alerts" }));
    expect(last.filter((event) => event.type === "error")).toEqual([]);
    const returned = last.find(
      (event): event is Extract<RouterEvent, { type: "handoff_returned" }> =>
        event.type === "handoff_returned",
    );
    expect(returned).toMatchObject({
      handoffId: acceptance.handoffId,
      completionStatus: "completed",
      resultSummary: "Slack alerts go to #alerts",
      artifactsCreated: ["skills/slack-alerts.md"],
    });
    expect(last.at(-1)).toMatchObject({ type: "done", text: "Created the skill posting to #alerts." });
    expect(await handoffs.getActiveHandoff(ids)).toBeNull();
    expect((await handoffs.listHandoffs(ids)).map((session) => session.state)).toEqual([
      HandoffState.COMPLETED,
    ]);

    const again = await handoffs.initiateHandoff({
      ...ids,
      sourceAgentId: "main-chatbot",
      targetAgentCard: omniforge.card,
      contextSummary: "again",
      handoffReason: "skill_creation_workflow",
    });
    expect(again.accepted).toBe(true);
    await handoffs.cancelHandoff({ ...ids, reason: "User changed their mind" });
    expect(recorder.cancels.at(-1)).toEqual({
      handoffId: again.handoffId,
      reason: "User changed their mind",
    });
  };

  it(
    cell.omniforge
      ? "handoff through HandoffManager and StreamRouter: request, turns, return, then a cancelled one"
      : "handoff by hand: handoffRequest -> handoffAccept, turns see ctx.handoff, returnControl -> handoffReturn, cancel",
    cell.omniforge ? handoffThroughOrchestration : handoffByHand,
  );
});

describe("authenticate on every binding", () => {
  const recorder = new Recorder();
  let agent: ServedAgent;

  beforeAll(async () => {
    agent = await startServed(recorder);
  });
  afterAll(async () => {
    await agent?.close();
  });

  const sendBody = (id: number, method: string, params: unknown) =>
    JSON.stringify({ jsonrpc: "2.0", id, method, params });
  const v1Message = { messageId: "m-1", role: "ROLE_USER", parts: [{ text: "hi" }] };
  const v03Message = {
    kind: "message",
    messageId: "m-1",
    role: "user",
    parts: [{ kind: "text", text: "hi" }],
  };

  /** Each binding's refusal body; none may read as an A2A error (JSON-RPC -32001 is TaskNotFound). */
  const rpcRefusal = { jsonrpc: "2.0", id: null, error: { code: -32000, message: "Unauthorized" } };
  const HTTP_CALLS: {
    name: string;
    path: string;
    headers: Record<string, string>;
    body: string;
    refusal: unknown;
  }[] = [
    {
      name: "v1.0 JSON-RPC",
      path: "/a2a/jsonrpc",
      headers: { "a2a-version": "1.0" },
      body: sendBody(1, "SendMessage", { message: v1Message }),
      refusal: rpcRefusal,
    },
    {
      name: "v1.0 JSON-RPC stream",
      path: "/a2a/jsonrpc",
      headers: { "a2a-version": "1.0" },
      body: sendBody(1, "SendStreamingMessage", { message: v1Message }),
      refusal: rpcRefusal,
    },
    {
      name: "v1.0 HTTP+JSON",
      path: "/a2a/rest/message:send",
      headers: { "a2a-version": "1.0" },
      body: JSON.stringify({ message: v1Message }),
      refusal: { error: { code: 401, status: "UNAUTHENTICATED", message: "Unauthorized" } },
    },
    {
      name: "v1.0 HTTP+JSON stream",
      path: "/a2a/rest/message:stream",
      headers: { "a2a-version": "1.0" },
      body: JSON.stringify({ message: v1Message }),
      refusal: { error: { code: 401, status: "UNAUTHENTICATED", message: "Unauthorized" } },
    },
    {
      name: "v0.3 JSON-RPC",
      path: "/a2a/jsonrpc",
      headers: {},
      body: sendBody(1, "message/send", { message: v03Message }),
      refusal: rpcRefusal,
    },
    {
      name: "v0.3 HTTP+JSON",
      path: "/a2a/rest/v1/message:send",
      headers: {},
      body: JSON.stringify({ message: { messageId: "m-1", role: "ROLE_USER", content: [{ text: "hi" }] } }),
      refusal: { code: -32000, message: "Unauthorized" },
    },
  ];

  it.each(HTTP_CALLS)("$name: no token or a wrong one -> HTTP 401, the handler never runs", async (call) => {
    const before = recorder.contexts.length;
    for (const authorization of [undefined, "Bearer wrong", TOKEN]) {
      const response = await fetch(`${agent.url}${call.path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...call.headers,
          ...(authorization ? { authorization } : {}),
        },
        body: call.body,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      expect(await response.json()).toEqual(call.refusal);
    }
    expect(recorder.contexts.length).toBe(before);
  });

  it.each(HTTP_CALLS)("$name: the right token is admitted", async (call) => {
    const response = await fetch(`${agent.url}${call.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...call.headers, authorization: `Bearer ${TOKEN}` },
      body: call.body,
    });
    expect(response.status).toBeLessThan(300);
    const text = await response.text();
    expect(text).toContain("echo: hi");
  });

  it("gRPC: unary and streaming calls without the token -> UNAUTHENTICATED; with it they are served", async () => {
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [
          new JsonRpcTransportFactory(),
          new GrpcTransportFactory({ grpcChannelCredentials: grpcCredentials.createInsecure() }),
        ],
        preferredTransports: ["GRPC"],
      }),
    );
    const client = await factory.createFromUrl(agent.url);
    const request = () =>
      SendMessageRequest.fromJSON({
        tenant: "",
        message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text: "hi" }] },
      });
    const before = recorder.contexts.length;
    const refused: Record<string, string>[] = [{}, { authorization: "Bearer wrong" }];
    for (const serviceParameters of refused) {
      const unary = await rejectionOf(client.sendMessage(request(), { serviceParameters }));
      expect((unary as Error & { status?: number }).status).toBe(16);
      const streamed = await rejectionOf(collect(client.sendMessageStream(request(), { serviceParameters })));
      expect((streamed as Error & { status?: number }).status).toBe(16);
      const got = await rejectionOf(client.getTask({ tenant: "", id: randomUUID() }, { serviceParameters }));
      expect((got as Error & { status?: number }).status).toBe(16);
    }
    expect(recorder.contexts.length).toBe(before);
    const good = { serviceParameters: { authorization: `Bearer ${TOKEN}` } };
    const task = await client.sendMessage(request(), good);
    expect("id" in task && task.status?.state).toBe(3);
    const events = await collect(client.sendMessageStream(request(), good));
    expect(events.at(-1)?.payload?.$case).toBe("statusUpdate");
  });

  it("the SDK clients without credentials are refused, never told TaskNotFound", async () => {
    const before = recorder.contexts.length;
    for (const driver of [
      await sdk13Driver({ baseUrl: agent.url, binding: "JSONRPC" }),
      await sdk13Driver({ baseUrl: agent.url, binding: "HTTP+JSON" }),
      await sdk03Driver({ baseUrl: agent.url, binding: "JSONRPC" }),
      await sdk03Driver({ baseUrl: agent.url, binding: "HTTP+JSON" }),
    ]) {
      const error = await rejectionOf(driver.send({ text: "hi" }));
      expect([driver.name, error instanceof TaskNotFoundError]).toEqual([driver.name, false]);
      expect([driver.name, error.message]).toEqual([driver.name, expect.stringMatching(/Unauthorized|401/)]);
      expect(error.message).not.toMatch(/-32001|not found/i);
    }
    expect(recorder.contexts.length).toBe(before);
  });

  it("the OmniForge client without credentials is refused on every interface", async () => {
    await using client = new A2AClient({ network: LOOPBACK });
    const before = recorder.contexts.length;
    for (const preference of OMNIFORGE_INTERFACES) {
      const card = {
        identity: { id: "served-agent", name: "Served Agent" },
        service: { endpoint: agent.url, interfacePreference: [preference] },
      };
      const error = await rejectionOf(client.sendMessage(card, { text: "hi" }));
      // One error on every binding: refused, with the HTTP or gRPC status that said so.
      expect([preference, error.code, error.context?.httpStatus ?? error.context?.grpcStatus]).toEqual([
        preference,
        "AGENT_UNAVAILABLE",
        preference.startsWith("GRPC") ? 16 : 401,
      ]);
    }
    expect(recorder.contexts.length).toBe(before);
  });

  it("the A2A card stays public", async () => {
    const response = await fetch(`${agent.url}/.well-known/agent-card.json`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { name: string }).name).toBe("Served Agent");
  });
});

describe("the A2A card per version, and legacy: false", () => {
  const recorder = new Recorder();
  let agent: ServedAgent;
  let modern: ServedAgent;

  beforeAll(async () => {
    agent = await startServed(recorder);
    modern = await startServed(recorder, { legacy: false });
  });
  afterAll(async () => {
    await Promise.all([agent?.close(), modern?.close()]);
  });

  const card = async (base: string, path: string, version?: string) => {
    const response = await fetch(`${base}${path}`, { headers: version ? { "a2a-version": version } : {} });
    return {
      status: response.status,
      vary: response.headers.get("vary"),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  const v1Interfaces = (served: ServedAgent) => [
    { url: `${served.url}/a2a/jsonrpc`, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
    { url: `${served.url}/a2a/rest`, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
    { url: served.grpcTarget, protocolBinding: "GRPC", protocolVersion: "1.0" },
  ];

  it("no A2A-Version: the hybrid card (v0.3 fields and every interface), at both well-known paths", async () => {
    for (const path of ["/.well-known/agent-card.json", "/.well-known/agent.json"]) {
      const { status, vary, body } = await card(agent.url, path);
      expect(status).toBe(200);
      expect(vary).toBe("A2A-Version");
      expect(body).toMatchObject({
        name: "Served Agent",
        protocolVersion: "0.3.0",
        url: `${agent.url}/a2a/jsonrpc`,
        preferredTransport: "JSONRPC",
        additionalInterfaces: [
          { url: `${agent.url}/a2a/jsonrpc`, transport: "JSONRPC" },
          { url: `${agent.url}/a2a/rest`, transport: "HTTP+JSON" },
        ],
        capabilities: { streaming: true, extensions: [{ uri: HANDOFF_EXTENSION_URI }] },
      });
      const interfaces = body.supportedInterfaces as Record<string, unknown>[];
      expect(interfaces).toEqual(
        expect.arrayContaining([
          ...v1Interfaces(agent).map((entry) => expect.objectContaining(entry)),
          expect.objectContaining({
            url: `${agent.url}/a2a/jsonrpc`,
            protocolBinding: "JSONRPC",
            protocolVersion: "0.3",
          }),
          expect.objectContaining({
            url: `${agent.url}/a2a/rest`,
            protocolBinding: "HTTP+JSON",
            protocolVersion: "0.3",
          }),
        ]),
      );
      expect(interfaces).toHaveLength(5);
    }
  });

  it("A2A-Version 1.0: the pure v1.0 card", async () => {
    const { status, body } = await card(agent.url, "/.well-known/agent-card.json", "1.0");
    expect(status).toBe(200);
    expect(body.protocolVersion).toBeUndefined();
    expect(body.url).toBeUndefined();
    expect(body.additionalInterfaces).toBeUndefined();
    const interfaces = body.supportedInterfaces as Record<string, unknown>[];
    expect(interfaces.filter((entry) => entry.protocolVersion === "1.0")).toEqual(
      v1Interfaces(agent).map((entry) => expect.objectContaining(entry)),
    );
  });

  it("v0.3 REST streams carry append/lastChunk on the wire (the 0.3.14 REST client drops append)", async () => {
    const response = await fetch(`${agent.url}/a2a/rest/v1/message:stream`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        message: { messageId: randomUUID(), role: "ROLE_USER", content: [{ text: "chunks:2" }] },
      }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const frames = (await response.text())
      .split("\n\n")
      .filter((frame) => frame.startsWith("data: "))
      .map((frame) => JSON.parse(frame.slice(6)) as Record<string, Record<string, unknown>>);
    const updates = frames.flatMap((frame) => (frame.artifactUpdate ? [frame.artifactUpdate] : []));
    expect(updates.map((update) => [update.append ?? false, update.lastChunk ?? false])).toEqual([
      [false, false],
      [true, false],
      [true, true],
    ]);
    expect(frames.at(-1)?.statusUpdate).toMatchObject({
      status: { state: "TASK_STATE_COMPLETED" },
      final: true,
    });
  });

  it("legacy: false -> a v1.0-only card for every caller, and no agent.json", async () => {
    for (const version of [undefined, "1.0"]) {
      const { body } = await card(modern.url, "/.well-known/agent-card.json", version);
      expect(body.protocolVersion).toBeUndefined();
      expect(body.supportedInterfaces).toEqual(
        v1Interfaces(modern).map((entry) => expect.objectContaining(entry)),
      );
    }
    expect((await fetch(`${modern.url}/.well-known/agent.json`)).status).toBe(404);
  });

  it("legacy: false -> v0.3 JSON-RPC and REST calls are refused as VERSION_NOT_SUPPORTED; v1.0 is served", async () => {
    const headers = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
    const before = recorder.contexts.length;
    const rpc = await fetch(`${modern.url}/a2a/jsonrpc`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "message/send",
        params: {
          message: { kind: "message", messageId: "m", role: "user", parts: [{ kind: "text", text: "hi" }] },
        },
      }),
    });
    expect(((await rpc.json()) as { error: { code: number } }).error.code).toBe(-32009);
    const rest = await fetch(`${modern.url}/a2a/rest/v1/message:send`, {
      method: "POST",
      headers,
      body: JSON.stringify({ message: { messageId: "m", role: "ROLE_USER", content: [{ text: "hi" }] } }),
    });
    expect(rest.status).toBe(400);
    expect(JSON.stringify(await rest.json())).toContain("VERSION_NOT_SUPPORTED");
    expect(recorder.contexts.length).toBe(before);

    const sdk03 = await rejectionOf(sdk03Driver({ baseUrl: modern.url, binding: "JSONRPC", token: TOKEN }));
    expect(sdk03.message).toMatch(/No compatible transport/i);

    await using client = new A2AClient({ network: LOOPBACK });
    const forced = {
      identity: { id: "modern", name: "Modern" },
      service: {
        endpoint: modern.url,
        interfacePreference: ["JSONRPC/0.3"],
        auth: { type: "bearer" as const, token: TOKEN },
      },
    };
    expect((await rejectionOf(client.sendMessage(forced, { text: "hi" }))).code).toBe("AGENT_CARD_INVALID");
    const v1 = await client.sendMessage(
      { ...forced, service: { ...forced.service, interfacePreference: ["JSONRPC/1.0"] } },
      { text: "hi" },
    );
    expect(v1).toMatchObject({ state: "TASK_STATE_COMPLETED", text: "echo: hi" });
  });
});

describe("maxBodyBytes on every binding", () => {
  const LIMIT = 300_000;
  let agent: ServedAgent;

  beforeAll(async () => {
    agent = await serveAgent({
      card: { identity: { id: "bounded", name: "Bounded" } },
      grpc: true,
      maxBodyBytes: LIMIT,
      async *handleMessage(ctx) {
        yield `length ${ctx.text.length}`;
      },
    });
  });
  afterAll(async () => {
    await agent?.close();
  });

  it("a message under the limit is served on every interface (not cut at a parser's default)", async () => {
    await using client = new A2AClient({ network: LOOPBACK });
    for (const preference of OMNIFORGE_INTERFACES) {
      const card = { ...agent.card, service: { endpoint: agent.url, interfacePreference: [preference] } };
      const result = await client.sendMessage(card, { text: "x".repeat(200_000) });
      expect([preference, result.text]).toEqual([preference, "length 200000"]);
    }
  });

  it.each<{ name: string; path: string; headers: Record<string, string> }>([
    { name: "v1.0 JSON-RPC", path: "/a2a/jsonrpc", headers: { "a2a-version": "1.0" } },
    { name: "v1.0 HTTP+JSON", path: "/a2a/rest/message:send", headers: { "a2a-version": "1.0" } },
    { name: "v0.3 JSON-RPC", path: "/a2a/jsonrpc", headers: {} },
    { name: "v0.3 HTTP+JSON", path: "/a2a/rest/v1/message:send", headers: {} },
  ])("$name: a body over the limit -> HTTP 413", async ({ path, headers }) => {
    const response = await fetch(`${agent.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ message: { text: "x".repeat(LIMIT) } }),
    });
    expect(response.status).toBe(413);
    await response.arrayBuffer();
  });

  it("v0.3 HTTP+JSON: a body that is not JSON -> 400 with the v0.3 parse error", async () => {
    const response = await fetch(`${agent.url}/a2a/rest/v1/message:send`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{ not json",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: -32700, message: "Invalid JSON payload." });
  });

  it("gRPC: a message over the limit -> RESOURCE_EXHAUSTED", async () => {
    const sdk = await sdk13Driver({ baseUrl: agent.url, binding: "GRPC" });
    const error = await rejectionOf(sdk.send({ text: "x".repeat(LIMIT) }));
    expect((error as Error & { status?: number }).status).toBe(8);
    expect((await sdk.send({ text: "small" })).text).toBe("length 5");
  });
});
