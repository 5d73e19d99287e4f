/**
 * GET /v1/threads/:threadId/timeline: each turn of a thread — a routed message, a delegation (a
 * FIRST_SUCCESS loser cancelled), a handoff started, returned and cancelled, a failed turn, a reader
 * that went away — as ids, timings, outcomes and codes, newest last; never any message text; read
 * by any replica on the database; scoped to the tenant and the thread-read rule.
 */
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { GatewayService, createGateway } from "../../src/gateway/index.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { call, createRoleKeys, startTestAgents, type RoleKeys, type TestAgents } from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";

type Json = Record<string, unknown>;
interface TurnEvent {
  kind: string;
  atMs: number;
  agentId?: string;
  durationMs?: number;
  outcome?: string;
  errorCode?: string;
  detail?: Json;
}
interface Turn {
  turnId: string;
  trigger: string;
  startedAt: string;
  durationMs: number | null;
  events: TurnEvent[];
}

/** Text that must never reach the timeline table. */
const SECRET_WORDS = [
  "PELICAN-7731",
  "Docs say",
  "Skill saved",
  "CTX-OSPREY",
  "REASON-HERON",
  "CANCEL-EGRET",
];

describe("turn timeline [sqlite-file]", () => {
  let database: Database;
  let client: A2AClient;
  let agents: TestAgents;
  let slow: RecordingAgent;
  let broken: RecordingAgent;
  let halting: RecordingAgent;
  let app: FastifyInstance;
  let replica: FastifyInstance;
  let alice: RoleKeys;
  let bob: RoleKeys;
  let globex: RoleKeys;

  beforeAll(async () => {
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    agents = await startTestAgents();
    slow = await startAgent({ id: "slow-agent", hang: true });
    broken = await startAgent({ id: "broken-agent", fail: "boom PELICAN-7731" });
    halting = await startAgent({
      id: "halting-agent",
      async *handle(ctx) {
        yield "first part ";
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
      },
    });
    const cards = [agents.knowledge.card, agents.skill.card, slow.card, broken.card, halting.card];
    app = createGateway({ database, a2aClient: client, agents: cards, defaultAgentIds: ["knowledge-agent"] });
    await app.ready();
    // A second replica on the same database, whose default agent fails.
    replica = createGateway({
      database,
      a2aClient: client,
      agents: cards,
      defaultAgentIds: ["broken-agent"],
    });
    await replica.ready();
    alice = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
    bob = await createRoleKeys({ database, tenantId: "acme", userId: "bob" });
    globex = await createRoleKeys({ database, tenantId: "globex", userId: "alice" });
  });
  afterAll(async () => {
    await replica?.close();
    await app?.close();
    await Promise.all([slow?.close(), broken?.close(), halting?.close()]);
    await agents?.close();
    await client?.close();
    await database?.close();
  });

  const newThread = async (gateway = app) => {
    const res = await call(gateway, { method: "POST", url: "/v1/threads", key: alice.operator, body: {} });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const post = (threadId: string, message: string, gateway = app) =>
    call(gateway, {
      method: "POST",
      url: `/v1/threads/${threadId}/messages`,
      key: alice.operator,
      body: { message },
    });
  const timeline = async (threadId: string, key = alice.operator, gateway = app, query = "") => {
    const res = await call(gateway, { method: "GET", url: `/v1/threads/${threadId}/timeline${query}`, key });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().turns as Turn[];
  };
  const kinds = (turn: Turn | undefined) => turn?.events.map((event) => event.kind);
  const expectInOrder = (turn: Turn) => {
    for (const event of turn.events) expect(event.atMs).toBeGreaterThanOrEqual(0);
    expect(turn.durationMs).toBeGreaterThanOrEqual(Math.max(...turn.events.map((e) => e.atMs)));
  };

  it("a routed turn: route, first chunk, the agent's call and its duration, done", async () => {
    const threadId = await newThread();
    expect((await post(threadId, "Where is the PELICAN-7731 runbook?")).statusCode).toBe(200);
    const turns = await timeline(threadId);
    expect(turns).toHaveLength(1);
    const [turn] = turns as [Turn];
    expect(turn).toMatchObject({ trigger: "message", durationMs: expect.any(Number) });
    expect(Number.isNaN(Date.parse(turn.startedAt))).toBe(false);
    expect(kinds(turn)).toEqual(["route", "first_chunk", "agent_call", "done"]);
    const [route, first, agentCall, done] = turn.events as [TurnEvent, TurnEvent, TurnEvent, TurnEvent];
    expect(route).toMatchObject({
      agentId: "knowledge-agent",
      detail: { target: "orchestrator", agentIds: ["knowledge-agent"] },
    });
    expect(first).toMatchObject({ agentId: "knowledge-agent" });
    expect(agentCall).toMatchObject({ agentId: "knowledge-agent", outcome: "success", atMs: route.atMs });
    expect(agentCall.durationMs).toEqual(expect.any(Number));
    expect(done).toMatchObject({ agentId: "knowledge-agent", detail: { messageId: expect.any(String) } });
    expect(route.atMs).toBeLessThanOrEqual(first.atMs);
    expect(first.atMs).toBeLessThanOrEqual(done.atMs);
    expectInOrder(turn);
  });

  it("a FIRST_SUCCESS delegation: one event per agent, the loser cancelled", async () => {
    const threadId = await newThread();
    const res = await call(app, {
      method: "POST",
      url: `/v1/threads/${threadId}/delegations`,
      key: alice.operator,
      body: {
        message: "PELICAN-7731 status?",
        agentIds: ["slow-agent", "knowledge-agent"],
        strategy: "first_success",
      },
    });
    expect(res.statusCode).toBe(200);
    // The response names the winner only; the timeline shows the race.
    expect(res.json().results.map((r: Json) => r.agentId)).toEqual(["knowledge-agent"]);
    const [turn] = (await timeline(threadId)) as [Turn];
    expect(turn.trigger).toBe("delegation");
    expect(kinds(turn)).toEqual(["delegation", "delegation", "done"]);
    expect(turn.events[0]).toMatchObject({
      agentId: "slow-agent",
      outcome: "cancelled",
      errorCode: "ABORTED",
      durationMs: expect.any(Number),
      detail: {
        agentId: "slow-agent",
        outcome: "cancelled",
        errorCode: "ABORTED",
        strategy: "first_success",
      },
    });
    expect(turn.events[1]).toMatchObject({
      agentId: "knowledge-agent",
      outcome: "success",
      detail: { agentId: "knowledge-agent", outcome: "success", latencyMs: expect.any(Number) },
    });
    expect(turn.events[1]).not.toHaveProperty("errorCode");
    expectInOrder(turn);
  });

  it("a handoff started, a turn whose specialist returns control, and a cancel through the API", async () => {
    const threadId = await newThread();
    const started = await call(app, {
      method: "POST",
      url: `/v1/threads/${threadId}/handoff`,
      key: alice.operator,
      body: { targetAgentId: "skill-agent", contextSummary: "CTX-OSPREY", handoffReason: "REASON-HERON" },
    });
    expect(started.json()).toMatchObject({ accepted: true });
    const handoffId = started.json().handoffId as string;
    expect((await post(threadId, "PELICAN-7731 first step")).statusCode).toBe(200);
    expect((await post(threadId, "done")).statusCode).toBe(200);
    // A second handoff, cancelled through the API.
    const again = await call(app, {
      method: "POST",
      url: `/v1/threads/${threadId}/handoff`,
      key: alice.operator,
      body: { targetAgentId: "skill-agent", contextSummary: "CTX-OSPREY", handoffReason: "REASON-HERON" },
    });
    const cancelled = await call(app, {
      method: "DELETE",
      url: `/v1/threads/${threadId}/handoff`,
      key: alice.operator,
      body: { reason: "CANCEL-EGRET" },
    });
    expect(cancelled.statusCode).toBe(200);

    const turns = await timeline(threadId);
    expect(turns.map((t) => t.trigger)).toEqual([
      "handoff_start",
      "message",
      "message",
      "handoff_start",
      "handoff_cancel",
    ]);
    const [start, step, back, , cancel] = turns as [Turn, Turn, Turn, Turn, Turn];
    expect(start.events).toEqual([
      {
        kind: "handoff_started",
        atMs: expect.any(Number),
        agentId: "skill-agent",
        durationMs: expect.any(Number),
        outcome: "success",
        detail: { handoffId, accepted: true, sourceAgentId: "orchestrator" },
      },
      { kind: "done", atMs: expect.any(Number) },
    ]);
    expect(kinds(step)).toEqual(["route", "first_chunk", "agent_call", "done"]);
    expect(step.events[0]).toMatchObject({
      agentId: "skill-agent",
      detail: { target: "handoff", agentIds: ["skill-agent"], handoffId },
    });
    expect(kinds(back)).toEqual(["route", "first_chunk", "handoff_returned", "agent_call", "done"]);
    expect(back.events[2]).toMatchObject({
      agentId: "skill-agent",
      detail: { handoffId, completionStatus: "completed", artifacts: 1, by: "agent" },
    });
    expect(cancel.events[0]).toMatchObject({
      kind: "handoff_cancelled",
      agentId: "skill-agent",
      detail: { handoffId: again.json().handoffId, by: "api" },
    });
  });

  it("a failed turn is recorded with its code, and another replica reads the same timeline", async () => {
    const threadId = await newThread(replica);
    const res = await post(threadId, "PELICAN-7731 please", replica);
    expect(res.statusCode).toBeGreaterThanOrEqual(500);
    // Read through the other gateway: the timeline lives in the database.
    const [turn] = (await timeline(threadId, alice.operator, app)) as [Turn];
    expect(kinds(turn)).toEqual(["route", "agent_call", "error"]);
    expect(turn.events[1]).toMatchObject({
      agentId: "broken-agent",
      outcome: "failure",
      errorCode: expect.any(String),
    });
    expect(turn.events[2]).toMatchObject({ outcome: "failure", errorCode: turn.events[1]!.errorCode });
    expect(await timeline(threadId, alice.operator, replica)).toEqual([turn]);
  });

  it("a reader that goes away mid-reply: the turn is recorded as cancelled", async () => {
    const service = new GatewayService({ database, a2aClient: client, agents: [halting.card] });
    const threadId = await newThread();
    const principal = { tenantId: "acme", userId: "alice", role: "operator", keyId: "k" } as const;
    const events = service.routeMessage({ principal, threadId, message: "PELICAN-7731 long answer" });
    for await (const event of events) if (event.type === "chunk") break;
    const [turn] = (await timeline(threadId)) as [Turn];
    expect(kinds(turn)).toEqual(["route", "first_chunk", "agent_call", "error"]);
    expect(turn.events[2]).toMatchObject({
      agentId: "halting-agent",
      outcome: "cancelled",
      errorCode: "ABORTED",
    });
    expect(turn.events[3]).toMatchObject({ outcome: "cancelled", errorCode: "ABORTED" });
  });

  it("limit: the newest turns, newest last; out of range is 400", async () => {
    const threadId = await newThread();
    for (const message of ["one", "two", "three"])
      expect((await post(threadId, message)).statusCode).toBe(200);
    const all = await timeline(threadId);
    expect(all).toHaveLength(3);
    expect(all.map((t) => Date.parse(t.startedAt))).toEqual(
      [...all.map((t) => Date.parse(t.startedAt))].sort(),
    );
    const newest = await timeline(threadId, alice.operator, app, "?limit=2");
    expect(newest.map((t) => t.turnId)).toEqual(all.slice(1).map((t) => t.turnId));
    for (const limit of ["0", "101", "x"]) {
      const res = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/timeline?limit=${limit}`,
        key: alice.viewer,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe("limit");
    }
  });

  it("tenant and end-user isolation: another tenant 404 (same ids), another end user 404, a viewer reads", async () => {
    const threadId = await newThread();
    expect((await post(threadId, "hello")).statusCode).toBe(200);
    for (const key of [globex.admin, globex.operator, bob.end_user]) {
      const res = await call(app, { method: "GET", url: `/v1/threads/${threadId}/timeline`, key });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe("THREAD_NOT_FOUND");
    }
    expect(await timeline(threadId, bob.viewer)).toHaveLength(1);
    // The owner reads it with an end-user key too.
    expect(await timeline(threadId, alice.end_user)).toHaveLength(1);
  });

  it("no message text, question, summary or reason is ever stored", async () => {
    const rows = await sql<Json>`select * from turn_events`.execute(database.db);
    expect(rows.rows.length).toBeGreaterThan(10);
    const stored = JSON.stringify(rows.rows);
    for (const word of SECRET_WORDS) expect(stored).not.toContain(word);
    for (const row of rows.rows) expect(String(row.tenant_id)).toBe("acme");
  });
});
