/**
 * GET /v1/agents/:agentId and GET /v1/agents/:agentId/health: one agent as an agents page shows it,
 * and whether it answers — its card read afresh through the gateway's A2A client, the network
 * policy applying, bounded in time — scoped to the caller's tenant.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { createGateway } from "../../src/gateway/index.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { call, createRoleKeys, startTestAgents, type RoleKeys, type TestAgents } from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";
import { TEST_SECRETS } from "../helpers/secrets.js";

describe("agent view and health [sqlite-file]", () => {
  let database: Database;
  let client: A2AClient;
  let strictClient: A2AClient;
  let agents: TestAgents;
  let app: FastifyInstance;
  let strictApp: FastifyInstance;
  let acme: RoleKeys;
  let globex: RoleKeys;
  let silent: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    agents = await startTestAgents();
    app = createGateway({
      database,
      a2aClient: client,
      agents: [agents.knowledge.card, agents.skill.card],
      secrets: TEST_SECRETS,
    });
    await app.ready();
    // The default network policy: loopback agents are refused.
    strictClient = new A2AClient();
    strictApp = createGateway({ database, a2aClient: strictClient, agents: [agents.knowledge.card] });
    await strictApp.ready();
    acme = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
    globex = await createRoleKeys({ database, tenantId: "globex", userId: "alice" });
    // Accepts connections and never answers.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent?.close(() => resolve()));
    await strictApp?.close();
    await app?.close();
    await agents?.close();
    await strictClient?.close();
    await client?.close();
    await database?.close();
  });

  const register = async (key: string, card: Record<string, unknown>) => {
    const res = await call(app, { method: "POST", url: "/v1/agents", key, body: { card } });
    expect(res.statusCode, res.body).toBe(201);
  };
  const health = (agentId: string, key = acme.viewer, gateway = app) =>
    call(gateway, { method: "GET", url: `/v1/agents/${agentId}/health`, key });

  it("GET /v1/agents/:agentId shows what an agents page needs, without credentials", async () => {
    await register(acme.operator, {
      identity: { id: "docs-agent", name: "Docs", description: "Answers from the docs", version: "2.1.0" },
      service: { endpoint: agents.research.url, auth: { type: "bearer", token: "s3cret-token-value" } },
      skills: [
        {
          id: "search-docs",
          name: "Search docs",
          description: "Finds pages",
          tags: ["docs", "search"],
          examples: ["How do I rotate a key?"],
        },
      ],
    });
    const res = await call(app, { method: "GET", url: "/v1/agents/docs-agent", key: acme.end_user });
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view).toMatchObject({
      card: {
        identity: { id: "docs-agent", name: "Docs", description: "Answers from the docs", version: "2.1.0" },
        service: { endpoint: agents.research.url },
        skills: [
          {
            id: "search-docs",
            name: "Search docs",
            description: "Finds pages",
            tags: ["docs", "search"],
            examples: ["How do I rotate a key?"],
          },
        ],
      },
      source: "tenant",
      hasCredentials: true,
      isDefault: false,
      handoff: false,
    });
    expect(res.body).not.toContain("s3cret-token-value");
    // The same object the list shows.
    const list = await call(app, { method: "GET", url: "/v1/agents", key: acme.viewer });
    expect(list.json().agents).toContainEqual(view);
    const builtIn = await call(app, { method: "GET", url: "/v1/agents/knowledge-agent", key: acme.viewer });
    expect(builtIn.json()).toMatchObject({ source: "static", isDefault: true, hasCredentials: false });
  });

  it("an agent that answers is ok, with the protocol and binding its calls use", async () => {
    const res = await health("knowledge-agent");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({
      agentId: "knowledge-agent",
      status: "ok",
      latencyMs: expect.any(Number),
      checkedAt: expect.any(String),
      protocol: { version: "1.0", binding: "JSONRPC" },
      interfaces: expect.arrayContaining([{ version: "1.0", binding: "JSONRPC" }]),
    });
    expect(Number.isNaN(Date.parse(body.checkedAt))).toBe(false);
  });

  it("reads the card afresh: an agent that went away is unreachable, though its card is cached", async () => {
    const doomed: RecordingAgent = await startAgent({ id: "doomed-agent" });
    await register(acme.admin, {
      identity: { id: "doomed-agent", name: "Doomed" },
      service: { endpoint: doomed.url },
    });
    expect((await health("doomed-agent")).json().status).toBe("ok");
    await doomed.close();
    const res = await health("doomed-agent");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      agentId: "doomed-agent",
      status: "unreachable",
      latencyMs: null,
      checkedAt: expect.any(String),
      protocol: null,
      errorCode: "AGENT_UNAVAILABLE",
    });
  });

  it("an address the network policy refuses is refused, and nothing is dialled", async () => {
    const before = agents.knowledge.requestHeaders.length;
    const res = await health("knowledge-agent", acme.viewer, strictApp);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      agentId: "knowledge-agent",
      status: "refused",
      latencyMs: null,
      protocol: null,
    });
    expect(agents.knowledge.requestHeaders.length).toBe(before);
  });

  it("an agent that never answers is bounded: unreachable with AGENT_TIMEOUT, not a hang", async () => {
    const { port } = silent.address() as { port: number };
    await register(acme.admin, {
      identity: { id: "silent-agent", name: "Silent" },
      service: { endpoint: `http://127.0.0.1:${port}` },
    });
    const res = await health("silent-agent");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "unreachable", errorCode: "AGENT_TIMEOUT", protocol: null });
  }, 20_000);

  it("another tenant's agent is 404 for the view and the health check, even by the same id", async () => {
    await register(globex.admin, {
      identity: { id: "globex-only", name: "Globex" },
      service: { endpoint: agents.research.url },
    });
    for (const url of ["/v1/agents/globex-only", "/v1/agents/globex-only/health"]) {
      const res = await call(app, { method: "GET", url, key: acme.admin });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error).toMatchObject({ code: "NOT_FOUND", field: "agentId" });
    }
    // acme's docs-agent does not exist for globex.
    expect((await health("docs-agent", globex.admin)).statusCode).toBe(404);
    expect((await health("globex-only", globex.viewer)).json().status).toBe("ok");
    const bad = await call(app, { method: "GET", url: "/v1/agents/not%20an%20id/health", key: acme.admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("agentId");
  });
});
