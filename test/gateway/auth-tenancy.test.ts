/**
 * Authentication and tenant isolation through the HTTP edge, on every database backend.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { createGateway } from "../../src/gateway/index.js";
import { ApiKeyService } from "../../src/security/api-keys.js";
import { Role } from "../../src/security/rbac.js";
import type { Database } from "../../src/storage/database.js";
import { databaseTargets, openDatabase } from "../helpers/databases.js";
import {
  MISSING_THREAD_ID,
  bearer,
  call,
  createRoleKeys,
  startTestAgents,
  type RoleKeys,
  type TestAgents,
} from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`gateway auth and tenant isolation [${target.name}]`, () => {
    let database: Database;
    let client: A2AClient;
    let agents: TestAgents;
    let app: FastifyInstance;
    let acme: RoleKeys;
    let globex: RoleKeys;
    let apiKeys: ApiKeyService;

    beforeAll(async () => {
      database = await openDatabase(target);
      client = new A2AClient({ network: LOOPBACK });
      agents = await startTestAgents();
      app = createGateway({
        database,
        a2aClient: client,
        agents: [agents.knowledge.card, agents.research.card, agents.skill.card],
        defaultAgentIds: ["knowledge-agent"],
      });
      await app.ready();
      apiKeys = new ApiKeyService(database);
      acme = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
      globex = await createRoleKeys({ database, tenantId: "globex", userId: "alice" });
    });
    afterAll(async () => {
      await app?.close();
      await agents?.close();
      await client?.close();
      await database?.close();
    });

    describe("authentication", () => {
      it("no key -> 401 JSON with a Bearer challenge", async () => {
        const res = await call(app, { method: "GET", url: "/v1/threads" });
        expect(res.statusCode).toBe(401);
        expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
        expect(res.json()).toEqual({
          error: { code: "UNAUTHORIZED", message: expect.stringContaining("Missing API key") },
        });
      });

      it("a wrong, malformed or non-bearer credential -> 401", async () => {
        for (const headers of [
          bearer(`of_${"x".repeat(43)}`),
          bearer("not-a-key"),
          { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
          { authorization: "Bearer" },
          { "x-api-key": "of_nope" },
        ]) {
          const res = await call(app, { method: "GET", url: "/v1/agents", headers });
          expect(res.statusCode, JSON.stringify(headers)).toBe(401);
          expect(res.json().error.code).toBe("UNAUTHORIZED");
        }
      });

      it("a revoked key -> 401, immediately", async () => {
        const created = await apiKeys.create({
          tenantId: "acme",
          userId: "alice",
          role: Role.ADMIN,
          name: "tmp",
        });
        expect((await call(app, { method: "GET", url: "/v1/agents", key: created.key })).statusCode).toBe(
          200,
        );
        await apiKeys.revoke({ id: created.id, tenantId: "acme" });
        const res = await call(app, { method: "GET", url: "/v1/agents", key: created.key });
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toEqual({ code: "UNAUTHORIZED", message: "Invalid or revoked API key" });
      });

      it("accepts the key as a bearer token or in x-api-key", async () => {
        const viaBearer = await call(app, { method: "GET", url: "/v1/threads", key: acme.viewer });
        const viaHeader = await call(app, {
          method: "GET",
          url: "/v1/threads",
          headers: { "x-api-key": acme.viewer },
        });
        expect(viaBearer.statusCode).toBe(200);
        expect(viaHeader.statusCode).toBe(200);
      });

      it("health, readiness, console and OpenAPI need no key", async () => {
        for (const url of ["/healthz", "/readyz", "/", "/openapi.json"]) {
          expect((await call(app, { method: "GET", url })).statusCode, url).toBe(200);
        }
      });
    });

    describe("tenant isolation", () => {
      let threadId: string;
      beforeAll(async () => {
        const created = await call(app, {
          method: "POST",
          url: "/v1/threads",
          key: acme.admin,
          body: { title: "acme secret plans" },
        });
        expect(created.statusCode).toBe(201);
        threadId = created.json().id;
        const sent = await call(app, {
          method: "POST",
          url: `/v1/threads/${threadId}/messages`,
          key: acme.admin,
          body: { message: "hello from acme" },
        });
        expect(sent.statusCode).toBe(200);
      });

      /** Every thread route, with a body valid enough to get past validation. */
      const threadRoutes = (id: string) =>
        [
          { method: "GET", url: `/v1/threads/${id}` },
          { method: "GET", url: `/v1/threads/${id}/messages` },
          { method: "POST", url: `/v1/threads/${id}/messages`, body: { message: "let me in" } },
          {
            method: "POST",
            url: `/v1/threads/${id}/delegations`,
            body: { message: "hi", agentIds: ["knowledge-agent"] },
          },
          { method: "GET", url: `/v1/threads/${id}/delegations` },
          {
            method: "POST",
            url: `/v1/threads/${id}/handoff`,
            body: { targetAgentId: "skill-agent", contextSummary: "x", handoffReason: "y" },
          },
          { method: "GET", url: `/v1/threads/${id}/handoff` },
          { method: "DELETE", url: `/v1/threads/${id}/handoff`, body: { reason: "z" } },
          {
            method: "POST",
            url: `/v1/threads/${id}/handoff/complete`,
            body: { completionStatus: "completed" },
          },
          { method: "GET", url: `/v1/threads/${id}/handoffs` },
        ] as const;

      it("another tenant's thread answers 404 on every thread route, byte for byte like a missing one", async () => {
        const foreign = threadRoutes(threadId);
        const missing = threadRoutes(MISSING_THREAD_ID);
        for (const [index, route] of foreign.entries()) {
          const other = await call(app, { ...route, key: globex.admin });
          const none = await call(app, { ...missing[index]!, key: globex.admin });
          expect(other.statusCode, `${route.method} ${route.url}`).toBe(404);
          expect(none.statusCode).toBe(404);
          expect(other.body).toBe(none.body);
          expect(other.json()).toEqual({ error: { code: "THREAD_NOT_FOUND", message: "Thread not found" } });
        }
      });

      it("the other tenant's attempts left the thread untouched", async () => {
        const messages = await call(app, {
          method: "GET",
          url: `/v1/threads/${threadId}/messages`,
          key: acme.viewer,
        });
        expect(messages.json().messages.map((m: { content: string }) => m.content)).toEqual([
          "hello from acme",
          "Docs say: answer to hello from acme",
        ]);
        const handoffs = await call(app, {
          method: "GET",
          url: `/v1/threads/${threadId}/handoffs`,
          key: acme.viewer,
        });
        expect(handoffs.json()).toEqual({ handoffs: [] });
      });

      it("listings are per tenant: threads and registered agents", async () => {
        const globexThreads = await call(app, { method: "GET", url: "/v1/threads", key: globex.viewer });
        expect(globexThreads.json().threads).toEqual([]);
        const acmeThreads = await call(app, { method: "GET", url: "/v1/threads", key: acme.viewer });
        expect(acmeThreads.json().threads.map((t: { id: string }) => t.id)).toContain(threadId);

        const registered = await call(app, {
          method: "POST",
          url: "/v1/agents",
          key: acme.operator,
          body: {
            card: {
              identity: { id: "acme-only", name: "Acme only" },
              service: { endpoint: "http://127.0.0.1:9" },
            },
          },
        });
        expect(registered.statusCode).toBe(201);
        const ids = async (key: string) =>
          (await call(app, { method: "GET", url: "/v1/agents", key }))
            .json()
            .agents.map((a: { card: { identity: { id: string } } }) => a.card.identity.id);
        expect(await ids(acme.viewer)).toContain("acme-only");
        expect(await ids(globex.viewer)).not.toContain("acme-only");
        // Another tenant cannot remove it either: for them it does not exist.
        const removal = await call(app, { method: "DELETE", url: "/v1/agents/acme-only", key: globex.admin });
        expect(removal.statusCode).toBe(404);
        expect(await ids(acme.viewer)).toContain("acme-only");
      });
    });
  });
}
