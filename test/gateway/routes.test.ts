/**
 * Every gateway route in-process (`app.inject`) on a real SQLite file with real loopback agents:
 * happy paths, validation, RBAC, limits and the error edge.
 */
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { serveAgent } from "../../src/a2a/server/serve-agent.js";
import { createGateway } from "../../src/gateway/index.js";
import { ApiKeyService } from "../../src/security/api-keys.js";
import { Role } from "../../src/security/rbac.js";
import { Database } from "../../src/storage/database.js";
import { tempSqlitePath } from "../helpers/databases.js";
import {
  MISSING_THREAD_ID,
  call,
  createRoleKeys,
  parseSse,
  startTestAgents,
  type RoleKeys,
  type TestAgents,
} from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";
import { TEST_SECRETS } from "../helpers/secrets.js";

type Json = Record<string, unknown>;

describe("gateway routes [sqlite-file]", () => {
  let database: Database;
  let client: A2AClient;
  let agents: TestAgents;
  let app: FastifyInstance;
  let keys: RoleKeys;
  let bobKeys: RoleKeys;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    agents = await startTestAgents();
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString("utf8"));
        done();
      },
    });
    app = createGateway({
      database,
      a2aClient: client,
      // No defaultAgentIds: the two general agents answer; the handoff-capable skill agent does not.
      agents: [agents.knowledge.card, agents.research.card, agents.skill.card],
      secrets: TEST_SECRETS,
      logger: pino({ level: "debug" }, logStream),
    });
    await app.ready();
    keys = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
    bobKeys = await createRoleKeys({ database, tenantId: "acme", userId: "bob" });
  });
  afterAll(async () => {
    await app?.close();
    await agents?.close();
    await client?.close();
    await database?.close();
  });

  const newThread = async (key = keys.admin, body: Json = {}) => {
    const res = await call(app, { method: "POST", url: "/v1/threads", key, body });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const expectField = (res: { statusCode: number; json(): Json }, field: string) => {
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: {
        code: "INVALID_INPUT",
        message: expect.stringMatching(new RegExp(`^${escape(field)}: `)),
        field,
      },
    });
  };

  describe("health", () => {
    it("GET /healthz is alive and GET /readyz checks the database", async () => {
      expect((await call(app, { method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
      expect((await call(app, { method: "GET", url: "/readyz" })).json()).toEqual({ status: "ready" });
    });
  });

  describe("threads", () => {
    it("POST /v1/threads creates a thread owned by the caller, with defaults", async () => {
      const res = await call(app, { method: "POST", url: "/v1/threads", key: keys.end_user });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ userId: "alice", title: "", conversationType: "chat" });
      const typed = await call(app, {
        method: "POST",
        url: "/v1/threads",
        key: keys.operator,
        body: { title: "Skills", conversationType: "skill_creation" },
      });
      expect(typed.json()).toMatchObject({ title: "Skills", conversationType: "skill_creation" });
    });

    it("rejects bad thread bodies naming the field", async () => {
      expectField(
        await call(app, {
          method: "POST",
          url: "/v1/threads",
          key: keys.admin,
          body: { conversationType: "poem" },
        }),
        "conversationType",
      );
      expectField(
        await call(app, { method: "POST", url: "/v1/threads", key: keys.admin, body: { title: 7 } }),
        "title",
      );
      expectField(
        await call(app, { method: "POST", url: "/v1/threads", key: keys.admin, body: { titel: "typo" } }),
        "titel",
      );
    });

    it("GET /v1/threads lists the tenant's threads, pages them, and mine=true keeps the caller's", async () => {
      const bobThread = await newThread(bobKeys.admin, { title: "bob's" });
      const aliceThread = await newThread(keys.admin, { title: "alice's" });
      const all = await call(app, { method: "GET", url: "/v1/threads?limit=200", key: keys.viewer });
      const ids = all.json().threads.map((t: Json) => t.id);
      expect(ids).toEqual(expect.arrayContaining([bobThread, aliceThread]));
      const mine = await call(app, {
        method: "GET",
        url: "/v1/threads?mine=true&limit=200",
        key: keys.viewer,
      });
      const mineIds = mine.json().threads.map((t: Json) => t.id);
      expect(mineIds).toContain(aliceThread);
      expect(mineIds).not.toContain(bobThread);

      const first = await call(app, { method: "GET", url: "/v1/threads?limit=1", key: keys.viewer });
      expect(first.json().threads).toHaveLength(1);
      expect(first.json().page).toEqual({ limit: 1, offset: 0, nextOffset: 1 });
      const second = await call(app, {
        method: "GET",
        url: "/v1/threads?limit=1&offset=1",
        key: keys.viewer,
      });
      expect(second.json().threads[0].id).not.toBe(first.json().threads[0].id);
      const last = await call(app, {
        method: "GET",
        url: `/v1/threads?offset=${ids.length - 1}`,
        key: keys.viewer,
      });
      expect(last.json().page.nextOffset).toBeNull();

      expectField(await call(app, { method: "GET", url: "/v1/threads?limit=0", key: keys.viewer }), "limit");
      expectField(
        await call(app, { method: "GET", url: "/v1/threads?limit=abc", key: keys.viewer }),
        "limit",
      );
      expectField(await call(app, { method: "GET", url: "/v1/threads?mine=yes", key: keys.viewer }), "mine");
    });

    it("GET /v1/threads/:threadId shows the thread and that the orchestrator holds it", async () => {
      const threadId = await newThread(keys.admin, { title: "t" });
      const res = await call(app, { method: "GET", url: `/v1/threads/${threadId}`, key: keys.auditor });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        thread: { id: threadId, title: "t", userId: "alice" },
        handoffActive: false,
        holder: { kind: "orchestrator", agentId: "orchestrator" },
      });
      expectField(
        await call(app, { method: "GET", url: "/v1/threads/not-a-uuid", key: keys.viewer }),
        "threadId",
      );
      const missing = await call(app, {
        method: "GET",
        url: `/v1/threads/${MISSING_THREAD_ID}`,
        key: keys.viewer,
      });
      expect(missing.statusCode).toBe(404);
    });
  });

  describe("messages", () => {
    it("POST messages (JSON mode) routes to the default agents and returns reply, agentId and events", async () => {
      const threadId = await newThread();
      const res = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.end_user,
        body: { message: "How do alerts work?" },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.agentId).toBe("orchestrator");
      expect(body.reply).toBe(
        "From knowledge-agent:\nDocs say: answer to How do alerts work?\n\nFrom research-agent:\nResearch says: 42",
      );
      expect(body.events.map((e: Json) => e.type)).toEqual(["route", "delegation", "chunk", "done"]);
      expect(body.events[0]).toMatchObject({
        target: "orchestrator",
        agentIds: ["knowledge-agent", "research-agent"],
      });
      const delegation = body.events[1].results as Json[];
      expect(delegation.map((r) => [r.agentId, r.success, typeof r.latencyMs])).toEqual([
        ["knowledge-agent", true, "number"],
        ["research-agent", true, "number"],
      ]);
    });

    it("POST messages with Accept: text/event-stream answers SSE frames, one per router event", async () => {
      const threadId = await newThread();
      const res = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.operator,
        headers: { accept: "text/event-stream" },
        body: { message: "stream please" },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
      expect(res.headers["cache-control"]).toContain("no-cache");
      expect(res.body).toMatch(/^event: route\ndata: \{.*\}\n\n/);
      const frames = parseSse(res.body);
      expect(frames.map((f) => f.type)).toEqual(["route", "delegation", "chunk", "done"]);
      // The event name carries the type; the data is the rest of the event.
      expect(frames[0]!.data).not.toHaveProperty("type");
      expect(frames[3]!.data).toMatchObject({ agentId: "orchestrator", messageId: expect.any(String) });
    });

    it("GET messages pages the thread oldest first", async () => {
      const threadId = await newThread();
      await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.admin,
        body: { message: "one" },
      });
      const page = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/messages?limit=1`,
        key: keys.viewer,
      });
      expect(page.json().messages).toEqual([
        expect.objectContaining({ role: "user", content: "one", createdAt: expect.any(String) }),
      ]);
      expect(page.json().page).toEqual({ limit: 1, offset: 0, nextOffset: 1 });
      const rest = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/messages?offset=1`,
        key: keys.viewer,
      });
      expect(rest.json().messages).toEqual([
        expect.objectContaining({ role: "assistant", agentId: "orchestrator" }),
      ]);
    });

    it("rejects empty, missing, oversized-field and extra message fields", async () => {
      const threadId = await newThread();
      const url = `/v1/threads/${threadId}/messages`;
      expectField(await call(app, { method: "POST", url, key: keys.admin, body: {} }), "message");
      expectField(
        await call(app, { method: "POST", url, key: keys.admin, body: { message: "   " } }),
        "message",
      );
      expectField(
        await call(app, { method: "POST", url, key: keys.admin, body: { message: ["x"] } }),
        "message",
      );
      expectField(
        await call(app, { method: "POST", url, key: keys.admin, body: { message: "x", to: "y" } }),
        "to",
      );
      const invalidJson = await call(app, {
        method: "POST",
        url,
        key: keys.admin,
        headers: { "content-type": "application/json" },
        body: "{not json",
      });
      expectField(invalidJson, "body");
      const text = await call(app, {
        method: "POST",
        url,
        key: keys.admin,
        headers: { "content-type": "text/plain" },
        body: "hello",
      });
      expect(text.statusCode).toBe(415);
      expect(text.json().error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      const stored = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.admin,
      });
      expect(stored.json().messages).toEqual([]);
    });

    it("a colleague's thread: readers see it but only its owner writes to it (403); an end user does not see it (404)", async () => {
      const bobThread = await newThread(bobKeys.admin);
      const post = (key: string) =>
        call(app, {
          method: "POST",
          url: `/v1/threads/${bobThread}/messages`,
          key,
          body: { message: "hi bob" },
        });
      const denied = await post(keys.admin);
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.code).toBe("PERMISSION_DENIED");
      // Reading it is fine for roles that read the whole tenant.
      for (const role of [Role.VIEWER, Role.AUDITOR, Role.OPERATOR, Role.ADMIN] as const) {
        expect(
          (await call(app, { method: "GET", url: `/v1/threads/${bobThread}`, key: keys[role] })).statusCode,
        ).toBe(200);
      }
      // An end user reaches only their own threads: bob's looks missing on every route, as in another tenant.
      for (const [method, suffix] of [
        ["GET", ""],
        ["GET", "/messages"],
        ["GET", "/delegations"],
        ["GET", "/handoff"],
        ["GET", "/handoffs"],
        ["POST", "/messages"],
      ] as const) {
        const res = await call(app, {
          method,
          url: `/v1/threads/${bobThread}${suffix}`,
          key: keys.end_user,
          ...(method === "POST" ? { body: { message: "hi" } } : {}),
        });
        expect(res.statusCode, `${method} ${suffix}`).toBe(404);
        expect(res.json().error.code).toBe("THREAD_NOT_FOUND");
      }
      const listed = await call(app, { method: "GET", url: "/v1/threads?limit=200", key: keys.end_user });
      expect(listed.json().threads.map((t: Json) => t.userId)).not.toContain("bob");
      // bob himself writes to it.
      expect((await post(bobKeys.end_user)).statusCode).toBe(200);
    });

    it("GET /v1/me says who the key speaks for and which operations it may call", async () => {
      const endUser = await call(app, { method: "GET", url: "/v1/me", key: keys.end_user });
      expect(endUser.statusCode).toBe(200);
      expect(endUser.json()).toMatchObject({
        tenantId: "acme",
        userId: "alice",
        role: "end_user",
        readsEveryThread: false,
      });
      expect(endUser.json().operations).toContain("postMessage");
      expect(endUser.json().operations).toContain("startHandoff");
      expect(endUser.json().operations).not.toContain("cancelHandoff");
      expect(endUser.json().operations).not.toContain("listAgentCalls");
      const auditor = await call(app, { method: "GET", url: "/v1/me", key: keys.auditor });
      expect(auditor.json()).toMatchObject({ role: "auditor", readsEveryThread: true });
      expect(auditor.json().operations).toContain("listAgentCalls");
      expect(auditor.json().operations).not.toContain("postMessage");
    });
  });

  describe("delegations", () => {
    it("POST delegations takes the strategy as the library spells it too (SEQUENTIAL as well as sequential)", async () => {
      const threadId = await newThread();
      const res = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/delegations`,
        key: keys.developer,
        body: { message: "status?", agentIds: ["research-agent", "knowledge-agent"], strategy: "SEQUENTIAL" },
      });
      expect(res.statusCode).toBe(200);
      const records = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/delegations`,
        key: keys.auditor,
      });
      for (const row of records.json().records as Json[]) expect(row.strategy).toBe("sequential");
    });

    it("POST delegations asks the named agents and synthesizes; GET lists the audit records with timings", async () => {
      const threadId = await newThread();
      const res = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/delegations`,
        key: keys.developer,
        body: { message: "status?", agentIds: ["research-agent", "knowledge-agent"], strategy: "sequential" },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().results.map((r: Json) => [r.agentId, r.success])).toEqual([
        ["research-agent", true],
        ["knowledge-agent", true],
      ]);
      expect(res.json().synthesis).toBe(
        "From research-agent:\nResearch says: 42\n\nFrom knowledge-agent:\nDocs say: answer to status?",
      );
      const records = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/delegations`,
        key: keys.auditor,
      });
      expect(records.statusCode).toBe(200);
      const rows = records.json().records as Json[];
      expect(rows.map((r) => r.agentId).sort()).toEqual(["knowledge-agent", "research-agent"]);
      for (const row of rows) {
        expect(row).toMatchObject({ strategy: "sequential", success: true, userId: "alice" });
        expect(row.latencyMs).toBeGreaterThan(0);
      }
      const limited = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/delegations?limit=1`,
        key: keys.auditor,
      });
      expect(limited.json().records).toHaveLength(1);
    });

    it("a failing agent is a failed result, not a failed request", async () => {
      const threadId = await newThread();
      await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.admin,
        body: {
          card: { identity: { id: "gone-agent", name: "Gone" }, service: { endpoint: "http://127.0.0.1:9" } },
        },
      });
      const res = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/delegations`,
        key: keys.admin,
        body: { message: "hi", agentIds: ["gone-agent", "research-agent"], timeoutMs: 5000 },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().results[0]).toMatchObject({
        agentId: "gone-agent",
        success: false,
        errorCode: expect.any(String),
      });
      expect(res.json().synthesis).toBe("Research says: 42");
    });

    it("rejects bad delegation bodies naming the field", async () => {
      const threadId = await newThread();
      const url = `/v1/threads/${threadId}/delegations`;
      const post = (body: Json) => call(app, { method: "POST", url, key: keys.admin, body });
      expectField(await post({ message: "x", agentIds: [] }), "agentIds");
      expectField(await post({ message: "x" }), "agentIds");
      expectField(await post({ agentIds: ["knowledge-agent"] }), "message");
      expectField(await post({ message: "x", agentIds: ["knowledge-agent", "nobody"] }), "agentIds[1]");
      expectField(
        await post({ message: "x", agentIds: ["knowledge-agent", "knowledge-agent"] }),
        "agentIds[1]",
      );
      expectField(await post({ message: "x", agentIds: ["bad id!"] }), "agentIds[0]");
      expectField(
        await post({ message: "x", agentIds: ["knowledge-agent"], strategy: "random" }),
        "strategy",
      );
      expectField(await post({ message: "x", agentIds: ["knowledge-agent"], timeoutMs: 0 }), "timeoutMs");
    });
  });

  describe("handoff", () => {
    const handoffBody = {
      targetAgentId: "skill-agent",
      contextSummary: "Wants Slack alerts",
      handoffReason: "skill",
    };

    it("start, hold, route to the specialist, return control in the stream", async () => {
      const threadId = await newThread();
      const url = `/v1/threads/${threadId}/handoff`;
      const started = await call(app, { method: "POST", url, key: keys.end_user, body: handoffBody });
      expect(started.statusCode).toBe(200);
      expect(started.json()).toMatchObject({
        accepted: true,
        handoffId: expect.any(String),
        estimatedDurationSeconds: 60,
      });
      const handoffId = started.json().handoffId;

      const thread = await call(app, { method: "GET", url: `/v1/threads/${threadId}`, key: keys.viewer });
      expect(thread.json()).toMatchObject({
        handoffActive: true,
        holder: { kind: "handoff", agentId: "skill-agent", handoffId },
      });
      const active = await call(app, { method: "GET", url, key: keys.viewer });
      expect(active.json().active).toMatchObject({
        handoffId,
        state: "active",
        sourceAgentId: "orchestrator",
        targetAgentId: "skill-agent",
        contextSummary: "Wants Slack alerts",
      });
      expect(active.json().active).not.toHaveProperty("targetAgentCard");

      const again = await call(app, { method: "POST", url, key: keys.admin, body: handoffBody });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe("HANDOFF_ALREADY_ACTIVE");

      const turn = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.end_user,
        body: { message: "on deploy" },
      });
      expect(turn.json()).toMatchObject({
        agentId: "skill-agent",
        reply: 'Skill step: what should "on deploy" trigger?',
      });
      expect(turn.json().events[0]).toMatchObject({ type: "route", target: "handoff", handoffId });

      const done = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.end_user,
        headers: { accept: "text/event-stream" },
        body: { message: "done" },
      });
      const frames = parseSse(done.body);
      expect(frames.map((f) => f.type)).toEqual(["route", "chunk", "handoff_returned", "done"]);
      expect(frames[2]!.data).toMatchObject({
        handoffId,
        completionStatus: "completed",
        resultSummary: "Created slack-alerts",
        artifactsCreated: ["slack-alerts.md"],
      });
      expect((await call(app, { method: "GET", url, key: keys.viewer })).json()).toEqual({ active: null });
      expect(
        (await call(app, { method: "GET", url: `/v1/threads/${threadId}`, key: keys.viewer })).json().holder,
      ).toEqual({
        kind: "orchestrator",
        agentId: "orchestrator",
      });
    });

    it("complete and cancel through the API; the history keeps every session", async () => {
      const threadId = await newThread();
      const url = `/v1/threads/${threadId}/handoff`;
      expect(
        (await call(app, { method: "POST", url, key: keys.operator, body: handoffBody })).json().accepted,
      ).toBe(true);
      const completed = await call(app, {
        method: "POST",
        url: `${url}/complete`,
        key: keys.operator,
        body: { completionStatus: "completed", resultSummary: "ok", artifactsCreated: ["a.md"] },
      });
      expect(completed.statusCode).toBe(200);
      expect(completed.json()).toMatchObject({
        state: "completed",
        resultSummary: "ok",
        artifactsCreated: ["a.md"],
      });

      expect(
        (await call(app, { method: "POST", url, key: keys.operator, body: handoffBody })).json().accepted,
      ).toBe(true);
      const cancelled = await call(app, {
        method: "DELETE",
        url,
        key: keys.operator,
        body: { reason: "changed my mind" },
      });
      expect(cancelled.statusCode).toBe(200);
      expect(cancelled.json()).toMatchObject({ state: "cancelled", completedAt: expect.any(String) });

      // Without a body, a default reason is recorded.
      expect(
        (await call(app, { method: "POST", url, key: keys.operator, body: handoffBody })).json().accepted,
      ).toBe(true);
      expect((await call(app, { method: "DELETE", url, key: keys.operator })).statusCode).toBe(200);

      const history = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/handoffs`,
        key: keys.auditor,
      });
      expect(history.json().handoffs.map((h: Json) => h.state)).toEqual([
        "completed",
        "cancelled",
        "cancelled",
      ]);

      const none = await call(app, { method: "DELETE", url, key: keys.operator });
      expect(none.statusCode).toBe(404);
      expect(none.json().error.code).toBe("NO_ACTIVE_HANDOFF");
      const noneToComplete = await call(app, {
        method: "POST",
        url: `${url}/complete`,
        key: keys.operator,
        body: { completionStatus: "completed" },
      });
      expect(noneToComplete.statusCode).toBe(404);
      expect(noneToComplete.json().error.code).toBe("NO_ACTIVE_HANDOFF");
    });

    it("exit words end a handoff only for roles that may cancel one", async () => {
      const threadId = await newThread();
      const url = `/v1/threads/${threadId}/handoff`;
      await call(app, { method: "POST", url, key: keys.end_user, body: handoffBody });
      const asEndUser = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.end_user,
        body: { message: "cancel" },
      });
      expect(asEndUser.json().agentId).toBe("skill-agent");
      expect((await call(app, { method: "GET", url, key: keys.viewer })).json().active).not.toBeNull();

      const asOperator = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.operator,
        body: { message: "cancel" },
      });
      expect(asOperator.json().events.map((e: Json) => e.type)).toEqual([
        "handoff_cancelled",
        "chunk",
        "done",
      ]);
      expect((await call(app, { method: "GET", url, key: keys.viewer })).json()).toEqual({ active: null });
    });

    it("a target that cannot take handoffs is refused; an unreachable one is a 502; an unknown one a 400", async () => {
      const threadId = await newThread();
      const url = `/v1/threads/${threadId}/handoff`;
      const refused = await call(app, {
        method: "POST",
        url,
        key: keys.admin,
        body: { ...handoffBody, targetAgentId: "knowledge-agent" },
      });
      expect(refused.statusCode).toBe(200);
      expect(refused.json()).toMatchObject({
        accepted: false,
        rejectionReason: expect.stringContaining("knowledge-agent"),
      });

      await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.admin,
        body: {
          card: {
            identity: { id: "offline-specialist", name: "Offline" },
            service: { endpoint: "http://127.0.0.1:9" },
            capabilities: { handoff: true },
          },
        },
      });
      const unreachable = await call(app, {
        method: "POST",
        url,
        key: keys.admin,
        body: { ...handoffBody, targetAgentId: "offline-specialist" },
      });
      expect(unreachable.statusCode).toBe(502);
      expect(unreachable.json().error).toMatchObject({
        code: "AGENT_UNAVAILABLE",
        agentId: "offline-specialist",
      });

      expectField(
        await call(app, {
          method: "POST",
          url,
          key: keys.admin,
          body: { ...handoffBody, targetAgentId: "nobody" },
        }),
        "targetAgentId",
      );
      expectField(
        await call(app, {
          method: "POST",
          url,
          key: keys.admin,
          body: { targetAgentId: "skill-agent", contextSummary: "" },
        }),
        "handoffReason",
      );
      expectField(
        await call(app, {
          method: "POST",
          url: `${url}/complete`,
          key: keys.admin,
          body: { completionStatus: "great" },
        }),
        "completionStatus",
      );
      expectField(
        await call(app, { method: "DELETE", url, key: keys.admin, body: { reason: "" } }),
        "reason",
      );
    });
  });

  describe("agents", () => {
    it("GET /v1/agents lists static agents, which answer by default and which take handoffs", async () => {
      const res = await call(app, { method: "GET", url: "/v1/agents", key: keys.viewer });
      const byId = Object.fromEntries(
        res.json().agents.map((a: Json & { card: { identity: { id: string } } }) => [a.card.identity.id, a]),
      );
      expect(byId["knowledge-agent"]).toMatchObject({ source: "static", isDefault: true, handoff: false });
      expect(byId["research-agent"]).toMatchObject({ source: "static", isDefault: true, handoff: false });
      expect(byId["skill-agent"]).toMatchObject({ source: "static", isDefault: false, handoff: true });
    });

    it("POST /v1/agents registers a card; credentials are never shown; ids are unique", async () => {
      const card = {
        identity: { id: "billing-agent", name: "Billing" },
        service: { endpoint: "http://127.0.0.1:9", auth: { type: "bearer", token: "s3cr3t-token" } },
      };
      const created = await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.developer,
        body: { card },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ source: "tenant", card: { identity: { id: "billing-agent" } } });
      expect(created.body).not.toContain("s3cr3t-token");
      const listed = await call(app, { method: "GET", url: "/v1/agents", key: keys.viewer });
      expect(listed.body).toContain("billing-agent");
      expect(listed.body).not.toContain("s3cr3t-token");

      const duplicate = await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.developer,
        body: { card },
      });
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.json().error.code).toBe("ALREADY_EXISTS");
      const shadowing = await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.developer,
        body: { card: { ...card, identity: { id: "knowledge-agent", name: "Impostor" } } },
      });
      expect(shadowing.statusCode).toBe(409);
    });

    it("POST /v1/agents with a url discovers the agent from its A2A card (id: a slug of its name)", async () => {
      await using served = await serveAgent({
        card: {
          identity: { id: "ignored", name: "Slack Skill Builder (beta)", description: "Builds skills" },
        },
        port: 0,
        host: "127.0.0.1",
        async *handleMessage() {
          yield "ok";
        },
        onHandoffRequest: async () => ({ accepted: true }),
      });
      const res = await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.operator,
        body: { url: `${served.url}/` },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        source: "tenant",
        handoff: true,
        isDefault: false,
        card: {
          identity: {
            id: "slack-skill-builder-beta",
            name: "Slack Skill Builder (beta)",
            description: "Builds skills",
          },
          service: { endpoint: served.url },
          capabilities: { handoff: true, streaming: true },
        },
      });
      // The discovered agent is usable at once: a handoff to it is accepted.
      const threadId = await newThread();
      const handoff = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/handoff`,
        key: keys.operator,
        body: { targetAgentId: "slack-skill-builder-beta", contextSummary: "", handoffReason: "build" },
      });
      expect(handoff.json()).toMatchObject({ accepted: true });
      // Discovering it again under the same id conflicts.
      const again = await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.operator,
        body: { url: served.url },
      });
      expect(again.statusCode).toBe(409);
    }, 15_000);

    it("discovery names the id slug from the agent's name unless given, and reports unreachable agents", async () => {
      // The static skill-agent already took "skill-agent": give another id.
      const named = await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.operator,
        body: { url: agents.research.url, id: "research-2" },
      });
      expect(named.statusCode).toBe(201);
      expect(named.json().card.identity).toMatchObject({ id: "research-2", name: "research-agent" });
      expect(named.json()).toMatchObject({ handoff: false });

      const unreachable = await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.operator,
        body: { url: "http://127.0.0.1:9" },
      });
      expect(unreachable.statusCode).toBe(502);
      expect(unreachable.json().error.code).toMatch(/^AGENT_/);

      expectField(
        await call(app, { method: "POST", url: "/v1/agents", key: keys.operator, body: {} }),
        "card",
      );
      expectField(
        await call(app, { method: "POST", url: "/v1/agents", key: keys.operator, body: { url: "ftp://x" } }),
        "url",
      );
      expectField(
        await call(app, {
          method: "POST",
          url: "/v1/agents",
          key: keys.operator,
          body: { url: agents.research.url, card: { identity: { id: "x", name: "x" } } },
        }),
        "card",
      );
      expectField(
        await call(app, {
          method: "POST",
          url: "/v1/agents",
          key: keys.operator,
          body: { card: { identity: { id: "x", name: "x" }, service: { endpoint: "not a url" } } },
        }),
        "card.service.endpoint",
      );
    });

    it("DELETE /v1/agents/:agentId removes a registered agent, never a static one", async () => {
      await call(app, {
        method: "POST",
        url: "/v1/agents",
        key: keys.admin,
        body: {
          card: { identity: { id: "temp-agent", name: "Temp" }, service: { endpoint: "http://127.0.0.1:9" } },
        },
      });
      const removed = await call(app, { method: "DELETE", url: "/v1/agents/temp-agent", key: keys.admin });
      expect(removed.statusCode).toBe(204);
      expect(removed.body).toBe("");
      const again = await call(app, { method: "DELETE", url: "/v1/agents/temp-agent", key: keys.admin });
      expect(again.statusCode).toBe(404);
      expect(again.json().error.code).toBe("NOT_FOUND");
      expectField(
        await call(app, { method: "DELETE", url: "/v1/agents/knowledge-agent", key: keys.admin }),
        "agentId",
      );
    });
  });

  describe("RBAC on every route", () => {
    const allRoles = Object.values(Role);
    const canChat: Role[] = [Role.END_USER, Role.OPERATOR, Role.DEVELOPER, Role.ADMIN];
    const operators: Role[] = [Role.OPERATOR, Role.DEVELOPER, Role.ADMIN];
    // Written out from the contract, not derived from the gateway's own table.
    const matrix: Array<{ method: "GET" | "POST" | "DELETE"; path: string; allowed: Role[] }> = [
      { method: "GET", path: "/v1/threads", allowed: allRoles },
      { method: "POST", path: "/v1/threads", allowed: canChat },
      { method: "GET", path: "/v1/threads/:id", allowed: allRoles },
      { method: "GET", path: "/v1/threads/:id/messages", allowed: allRoles },
      { method: "POST", path: "/v1/threads/:id/messages", allowed: canChat },
      { method: "POST", path: "/v1/threads/:id/delegations", allowed: operators },
      { method: "GET", path: "/v1/threads/:id/delegations", allowed: allRoles },
      { method: "POST", path: "/v1/threads/:id/handoff", allowed: canChat },
      { method: "GET", path: "/v1/threads/:id/handoff", allowed: allRoles },
      { method: "DELETE", path: "/v1/threads/:id/handoff", allowed: operators },
      { method: "POST", path: "/v1/threads/:id/handoff/complete", allowed: operators },
      { method: "GET", path: "/v1/threads/:id/handoffs", allowed: allRoles },
      { method: "GET", path: "/v1/agents", allowed: allRoles },
      { method: "POST", path: "/v1/agents", allowed: operators },
      { method: "DELETE", path: "/v1/agents/:agent", allowed: operators },
      { method: "GET", path: "/v1/me", allowed: allRoles },
      { method: "GET", path: "/v1/audit/agent-calls", allowed: [Role.AUDITOR, Role.ADMIN] },
    ];
    for (const route of matrix) {
      for (const role of allRoles) {
        const allowed = route.allowed.includes(role);
        it(`${route.method} ${route.path} ${allowed ? "admits" : "denies"} ${role}`, async () => {
          // A missing thread / agent and an empty body: allowed callers get past RBAC to 200/201/400/404.
          const url = route.path.replace(":id", MISSING_THREAD_ID).replace(":agent", "no-such-agent");
          const res = await call(app, {
            method: route.method,
            url,
            key: keys[role],
            ...(route.method === "GET" ? {} : { body: {} }),
          });
          if (allowed) {
            expect(res.statusCode).not.toBe(403);
            expect(res.statusCode).toBeLessThan(500);
          } else {
            expect(res.statusCode).toBe(403);
            expect(res.json().error).toMatchObject({ code: "PERMISSION_DENIED" });
          }
        });
      }
    }

    it("a denied caller never reaches the thread: viewers cannot post, even to a real thread", async () => {
      const threadId = await newThread();
      const res = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.viewer,
        body: { message: "hi" },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toContain("gateway:chat");
      const messages = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.viewer,
      });
      expect(messages.json().messages).toEqual([]);
    });
  });

  describe("the error edge", () => {
    it("unknown routes answer 404 JSON, with or without a key", async () => {
      for (const key of [undefined, keys.admin]) {
        const res = await call(app, { method: "GET", url: "/v1/nothing-here", ...(key ? { key } : {}) });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual({
          error: { code: "ROUTE_NOT_FOUND", message: "No route GET /v1/nothing-here" },
        });
      }
      expect((await call(app, { method: "DELETE", url: "/v1/threads", key: keys.admin })).statusCode).toBe(
        404,
      );
    });

    it("a malformed URL answers 400 in the same JSON shape", async () => {
      const res = await call(app, { method: "GET", url: "/v1/threads/%ZZ", key: keys.admin });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: { code: "INVALID_INPUT", message: "url: is not a valid URL", field: "url" },
      });
    });

    it("responses carry security headers and are not cached", async () => {
      const res = await call(app, { method: "GET", url: "/v1/agents", key: keys.viewer });
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["cache-control"]).toBe("no-store");
    });

    it("request logs name the caller and route but never keys, auth headers or message bodies", async () => {
      const threadId = await newThread();
      const secret = "my card is 4111 1111 1111 1111 and the launch code is swordfish";
      await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.admin,
        body: { message: secret },
      });
      await call(app, { method: "GET", url: "/v1/agents", headers: { "x-api-key": keys.viewer } });
      await call(app, { method: "GET", url: "/v1/agents", key: "of_wrong" });
      const logs = logLines.join("");
      expect(logs).toContain('"msg":"request completed"');
      expect(logs).toContain('"route":"/v1/threads/:threadId/messages"');
      expect(logs).toContain('"tenantId":"acme"');
      for (const key of Object.values(keys)) expect(logs).not.toContain(key);
      expect(logs).not.toContain("of_wrong");
      expect(logs).not.toContain("swordfish");
      expect(logs.toLowerCase()).not.toContain("authorization");
      expect(logs.toLowerCase()).not.toContain("x-api-key");
    });
  });
});

describe("gateway limits and failures", () => {
  let database: Database;
  let app: FastifyInstance;
  let keys: RoleKeys;
  let other: string;

  beforeAll(async () => {
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    app = createGateway({ database, bodyLimitBytes: 2048, rateLimit: { max: 3, timeWindowMs: 60_000 } });
    await app.ready();
    keys = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
    other = (
      await new ApiKeyService(database).create({
        tenantId: "acme",
        userId: "zed",
        role: Role.ADMIN,
        name: "z",
      })
    ).key;
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it("a body over the limit answers 413 before anything runs", async () => {
    const res = await call(app, {
      method: "POST",
      url: "/v1/threads",
      key: keys.end_user,
      body: { title: "x".repeat(4000) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      error: { code: "PAYLOAD_TOO_LARGE", message: "Request body is too large" },
    });
  });

  it("each key gets `max` requests per window, then 429 with Retry-After; other keys are unaffected", async () => {
    const key = keys.viewer;
    for (let i = 0; i < 3; i++) {
      expect((await call(app, { method: "GET", url: "/v1/threads", key })).statusCode).toBe(200);
    }
    const limited = await call(app, { method: "GET", url: "/v1/threads", key });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.json().error.code).toBe("RATE_LIMITED");
    // Another key (same user, same IP) has its own budget; the probes are not limited at all.
    expect((await call(app, { method: "GET", url: "/v1/threads", key: other })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await call(app, { method: "GET", url: "/healthz" })).statusCode).toBe(200);
  });

  it("an unexpected failure is a 500 with no stack or internals; readiness reports the database down", async () => {
    await database.close();
    const res = await call(app, { method: "GET", url: "/v1/threads", key: keys.auditor });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: "INTERNAL_ERROR", message: "Internal server error" } });
    expect(res.body).not.toMatch(/at .*\.ts|disposed|stack/i);
    const ready = await call(app, { method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error.code).toBe("NOT_READY");
    expect((await call(app, { method: "GET", url: "/healthz" })).statusCode).toBe(200);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
