/**
 * The gateway as a hostile tenant and a misbehaving agent meet it: SSRF through agent
 * registration, credentials at rest and across replicas, two tenants reusing each other's agent
 * ids, shared rate limits, failed-authentication throttling, the audit trail, honest validation
 * messages, a handoff on a tenant with no default agent, and a flooding agent.
 */
import { once } from "node:events";
import { connect, createServer, type Server } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, startGateway } from "../../src/gateway/index.js";
import { CompletionStatus } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { a2aCardJson, closedPort as unusedPort, startHttpServer } from "../helpers/a2a.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { LOOPBACK } from "../helpers/network.js";
import { TEST_SECRETS } from "../helpers/secrets.js";
import { call, createRoleKeys, parseSse, type RoleKeys } from "../helpers/gateway.js";

type Json = Record<string, unknown>;

describe("gateway security", () => {
  let path: string;
  let database: Database;
  let app: FastifyInstance;
  let acme: RoleKeys;
  let globex: RoleKeys;
  let acmeAgent: RecordingAgent;
  let globexAgent: RecordingAgent;
  let general: RecordingAgent;
  let flood: RecordingAgent;
  let silent: Server;
  let silentPort: number;
  let closedPort: number;
  const opened: Array<{ close(): Promise<void> }> = [];

  /** A gateway on the shared database: each call is another replica. */
  const gateway = async (
    extra: Parameters<typeof createGateway>[0] | Json = {},
  ): Promise<FastifyInstance> => {
    const db = new Database(`sqlite:///${path}`);
    const instance = createGateway({
      database: db,
      secrets: TEST_SECRETS,
      network: LOOPBACK,
      ...(extra as Json),
    } as Parameters<typeof createGateway>[0]);
    await instance.ready();
    opened.push({ close: async () => (await instance.close(), await db.close()) });
    return instance;
  };

  beforeAll(async () => {
    path = tempSqlitePath();
    database = new Database(`sqlite:///${path}`);
    await database.initialize();
    const specialist = (tenant: string) =>
      startAgent({
        id: "specialist",
        bearerToken: `${tenant}-token`,
        onHandoffRequest: async () => ({ accepted: true }),
        async *handle(ctx) {
          if (ctx.text === "done") {
            yield `${tenant} specialist: finished. `;
            ctx.returnControl({ completionStatus: CompletionStatus.COMPLETED, resultSummary: "ok" });
            await new Promise((resolve) => setTimeout(resolve, 100));
            yield "Handing you back.";
            return;
          }
          yield `${tenant} specialist got: ${ctx.text}`;
        },
      });
    acmeAgent = await specialist("acme");
    globexAgent = await specialist("globex");
    general = await startAgent({ id: "general", reply: (ctx) => `general: ${ctx.text}` });
    flood = await startAgent({
      id: "flood",
      async *handle(ctx) {
        for (let i = 0; i < 100_000 && !ctx.signal.aborted; i++) {
          yield "y".repeat(16 * 1024);
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    });
    silent = createServer((socket) => socket.destroy());
    silentPort = await new Promise<number>((resolve) =>
      silent.listen(0, "127.0.0.1", () => resolve((silent.address() as { port: number }).port)),
    );
    closedPort = await unusedPort();
    app = await gateway();
    acme = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
    globex = await createRoleKeys({ database, tenantId: "globex", userId: "gary" });
  });
  afterAll(async () => {
    for (const instance of opened.reverse()) await instance.close();
    await Promise.all([acmeAgent, globexAgent, general, flood].map((agent) => agent?.close()));
    await new Promise<void>((resolve) => silent?.close(() => resolve()));
    await database?.close();
  });

  const register = (instance: FastifyInstance, key: string, body: Json) =>
    call(instance, { method: "POST", url: "/v1/agents", key, body });
  const newThread = async (instance: FastifyInstance, key: string) => {
    const res = await call(instance, { method: "POST", url: "/v1/threads", key, body: {} });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const send = (instance: FastifyInstance, key: string, threadId: string, message: string) =>
    call(instance, { method: "POST", url: `/v1/threads/${threadId}/messages`, key, body: { message } });
  const specialistCard = (agent: RecordingAgent, token: string) => ({
    identity: { id: "specialist", name: "Specialist" },
    service: { endpoint: agent.url, auth: { type: "bearer", token } },
    capabilities: { handoff: true },
  });

  describe("SSRF: agent URLs", () => {
    let strictApp: FastifyInstance;
    beforeAll(async () => {
      strictApp = await gateway({ network: { allow: [] } });
    });

    it.each([
      ["http://127.0.0.1:5432"],
      ["http://0x7f000001:5432/"],
      ["http://2130706433/"],
      ["http://[::ffff:127.0.0.1]/"],
      ["http://localhost:6379"],
      ["http://169.254.169.254/latest/meta-data/"],
      ["http://10.0.0.8/"],
      ["http://[fd00:ec2::254]/"],
      ["http://100.64.0.10/"],
    ])("registering %s by url is refused before any connection", async (url) => {
      const res = await register(strictApp, acme.admin, { url });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: "INVALID_INPUT", field: "url" });
      expect(res.json().error.message).toMatch(/outbound network policy refuses/);
      const byCard = await register(strictApp, acme.admin, {
        card: { identity: { id: "x", name: "x" }, service: { endpoint: url } },
      });
      expect(byCard.statusCode).toBe(400);
      expect(byCard.json().error.field).toBe("card.service.endpoint");
    });

    it("credentials in a URL are refused and never echoed", async () => {
      const res = await register(strictApp, acme.admin, {
        url: "http://admin:Sup3rS3cret@agents.example.com/",
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe("url");
      expect(res.body).not.toContain("Sup3rS3cret");
      const card = await register(strictApp, acme.admin, {
        card: {
          identity: { id: "x", name: "x" },
          service: { endpoint: "https://u:Sup3rS3cret@agents.example.com" },
        },
      });
      expect(card.statusCode).toBe(400);
      expect(card.body).not.toContain("Sup3rS3cret");
    });

    it("a name resolving to loopback, a closed port and an open non-HTTP port answer byte for byte the same", async () => {
      const rebinding = await gateway({
        network: {
          allow: [`127.0.0.1:${closedPort}`, `127.0.0.1:${silentPort}`],
          resolve: async () => [{ address: "127.0.0.1", family: 4 }],
        },
      });
      const bodies = await Promise.all([
        register(rebinding, acme.admin, { url: `http://innocent.example:${silentPort}`, id: "probe" }),
        register(rebinding, acme.admin, { url: `http://127.0.0.1:${closedPort}`, id: "probe" }),
        register(rebinding, acme.admin, { url: `http://127.0.0.1:${silentPort}`, id: "probe" }),
      ]);
      for (const res of bodies) {
        expect(res.statusCode).toBe(502);
        expect(res.json()).toEqual({
          error: {
            code: "AGENT_UNAVAILABLE",
            message:
              "Agent probe is unreachable (the connection failed, or the outbound network policy refused the address)",
            agentId: "probe",
          },
        });
      }
    });
  });

  describe("credentials", () => {
    it("are stored encrypted, never shown, and sent by every replica and after a restart", async () => {
      const registered = await register(app, acme.admin, { card: specialistCard(acmeAgent, "acme-token") });
      expect(registered.statusCode).toBe(201);
      expect(registered.json()).toMatchObject({ hasCredentials: true });
      expect(registered.body).not.toContain("acme-token");
      const row = await database.db
        .selectFrom("tenant_agents")
        .selectAll()
        .where("tenant_id", "=", "acme")
        .where("agent_id", "=", "specialist")
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain("acme-token");
      expect(row.credentials_key_id).toBe(TEST_SECRETS.currentKeyId);

      const threadId = await newThread(app, acme.end_user);
      const started = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/handoff`,
        key: acme.end_user,
        body: { targetAgentId: "specialist", contextSummary: "skills", handoffReason: "skill_creation" },
      });
      expect(started.json()).toMatchObject({ accepted: true });
      const before = acmeAgent.requestHeaders.length;
      const replica = await gateway();
      const viaReplica = await send(replica, acme.end_user, threadId, "from replica 2");
      expect(viaReplica.json().reply).toBe("acme specialist got: from replica 2");
      const restarted = await gateway();
      const afterRestart = await send(restarted, acme.end_user, threadId, "after restart");
      expect(afterRestart.json().reply).toBe("acme specialist got: after restart");
      expect(acmeAgent.requestHeaders.slice(before).map((h) => h.authorization)).toEqual([
        "Bearer acme-token",
        "Bearer acme-token",
      ]);
    });

    it("without a secret key, a card with credentials answers 503 SECRETS_NOT_CONFIGURED and nothing is stored", async () => {
      const saved = process.env.OMNIFORGE_SECRET_KEY;
      delete process.env.OMNIFORGE_SECRET_KEY;
      try {
        const keyless = await gateway({ secrets: undefined });
        const res = await register(keyless, acme.admin, {
          card: { ...specialistCard(acmeAgent, "t"), identity: { id: "keyless", name: "k" } },
        });
        expect(res.statusCode).toBe(503);
        expect(res.json().error.code).toBe("SECRETS_NOT_CONFIGURED");
        const agents = await call(keyless, { method: "GET", url: "/v1/agents", key: acme.viewer });
        expect(agents.body).not.toContain("keyless");
      } finally {
        if (saved !== undefined) process.env.OMNIFORGE_SECRET_KEY = saved;
      }
    });
  });

  it("two tenants with a same-id agent each reach their own, whatever the order (no cross-tenant traffic)", async () => {
    expect(
      (await register(app, globex.admin, { card: specialistCard(globexAgent, "globex-token") })).statusCode,
    ).toBe(201);
    const globexThread = await newThread(app, globex.end_user);
    const acmeThread = await newThread(app, acme.end_user);
    for (const [keys, threadId] of [
      [globex, globexThread],
      [acme, acmeThread],
    ] as const) {
      const res = await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/handoff`,
        key: keys.end_user,
        body: { targetAgentId: "specialist", contextSummary: "", handoffReason: "skill_creation" },
      });
      expect(res.json()).toMatchObject({ accepted: true });
    }
    const acmeBefore = acmeAgent.received.length;
    const globexBefore = globexAgent.received.length;
    // Another tenant's thread answers like a missing one.
    expect((await send(app, acme.end_user, globexThread, "acme snooping")).statusCode).toBe(404);
    expect((await send(app, globex.end_user, globexThread, "globex here")).json().reply).toBe(
      "globex specialist got: globex here",
    );
    expect((await send(app, acme.end_user, acmeThread, "acme here")).json().reply).toBe(
      "acme specialist got: acme here",
    );
    expect(acmeAgent.received.slice(acmeBefore).map((ctx) => [ctx.tenantId, ctx.text])).toEqual([
      ["acme", "acme here"],
    ]);
    expect(globexAgent.received.slice(globexBefore).map((ctx) => [ctx.tenantId, ctx.text])).toEqual([
      ["globex", "globex here"],
    ]);
    expect(new Set(globexAgent.requestHeaders.map((h) => h.authorization))).toEqual(
      new Set(["Bearer globex-token"]),
    );
    expect(new Set(acmeAgent.requestHeaders.map((h) => h.authorization))).toEqual(
      new Set(["Bearer acme-token"]),
    );
    // Each tenant sees only its own agent's card.
    const globexAgents = await call(app, { method: "GET", url: "/v1/agents", key: globex.viewer });
    expect(globexAgents.body).toContain(globexAgent.url);
    expect(globexAgents.body).not.toContain(acmeAgent.url);
  });

  it("a handoff works on a tenant without any default agent; other threads get 503 NO_AGENT_AVAILABLE", async () => {
    const initech = await createRoleKeys({ database, tenantId: "initech", userId: "peter" });
    await register(app, initech.admin, { card: specialistCard(acmeAgent, "acme-token") });
    const free = await newThread(app, initech.end_user);
    const none = await send(app, initech.end_user, free, "hello?");
    expect(none.statusCode).toBe(503);
    expect(none.json().error.code).toBe("NO_AGENT_AVAILABLE");
    const held = await newThread(app, initech.end_user);
    await call(app, {
      method: "POST",
      url: `/v1/threads/${held}/handoff`,
      key: initech.end_user,
      body: { targetAgentId: "specialist", contextSummary: "", handoffReason: "skill_creation" },
    });
    const served = await send(app, initech.end_user, held, "works");
    expect(served.statusCode).toBe(200);
    expect(served.json().reply).toBe("acme specialist got: works");
  });

  it("exit words are the cancel action: an end user's 'cancel' goes to the specialist, an operator's ends the handoff", async () => {
    const threadId = await newThread(app, acme.end_user);
    await call(app, {
      method: "POST",
      url: `/v1/threads/${threadId}/handoff`,
      key: acme.end_user,
      body: { targetAgentId: "specialist", contextSummary: "", handoffReason: "skill_creation" },
    });
    const asUser = await send(app, acme.end_user, threadId, "cancel");
    expect(asUser.json().reply).toBe("acme specialist got: cancel");
    const denied = await call(app, {
      method: "DELETE",
      url: `/v1/threads/${threadId}/handoff`,
      key: acme.end_user,
    });
    expect(denied.statusCode).toBe(403);
    const supervised = await call(app, {
      method: "DELETE",
      url: `/v1/threads/${threadId}/handoff`,
      key: acme.operator,
    });
    expect(supervised.statusCode).toBe(200);
  });

  describe("rate limits", () => {
    it("two replicas on one database hand out one budget per key", async () => {
      const limited = { rateLimit: { max: 10, timeWindowMs: 60_000 } };
      const one = await gateway(limited);
      const two = await gateway(limited);
      const keys = await createRoleKeys({ database, tenantId: "ratelimited", userId: "rl" });
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) {
        const res = await call(i % 2 === 0 ? one : two, {
          method: "GET",
          url: "/v1/threads",
          key: keys.viewer,
        });
        statuses.push(res.statusCode);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(14);
    });

    it("failed authentications are throttled per client address, on every replica", async () => {
      const limited = { authFailureLimit: { max: 5, timeWindowMs: 60_000 } };
      const one = await gateway(limited);
      const two = await gateway(limited);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await (i % 2 === 0 ? one : two).inject({
          method: "GET",
          url: "/v1/threads",
          remoteAddress: "203.0.113.9",
          headers: { authorization: `Bearer of_${"x".repeat(43)}` },
        });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual(Array(7).fill(429));
      // A valid key is never refused for its neighbours' failures (a shared NAT or proxy).
      const neighbour = await one.inject({
        method: "GET",
        url: "/v1/threads",
        remoteAddress: "203.0.113.9",
        headers: { authorization: `Bearer ${acme.viewer}` },
      });
      expect(neighbour.statusCode).toBe(200);
      const other = await one.inject({
        method: "GET",
        url: "/v1/threads",
        remoteAddress: "203.0.113.10",
        headers: { authorization: `Bearer ${acme.viewer}` },
      });
      expect(other.statusCode).toBe(200);
    });
  });

  describe("the audit trail", () => {
    it("auditors read every call that left for an agent, tenant-scoped, without message content", async () => {
      const defaults = await gateway({ agents: [general.card] });
      const threadId = await newThread(defaults, acme.end_user);
      await send(defaults, acme.end_user, threadId, "confidential question");
      const audit = await call(defaults, {
        method: "GET",
        url: `/v1/audit/agent-calls?threadId=${threadId}`,
        key: acme.auditor,
      });
      expect(audit.statusCode).toBe(200);
      expect(audit.json().records).toEqual([
        expect.objectContaining({
          threadId,
          agentId: "general",
          userId: "alice",
          kind: "routed_turn",
          outcome: "success",
        }),
      ]);
      expect(audit.body).not.toContain("confidential");
      const all = await call(defaults, {
        method: "GET",
        url: "/v1/audit/agent-calls?limit=200",
        key: acme.auditor,
      });
      const kinds = new Set((all.json().records as Json[]).map((r) => r.kind));
      expect(kinds).toEqual(new Set(["routed_turn", "handoff_request", "handoff_turn", "handoff_cancel"]));
      const foreign = await call(defaults, {
        method: "GET",
        url: `/v1/audit/agent-calls?threadId=${threadId}`,
        key: globex.auditor,
      });
      expect(foreign.json().records).toEqual([]);
      expect(
        (await call(defaults, { method: "GET", url: "/v1/audit/agent-calls", key: acme.end_user }))
          .statusCode,
      ).toBe(403);
    });
  });

  describe("validation messages say what is wrong", () => {
    it.each([
      ["POST", "/v1/threads", { title: 5 }, "title", "title: must be a string"],
      ["POST", "/v1/threads/{thread}/messages", { message: 5 }, "message", "message: must be a string"],
      ["POST", "/v1/threads/{thread}/messages", {}, "message", "message: is required"],
      ["GET", "/v1/threads?limit=1.5", undefined, "limit", "limit: must be a whole number"],
      ["GET", "/v1/threads?limit=1&limit=2", undefined, "limit", "limit: must be given once"],
      ["GET", "/v1/threads?limit=abc", undefined, "limit", "limit: must be a whole number"],
      ["GET", "/v1/threads?limit=1e2", undefined, "limit", "limit: must be a whole number"],
      ["GET", "/v1/threads?limit=0x10", undefined, "limit", "limit: must be a whole number"],
      ["GET", "/v1/threads?limit=", undefined, "limit", "limit: must be a whole number"],
      ["GET", "/v1/threads?limit=0", undefined, "limit", "limit: must be at least 1"],
    ] as const)("%s %s %j -> %s", async (method, url, body, field, message) => {
      const threadId = await newThread(app, acme.end_user);
      const res = await call(app, {
        method,
        url: url.replace("{thread}", threadId),
        key: acme.end_user,
        ...(body !== undefined ? { body } : {}),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toEqual({ code: "INVALID_INPUT", field, message });
    });
  });

  describe("a flooding agent", () => {
    it("ends its own turn: 502 AGENT_RESPONSE_TOO_LARGE (JSON) and an error frame (SSE); what was shown is kept", async () => {
      const flooded = await gateway({ agents: [flood.card] });
      const json = await send(flooded, acme.end_user, await newThread(flooded, acme.end_user), "flood me");
      expect(json.statusCode).toBe(502);
      expect(json.json().error).toMatchObject({ code: "AGENT_RESPONSE_TOO_LARGE", agentId: "flood" });

      const threadId = await newThread(flooded, acme.end_user);
      const sse = await call(flooded, {
        method: "POST",
        url: `/v1/threads/${threadId}/messages`,
        key: acme.end_user,
        body: { message: "flood me" },
        headers: { accept: "text/event-stream" },
      });
      const frames = parseSse(sse.body);
      expect(frames.at(-1)).toMatchObject({ type: "error", data: { code: "AGENT_RESPONSE_TOO_LARGE" } });
      const shown = frames
        .filter((f) => f.type === "chunk")
        .reduce((n, f) => n + String(f.data.text).length, 0);
      expect(shown).toBeGreaterThan(0);
      expect(shown).toBeLessThanOrEqual(4 * 1024 * 1024);
      const messages = await call(flooded, {
        method: "GET",
        url: `/v1/threads/${threadId}/messages`,
        key: acme.end_user,
      });
      const reply = (messages.json().messages as Json[]).find((m) => m.role === "assistant")!;
      expect(reply.metadata).toMatchObject({ interrupted: "AGENT_RESPONSE_TOO_LARGE" });
      expect(String(reply.content).length).toBe(
        shown + "\n\n[Reply cut off: the agent exceeded the reply size limit.]".length,
      );
    });
  });

  describe("what a red-team run found", () => {
    it("a card is bounded: too many skills is a 400; a giant discovered card is cut to fit", async () => {
      const many = await register(app, acme.admin, {
        card: {
          identity: { id: "many-skills", name: "Many" },
          service: { endpoint: "https://agents.example.com" },
          skills: Array.from({ length: 101 }, (_, i) => ({ id: `s${i}`, name: `Skill ${i}` })),
        },
      });
      expect(many.statusCode).toBe(400);
      expect(many.json().error).toMatchObject({
        field: "card.skills",
        message: "card.skills: must list at most 100 skills",
      });
      const noEndpoint = await register(app, acme.admin, {
        card: { identity: { id: "nowhere", name: "Nowhere" } },
      });
      expect(noEndpoint.json().error.field).toBe("card.service.endpoint");

      await using giant = await startHttpServer((_request, response) => {
        response.setHeader("content-type", "application/json");
        // Under the 256 KiB a card may weigh on the wire, far over what a stored card may hold.
        const skills = Array.from({ length: 150 }, (_, i) => ({
          id: `skill-${i}`,
          name: `Skill ${i}`,
          description: "d".repeat(1_000),
          tags: Array.from({ length: 50 }, (_, t) => `tag-${t}`),
          examples: [],
        }));
        response.end(JSON.stringify(a2aCardJson(`${giant.url}/rpc`, { name: "Giant", skills })));
      });
      const discovering = await gateway({ network: { allow: [`127.0.0.1:${giant.port}`] } });
      const discovered = await register(discovering, acme.admin, { url: giant.url, id: "giant" });
      expect(discovered.statusCode).toBe(201);
      const card = discovered.json().card as { skills: Array<{ tags?: string[] }> };
      expect(card.skills.length).toBeLessThanOrEqual(100);
      expect(card.skills.every((skill) => (skill.tags?.length ?? 0) <= 32)).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(64 * 1024);
    });

    it("a tenant's directory is bounded and listed in pages", async () => {
      const bounded = await gateway({ maxAgentsPerTenant: 3 });
      const keys = await createRoleKeys({ database, tenantId: "bounded", userId: "b" });
      const add = (i: number) =>
        register(bounded, keys.admin, {
          card: {
            identity: { id: `agent-${i}`, name: `Agent ${i}` },
            service: { endpoint: "https://agents.example.com" },
          },
        });
      for (const i of [1, 2, 3]) expect((await add(i)).statusCode).toBe(201);
      const full = await add(4);
      expect(full.statusCode).toBe(409);
      expect(full.json().error.code).toBe("LIMIT_EXCEEDED");
      const page = await call(bounded, {
        method: "GET",
        url: "/v1/agents?limit=2&offset=1",
        key: keys.viewer,
      });
      expect(
        page.json().agents.map((a: { card: { identity: { id: string } } }) => a.card.identity.id),
      ).toEqual(["agent-2", "agent-3"]);
      expect(page.json().page).toEqual({ limit: 2, offset: 1, nextOffset: null });
    });

    it("an agent's credential header may not be one HTTP or OmniForge sets; a value may not break a line", async () => {
      for (const auth of [
        { type: "apiKey", key: "v", header: "host" },
        { type: "apiKey", key: "v", header: "Content-Length" },
        { type: "apiKey", key: "v", header: "traceparent" },
        { type: "apiKey", key: "v", header: "x bad" },
        { type: "bearer", token: "abc\r\nX-Injected: 1" },
      ]) {
        const res = await register(app, acme.admin, {
          card: {
            identity: { id: "header-probe", name: "Probe" },
            service: { endpoint: "https://agents.example.com", auth },
          },
        });
        expect(res.statusCode, JSON.stringify(auth)).toBe(400);
        expect(res.json().error.field).toMatch(/^card\.service\.auth\./);
      }
    });

    it("a malformed handoffReturn is the agent's fault: 502 AGENT_PROTOCOL_ERROR, not 400", async () => {
      const liar = await startAgent({
        id: "liar",
        onHandoffRequest: async () => ({ accepted: true }),
        async *handle() {
          yield "done, I think";
          yield { data: { handoffReturn: { completionStatus: "bogus" } } };
        },
      });
      try {
        const liarApp = await gateway({ agents: [liar.card] });
        const threadId = await newThread(liarApp, acme.end_user);
        await call(liarApp, {
          method: "POST",
          url: `/v1/threads/${threadId}/handoff`,
          key: acme.end_user,
          body: { targetAgentId: "liar", contextSummary: "", handoffReason: "test" },
        });
        const res = await send(liarApp, acme.end_user, threadId, "finish");
        expect(res.statusCode).toBe(502);
        expect(res.json().error.code).toBe("AGENT_PROTOCOL_ERROR");
      } finally {
        await liar.close();
      }
    });

    it("removing a specialist from the directory ends the handoffs it held; the user is not stuck", async () => {
      const keys = await createRoleKeys({ database, tenantId: "umbrella", userId: "ursula" });
      await register(app, keys.admin, {
        card: { ...specialistCard(acmeAgent, "acme-token"), identity: { id: "temp-spec", name: "Temp" } },
      });
      const threadId = await newThread(app, keys.end_user);
      await call(app, {
        method: "POST",
        url: `/v1/threads/${threadId}/handoff`,
        key: keys.end_user,
        body: { targetAgentId: "temp-spec", contextSummary: "", handoffReason: "test" },
      });
      expect(
        (await call(app, { method: "DELETE", url: "/v1/agents/temp-spec", key: keys.admin })).statusCode,
      ).toBe(204);
      const handoff = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/handoff`,
        key: keys.end_user,
      });
      expect(handoff.json()).toEqual({ active: null });
      const history = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/handoffs`,
        key: keys.end_user,
      });
      expect(history.json().handoffs.map((h: Json) => h.state)).toEqual(["cancelled"]);
      const messages = await call(app, {
        method: "GET",
        url: `/v1/threads/${threadId}/messages`,
        key: keys.end_user,
      });
      expect(JSON.stringify(messages.json())).toContain("the agent was removed");
    });

    it("long agent ids are removable; a DELETE with a JSON content type and no body is fine", async () => {
      const id = `a${"b".repeat(127)}`;
      await register(app, acme.admin, {
        card: { identity: { id, name: "Long" }, service: { endpoint: "https://agents.example.com" } },
      });
      const removed = await call(app, {
        method: "DELETE",
        url: `/v1/agents/${id}`,
        key: acme.admin,
        headers: { "content-type": "application/json" },
      });
      expect(removed.statusCode).toBe(204);
    });

    it("a __proto__ key is named as the problem; Basic authorization does not hide an x-api-key", async () => {
      const poisoned = await app.inject({
        method: "POST",
        url: "/v1/threads",
        headers: { authorization: `Bearer ${acme.admin}`, "content-type": "application/json" },
        payload: '{"__proto__":{"admin":true}}',
      });
      expect(poisoned.statusCode).toBe(400);
      expect(poisoned.json().error.message).toBe(
        "body: must not use __proto__ or constructor.prototype keys",
      );
      const viaHeader = await app.inject({
        method: "GET",
        url: "/v1/me",
        headers: { authorization: "Basic cHJveHk6cGFzcw==", "x-api-key": acme.viewer },
      });
      expect(viaHeader.statusCode).toBe(200);
    });

    it("a client that sends its request too slowly is cut off, and a refused one is not kept", async () => {
      const quick = await startGateway({ database, secrets: TEST_SECRETS, requestTimeoutMs: 1_000, port: 0 });
      opened.push(quick);
      const { hostname: host, port } = new URL(quick.url);
      const trickle = connect(Number(port), host);
      let cutOff = "";
      trickle.on("data", (chunk: Buffer) => (cutOff += chunk.toString()));
      trickle.on("error", () => undefined); // the server hangs up while we are still writing
      trickle.write(`POST /v1/threads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${acme.admin}\r\n`);
      trickle.write("Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{");
      const dripping = setInterval(() => trickle.write(" "), 200);
      try {
        await once(trickle, "close");
      } finally {
        clearInterval(dripping);
      }
      expect(cutOff).toMatch(/^HTTP\/1\.1 408/);
      const refused = connect(Number(port), host);
      refused.write("GET /v1/threads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer of_wrong\r\n\r\n");
      let answer = "";
      refused.on("data", (chunk: Buffer) => (answer += chunk.toString()));
      await once(refused, "close");
      expect(answer).toMatch(/^HTTP\/1\.1 401/);
      expect(answer.toLowerCase()).toContain("connection: close");
    });
  });
});
