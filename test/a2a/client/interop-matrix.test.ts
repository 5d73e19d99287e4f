/**
 * OmniForge's A2AClient against agents built with the plain official SDKs, on every binding and
 * protocol version it speaks: @a2a-js/sdk 1.3 over v1.0 JSON-RPC, HTTP+JSON and gRPC, a 1.3 server
 * with v0.3 compat (reached on v1.0 by default, and forced onto each v0.3 binding), and
 * @a2a-js/sdk 0.3.14 over v0.3 JSON-RPC and HTTP+JSON. Every cell runs the same behaviour: unary
 * and streamed replies, what reaches the agent, cancellation, tasks that ask, typed errors,
 * timeouts, and a full handoff through the orchestration layer.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentCard } from "../../../src/a2a/agent-card.js";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent } from "../../../src/a2a/client/types.js";
import { HANDOFF_EXTENSION_URI, withOmniforgeMetadata } from "../../../src/a2a/handoff-extension.js";
import { SqlConversationRepository } from "../../../src/storage/sql/sql-conversation-repository.js";
import { HandoffManager } from "../../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../../src/orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../../../src/orchestration/stream-router.js";
import { HandoffState } from "../../../src/orchestration/types.js";
import { Database } from "../../../src/storage/database.js";
import { LOOPBACK } from "../../helpers/network.js";
import { startSdkAgent, type SdkAgent, type SdkAgentKind } from "../../helpers/sdk-agents.js";
import { collect, expectNoUnhandledRejections, rejectionOf } from "../../helpers/a2a.js";

expectNoUnhandledRejections();

const TOKEN = "matrix-secret-token";
const TENANT = "acme";
const USER = "alice";

interface Cell {
  name: string;
  kind: SdkAgentKind;
  /** `card.service.interfacePreference`. */
  preference?: string[];
  /** The interface describeAgent must report. */
  binding: "JSONRPC" | "HTTP+JSON" | "GRPC";
  version: "1.0" | "0.3";
}

const CELLS: Cell[] = [
  { name: "SDK 1.3 JSON-RPC", kind: "v1-jsonrpc", binding: "JSONRPC", version: "1.0" },
  { name: "SDK 1.3 HTTP+JSON", kind: "v1-rest", binding: "HTTP+JSON", version: "1.0" },
  { name: "SDK 1.3 gRPC", kind: "v1-grpc", binding: "GRPC", version: "1.0" },
  {
    name: "SDK 1.3 legacy compat, default preference",
    kind: "v1-legacy",
    binding: "JSONRPC",
    version: "1.0",
  },
  {
    name: "SDK 1.3 legacy compat, forced JSONRPC/0.3",
    kind: "v1-legacy",
    preference: ["JSONRPC/0.3"],
    binding: "JSONRPC",
    version: "0.3",
  },
  {
    name: "SDK 1.3 legacy compat, forced HTTP+JSON/0.3",
    kind: "v1-legacy",
    preference: ["HTTP+JSON/0.3"],
    binding: "HTTP+JSON",
    version: "0.3",
  },
  { name: "SDK 0.3.14 JSON-RPC", kind: "v03-jsonrpc", binding: "JSONRPC", version: "0.3" },
  { name: "SDK 0.3.14 HTTP+JSON", kind: "v03-rest", binding: "HTTP+JSON", version: "0.3" },
];

/** The card a caller hands the client: the agent's endpoint, bearer credentials, the cell's preference. */
function cardOf(agent: SdkAgent, cell: Cell, auth = true): AgentCard {
  return {
    identity: agent.card.identity,
    service: {
      endpoint: agent.url,
      ...(auth ? { auth: { type: "bearer" as const, token: TOKEN } } : {}),
      ...(cell.preference ? { interfacePreference: cell.preference } : {}),
    },
  };
}

type ArtifactEvent = Extract<A2AStreamEvent, { type: "artifact" }>;
const artifactsOf = (events: A2AStreamEvent[], id?: string): ArtifactEvent[] =>
  events.filter(
    (event): event is ArtifactEvent =>
      event.type === "artifact" && (id === undefined || event.artifactId === id),
  );
const lastState = (events: A2AStreamEvent[]): string | undefined =>
  events.findLast((event) => event.type === "status" || event.type === "task")?.["state" as never];

/** `promise`, or a failure naming what did not happen within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

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

describe.each(CELLS)("A2AClient × $name", (cell) => {
  let agent: SdkAgent;
  let client: A2AClient;
  let card: AgentCard;

  beforeAll(async () => {
    agent = await startSdkAgent({ kind: cell.kind });
    card = cardOf(agent, cell);
    client = new A2AClient({ network: LOOPBACK });
  });
  afterAll(async () => {
    await client?.close();
    await agent?.close();
  });

  it(`describeAgent reports ${cell.binding}/${cell.version}, credentials sent`, async () => {
    const described = await client.describeAgent(card);
    expect(described.chosen).toMatchObject({
      binding: cell.binding,
      version: cell.version,
      sendsCredentials: true,
    });
  });

  it("sendMessage: text and data parts, contextId, metadata and credentials reach the agent and come back", async () => {
    const threadId = randomUUID();
    const metadata = withOmniforgeMetadata({ tenantId: TENANT, userId: USER, threadId });
    const previous = { previousResults: [{ agentId: "a", response: "r" }] };
    const result = await client.sendMessage(card, {
      text: "echo hello",
      data: [previous],
      contextId: threadId,
      metadata,
      extensions: [HANDOFF_EXTENSION_URI],
    });
    const received = {
      text: "echo hello",
      data: [previous],
      metadata,
      contextId: threadId,
    };
    expect(result).toMatchObject({
      kind: "task",
      contextId: threadId,
      state: "TASK_STATE_COMPLETED",
      text: "echo: echo hello",
      data: [{ echo: { ...received, taskId: result.taskId } }],
    });
    expect(result.taskId).toEqual(expect.any(String));
    // What the agent itself saw.
    expect(agent.script.last).toMatchObject({ ...received, assignedTaskId: result.taskId });
    expect(agent.script.last?.extensions).toEqual([HANDOFF_EXTENSION_URI]);
    const headers = agent.lastHeaders ?? {};
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    if (cell.version === "1.0") {
      expect(headers["a2a-version"]).toBe("1.0");
      expect(headers["a2a-extensions"]).toBe(HANDOFF_EXTENSION_URI);
    } else {
      // v0.3: no version header (or 0.3), and the extension header has its old name.
      expect(headers["a2a-version"] ?? "0.3").toBe("0.3");
      expect(headers["x-a2a-extensions"]).toBe(HANDOFF_EXTENSION_URI);
    }
  });

  it("sendMessage: a message reply (no task) with text and data", async () => {
    const result = await client.sendMessage(card, { text: "message" });
    expect(result).toMatchObject({ kind: "message", text: "plain reply", data: [{ ok: true }] });
  });

  it("sendStreamingMessage: chunks in order, appended to one artifact, then the data artifact, ending COMPLETED", async () => {
    const threadId = randomUUID();
    const events = await collect(
      client.sendStreamingMessage(card, { text: "chunks:4", contextId: threadId }),
    );
    const answer = artifactsOf(events, "answer");
    expect(answer.map((event) => event.text)).toEqual(["part0 ", "part1 ", "part2 ", "part3 "]);
    expect(answer.map((event) => [event.append, event.lastChunk])).toEqual([
      [false, false],
      [true, false],
      [true, false],
      [true, true],
    ]);
    expect(artifactsOf(events, "facts").map((event) => event.data)).toEqual([[{ chunks: 4, ok: true }]]);
    expect(events[0]).toMatchObject({ type: "task", contextId: threadId });
    expect(lastState(events)).toBe("TASK_STATE_COMPLETED");
    const taskIds = new Set(events.map((event) => ("taskId" in event ? event.taskId : "")));
    expect(taskIds.size).toBe(1);
  });

  it("sendStreamingMessage: a message reply is one message event", async () => {
    const events = await collect(client.sendStreamingMessage(card, { text: "message" }));
    expect(events).toEqual([
      expect.objectContaining({ type: "message", text: "plain reply", data: [{ ok: true }] }),
    ]);
  });

  it("breaking out of a stream early closes it at the agent", async () => {
    let taskId = "";
    for await (const event of client.sendStreamingMessage(card, { text: "slow" })) {
      if (event.type === "task") taskId = event.taskId;
      if (event.type === "artifact") {
        expect(agent.openStreams).toBe(1);
        break;
      }
    }
    await within(agent.streamsClosed(), 5_000, "the agent to see the stream close");
    expect(agent.openStreams).toBe(0);
    await client.cancelTask(card, taskId);
    expect((await agent.script.stopped(taskId)).cancelled).toBe(true);
  });

  it("cancelTask stops a slow task: CANCELED for the client, and the agent's work stopped", async () => {
    const events: A2AStreamEvent[] = [];
    let taskId = "";
    for await (const event of client.sendStreamingMessage(card, { text: "slow" })) {
      events.push(event);
      if (event.type === "task") taskId = event.taskId;
      if (event.type === "artifact" && !event.append) {
        const cancelled = await client.cancelTask(card, taskId);
        expect(cancelled).toMatchObject({ taskId, state: "TASK_STATE_CANCELED" });
      }
    }
    expect(lastState(events)).toBe("TASK_STATE_CANCELED");
    const stopped = await agent.script.stopped(taskId);
    expect(stopped.cancelled).toBe(true);
    expect(stopped.chunksSent).toBeLessThan(200);
    expect((await client.getTask(card, taskId)).state).toBe("TASK_STATE_CANCELED");
  });

  it("getTask reads a finished task: state, artifacts' text and data, contextId", async () => {
    const threadId = randomUUID();
    const sent = await client.sendMessage(card, { text: "chunks:2", contextId: threadId });
    const task = await client.getTask(card, sent.taskId!);
    expect(task).toMatchObject({
      taskId: sent.taskId,
      contextId: threadId,
      state: "TASK_STATE_COMPLETED",
      data: [{ chunks: 2, ok: true }],
    });
    expect(task.text.replace(/\n/g, "")).toBe("part0 part1 ");
  });

  it("an unknown task id -> AGENT_PROTOCOL_ERROR carrying the agent's reason or code (getTask and cancelTask)", async () => {
    for (const call of [client.getTask(card, randomUUID()), client.cancelTask(card, randomUUID())]) {
      const error = await rejectionOf(call);
      expect(error.code).toBe("AGENT_PROTOCOL_ERROR");
      const context = error.context ?? {};
      expect(context.a2aReason === "TASK_NOT_FOUND" || context.rpcCode === -32001).toBe(true);
    }
  });

  it("a task ending FAILED -> AGENT_TASK_FAILED with the agent's message", async () => {
    const error = await rejectionOf(client.sendMessage(card, { text: "fail" }));
    expect(error.code).toBe("AGENT_TASK_FAILED");
    expect(error.message).toContain("it broke");
  });

  it("a hanging agent -> AGENT_TIMEOUT, on time (sendMessage and sendStreamingMessage)", async () => {
    const started = performance.now();
    const [unary, streamed] = await Promise.all([
      rejectionOf(client.sendMessage(card, { text: "hang" }, { timeoutMs: 300 })),
      rejectionOf(collect(client.sendStreamingMessage(card, { text: "hang" }, { timeoutMs: 300 }))),
    ]);
    expect(unary.code).toBe("AGENT_TIMEOUT");
    expect(streamed.code).toBe("AGENT_TIMEOUT");
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("input required: the turn ends INPUT_REQUIRED with the question; the answer on the same taskId completes it", async () => {
    const threadId = randomUUID();
    const asked = await client.sendMessage(card, { text: "ask", contextId: threadId });
    expect(asked).toMatchObject({
      kind: "task",
      state: "TASK_STATE_INPUT_REQUIRED",
      text: "What is your name?",
    });
    const answered = await client.sendMessage(card, {
      text: "Ann",
      taskId: asked.taskId!,
      contextId: threadId,
    });
    expect(answered).toMatchObject({
      kind: "task",
      taskId: asked.taskId,
      contextId: threadId,
      state: "TASK_STATE_COMPLETED",
    });
    expect(answered.text).toContain("Nice to meet you, Ann");
    expect(agent.script.last).toMatchObject({
      text: "Ann",
      taskId: asked.taskId,
      assignedTaskId: asked.taskId,
    });
  });

  it("input required over streams: the question, then only the new turn's reply on the same task", async () => {
    const threadId = randomUUID();
    const first = await collect(client.sendStreamingMessage(card, { text: "ask", contextId: threadId }));
    expect(first.at(-1)).toMatchObject({
      type: "status",
      state: "TASK_STATE_INPUT_REQUIRED",
      text: "What is your name?",
    });
    const taskId = (first[0] as { taskId: string }).taskId;
    const second = await collect(
      client.sendStreamingMessage(card, { text: "Bob", taskId, contextId: threadId }),
    );
    expect(artifactsOf(second).map((event) => event.text)).toEqual(["Nice to meet you, Bob"]);
    expect(second.some((event) => event.type === "status" && event.text === "What is your name?")).toBe(
      false,
    );
    expect(lastState(second)).toBe("TASK_STATE_COMPLETED");
    expect(second.every((event) => !("taskId" in event) || event.taskId === taskId)).toBe(true);
  });

  it("an agent that went down after its card was read -> AGENT_UNAVAILABLE, promptly", async () => {
    const doomed = await startSdkAgent({ kind: cell.kind, id: `doomed-${cell.kind}` });
    const doomedCard = cardOf(doomed, cell);
    await client.sendMessage(doomedCard, { text: "chunks:1" });
    await doomed.close();
    const started = performance.now();
    const error = await rejectionOf(
      client.sendMessage(doomedCard, { text: "chunks:1" }, { timeoutMs: 10_000 }),
    );
    expect(error.code).toBe("AGENT_UNAVAILABLE");
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("a full handoff through HandoffManager and StreamRouter: request, turns, return", async () => {
    const handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
    const router = new StreamRouter({
      handoffManager: handoffs,
      orchestrationManager: new OrchestrationManager({ a2aClient: client, conversationRepo: repo }),
    });
    const specialist = cardOf(agent, cell, false);
    const threadId = (await repo.createConversation({ tenantId: TENANT, userId: USER, title: "handoff" })).id;
    const ids = { threadId, tenantId: TENANT, userId: USER };
    const acceptance = await handoffs.initiateHandoff({
      ...ids,
      sourceAgentId: "main-chatbot",
      targetAgentCard: specialist,
      contextSummary: "User wants Slack alerts; mail ann@example.com",
      handoffReason: "skill_creation_workflow",
    });
    expect(acceptance).toEqual({
      accepted: true,
      handoffId: expect.any(String),
      estimatedDurationSeconds: 60,
    });
    expect(agent.script.handoffRequests.at(-1)).toMatchObject({
      handoffId: acceptance.handoffId,
      threadId,
      tenantId: TENANT,
      userId: USER,
      sourceAgentId: "main-chatbot",
      contextSummary: "User wants Slack alerts; mail [EMAIL]",
    });

    const turn = await collect(router.routeEvents({ ...ids, message: "I want alerts" }));
    expect(turn.filter((e) => e.type === "error")).toEqual([]);
    expect(turn[0]).toMatchObject({ type: "route", target: "handoff", handoffId: acceptance.handoffId });
    expect(turn.at(-1)).toMatchObject({ type: "done", text: "Which Slack channel should the alerts go to?" });
    // The specialist asked (INPUT_REQUIRED): the router says so, and the answer continues its task.
    const asked = turn.find(
      (e): e is Extract<RouterEvent, { type: "input_required" }> => e.type === "input_required",
    );
    expect(asked).toMatchObject({
      agentId: specialist.identity.id,
      handoffId: acceptance.handoffId,
      question: "Which Slack channel should the alerts go to?",
    });
    expect(agent.script.last?.metadata).toMatchObject({
      omniforge: { tenantId: TENANT, userId: USER, threadId, handoffId: acceptance.handoffId },
    });
    expect(await handoffs.isHandoffActive(ids)).toBe(true);

    const last = await collect(router.routeEvents({ ...ids, message: "post to #alerts" }));
    expect(last.filter((e) => e.type === "error")).toEqual([]);
    expect(agent.script.last).toMatchObject({ text: "post to #alerts", taskId: asked?.taskId });
    const returned = last.find(
      (e): e is Extract<RouterEvent, { type: "handoff_returned" }> => e.type === "handoff_returned",
    );
    expect(returned).toMatchObject({
      handoffId: acceptance.handoffId,
      completionStatus: "completed",
      resultSummary: "Slack alerts go to #alerts",
      artifactsCreated: ["skills/slack-alerts.md"],
    });
    expect(last.at(-1)).toMatchObject({ type: "done", text: "Created the skill posting to #alerts." });
    expect(await handoffs.getActiveHandoff(ids)).toBeNull();
    const history = await handoffs.listHandoffs(ids);
    expect(history.map((session) => [session.state, session.resultSummary])).toEqual([
      [HandoffState.COMPLETED, "Slack alerts go to #alerts"],
    ]);

    // A second handoff on the same thread, cancelled: the specialist is told.
    const again = await handoffs.initiateHandoff({
      ...ids,
      sourceAgentId: "main-chatbot",
      targetAgentCard: specialist,
      contextSummary: "again",
      handoffReason: "skill_creation_workflow",
    });
    expect(again.accepted).toBe(true);
    await handoffs.cancelHandoff({ ...ids, reason: "User changed their mind" });
    expect(agent.script.handoffCancels.at(-1)).toEqual({
      handoffId: again.handoffId,
      reason: "User changed their mind",
    });
  });
});

describe("A2A card edge cases", () => {
  let client: A2AClient;
  const agents: SdkAgent[] = [];
  const start = async (options: Parameters<typeof startSdkAgent>[0]) => {
    const agent = await startSdkAgent(options);
    agents.push(agent);
    return agent;
  };

  beforeAll(() => {
    client = new A2AClient({ network: LOOPBACK });
  });
  afterAll(async () => {
    await client?.close();
    await Promise.all(agents.map((agent) => agent.close()));
  });

  it("a v0.3 card served only at /.well-known/agent.json is found and used", async () => {
    const agent = await start({ kind: "v03-jsonrpc", legacyCardPathOnly: true });
    expect((await fetch(`${agent.url}/.well-known/agent-card.json`)).status).toBe(404);
    expect((await client.describeAgent(agent.card)).chosen).toMatchObject({
      binding: "JSONRPC",
      version: "0.3",
    });
    expect(await client.sendMessage(agent.card, { text: "chunks:2" })).toMatchObject({
      state: "TASK_STATE_COMPLETED",
    });
  });

  it.each(["1.0.0", "1.0", "v1.0"])(
    'a v1.0 card whose interface says protocolVersion "%s" is v1.0',
    async (version) => {
      const agent = await start({
        kind: "v1-jsonrpc",
        cardJson: (json) => ({
          ...json,
          supportedInterfaces: (json.supportedInterfaces as Record<string, unknown>[]).map((entry) => ({
            ...entry,
            protocolVersion: version,
          })),
        }),
      });
      expect((await client.describeAgent(agent.card)).chosen).toMatchObject({
        binding: "JSONRPC",
        version: "1.0",
      });
      expect(await client.sendMessage(agent.card, { text: "chunks:1" })).toMatchObject({
        state: "TASK_STATE_COMPLETED",
      });
    },
  );

  it.each(["0.3.0", "0.3"])('a v0.3 card saying protocolVersion "%s" is v0.3', async (version) => {
    const agent = await start({
      kind: "v03-jsonrpc",
      cardJson: (json) => ({ ...json, protocolVersion: version }),
    });
    expect((await client.describeAgent(agent.card)).chosen).toMatchObject({
      binding: "JSONRPC",
      version: "0.3",
    });
    expect(await client.sendMessage(agent.card, { text: "chunks:1" })).toMatchObject({
      state: "TASK_STATE_COMPLETED",
    });
  });

  it('v0.3 interfaces on a v1.0 card saying "0.3.0" are matched on major.minor', async () => {
    const agent = await start({
      kind: "v1-legacy",
      cardJson: (json) => ({
        ...json,
        supportedInterfaces: (json.supportedInterfaces as Record<string, unknown>[]).map((entry) => ({
          ...entry,
          protocolVersion: entry.protocolVersion === "0.3" ? "0.3.0" : entry.protocolVersion,
        })),
      }),
    });
    const card: AgentCard = {
      ...agent.card,
      service: { endpoint: agent.url, interfacePreference: ["JSONRPC/0.3"] },
    };
    expect((await client.describeAgent(card)).chosen).toMatchObject({ binding: "JSONRPC", version: "0.3" });
    expect(await client.sendMessage(card, { text: "chunks:1" })).toMatchObject({
      state: "TASK_STATE_COMPLETED",
    });
  });
});
