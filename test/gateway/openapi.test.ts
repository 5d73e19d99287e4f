/**
 * The OpenAPI document: OpenAPI 3.1 structure, every route present (and every documented route
 * real), security schemes and the error shape, refs that resolve, and response schemas that match
 * what the gateway actually answers.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { createGateway, gatewayRoutes, GatewayService } from "../../src/gateway/index.js";
import { Database } from "../../src/storage/database.js";
import {
  bearer,
  call,
  createRoleKeys,
  startTestAgents,
  type RoleKeys,
  type TestAgents,
} from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";

type Json = Record<string, unknown>;

/** The contract's route table, written out independently of the gateway's. */
const EXPECTED_OPERATIONS = [
  ["get", "/healthz"],
  ["get", "/readyz"],
  ["get", "/"],
  ["get", "/console/{asset}"],
  ["get", "/openapi.json"],
  ["get", "/v1/me"],
  ["post", "/v1/threads"],
  ["get", "/v1/threads"],
  ["get", "/v1/threads/{threadId}"],
  ["patch", "/v1/threads/{threadId}"],
  ["get", "/v1/threads/{threadId}/timeline"],
  ["get", "/v1/threads/{threadId}/messages"],
  ["post", "/v1/threads/{threadId}/messages"],
  ["post", "/v1/threads/{threadId}/delegations"],
  ["get", "/v1/threads/{threadId}/delegations"],
  ["post", "/v1/threads/{threadId}/handoff"],
  ["get", "/v1/threads/{threadId}/handoff"],
  ["delete", "/v1/threads/{threadId}/handoff"],
  ["post", "/v1/threads/{threadId}/handoff/complete"],
  ["get", "/v1/threads/{threadId}/handoffs"],
  ["get", "/v1/agents"],
  ["get", "/v1/agents/{agentId}"],
  ["get", "/v1/agents/{agentId}/health"],
  ["post", "/v1/agents"],
  ["delete", "/v1/agents/{agentId}"],
  ["get", "/v1/audit/agent-calls"],
  ["get", "/v1/routing"],
  ["put", "/v1/routing"],
  ["post", "/v1/route/explain"],
] as const;
const PUBLIC = new Set(["/healthz", "/readyz", "/", "/console/{asset}", "/openapi.json"]);

describe("OpenAPI document", () => {
  let database: Database;
  let client: A2AClient;
  let agents: TestAgents;
  let app: FastifyInstance;
  let keys: RoleKeys;
  let doc: Json & {
    paths: Record<string, Record<string, Json>>;
    components: Record<string, Record<string, Json>>;
  };

  beforeAll(async () => {
    database = new Database("sqlite::memory:");
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    agents = await startTestAgents();
    app = createGateway({ database, a2aClient: client, agents: [agents.knowledge.card, agents.skill.card] });
    await app.ready();
    keys = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
    const res = await call(app, { method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("application/json");
    doc = res.json();
  });
  afterAll(async () => {
    await app?.close();
    await agents?.close();
    await client?.close();
    await database?.close();
  });

  it("is an OpenAPI 3.1 document with info, paths and components", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.jsonSchemaDialect).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(doc.paths).every((path) => path.startsWith("/"))).toBe(true);
  });

  it("lists every route of the contract, and every documented operation is a real route", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(EXPECTED_OPERATIONS.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, path] of EXPECTED_OPERATIONS) {
      const url = path.replace(/\{(\w+)\}/g, ":$1");
      expect(app.hasRoute({ method: method.toUpperCase() as "GET", url }), `${method} ${url}`).toBe(true);
    }
    const ids = documented.map((entry) => {
      const [method, path] = entry.split(" ") as [string, string];
      return doc.paths[path]![method]!.operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("declares bearer and x-api-key security; only the public routes opt out", () => {
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: "http", scheme: "bearer" }),
      apiKeyHeader: expect.objectContaining({ type: "apiKey", in: "header", name: "x-api-key" }),
    });
    expect(doc.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    for (const [method, path] of EXPECTED_OPERATIONS) {
      const operation = doc.paths[path]![method]!;
      const responses = operation.responses as Record<string, unknown>;
      if (PUBLIC.has(path)) {
        expect(operation.security, path).toEqual([]);
      } else {
        expect(operation.security, path).toBeUndefined();
        for (const status of ["401", "403", "429"]) {
          expect(responses[status], `${method} ${path} ${status}`).toBeDefined();
        }
        expect(operation["x-omniforge-access"]).toMatchObject({
          policy: expect.any(String),
          roles: expect.any(Array),
        });
      }
      expect(responses["500"]).toEqual({ $ref: "#/components/responses/InternalError" });
    }
  });

  it("documents the error shape once and every error response uses it", () => {
    expect(doc.components.schemas!.Error).toMatchObject({
      type: "object",
      required: ["error"],
      properties: {
        error: {
          type: "object",
          required: ["code", "message"],
          properties: expect.objectContaining({ code: expect.any(Object), field: expect.any(Object) }),
        },
      },
    });
    for (const response of Object.values(doc.components.responses!)) {
      expect(response).toMatchObject({
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      });
    }
    expect(doc.components.responses!.TooManyRequests).toMatchObject({
      headers: { "Retry-After": expect.any(Object) },
    });
  });

  it("generates request bodies and parameters from the zod schemas", () => {
    const post = doc.paths["/v1/threads/{threadId}/messages"]!.post!;
    expect(post.parameters).toEqual([
      expect.objectContaining({
        name: "threadId",
        in: "path",
        required: true,
        schema: expect.objectContaining({ type: "string" }),
      }),
    ]);
    expect(post.requestBody).toMatchObject({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/PostMessageRequest" } } },
    });
    expect(doc.components.schemas!.PostMessageRequest).toMatchObject({
      type: "object",
      required: ["message"],
      properties: { message: { type: "string" } },
      additionalProperties: false,
    });
    const responses = post.responses as Record<string, { content?: Record<string, unknown> }>;
    expect(Object.keys(responses["200"]!.content!)).toEqual(["application/json", "text/event-stream"]);

    const list = doc.paths["/v1/threads"]!.get!;
    expect((list.parameters as Json[]).map((p) => [p.name, p.in, p.required])).toEqual([
      ["limit", "query", false],
      ["offset", "query", false],
      ["mine", "query", false],
    ]);
    // All-optional bodies are optional.
    expect(doc.paths["/v1/threads"]!.post!.requestBody).toMatchObject({ required: false });
    expect(doc.components.schemas!.DelegateRequest).toMatchObject({
      required: ["message", "agentIds"],
      properties: {
        strategy: {
          enum: ["parallel", "PARALLEL", "sequential", "SEQUENTIAL", "first_success", "FIRST_SUCCESS"],
        },
      },
    });
  });

  it("every $ref resolves inside the document", () => {
    const refs: string[] = [];
    const walk = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === "object") {
        for (const [key, child] of Object.entries(value)) {
          if (key === "$ref" && typeof child === "string") refs.push(child);
          else walk(child);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) {
      expect(ref.startsWith("#/")).toBe(true);
      let node: unknown = doc;
      for (const part of ref.slice(2).split("/")) node = (node as Json | undefined)?.[part];
      expect(node, ref).toBeDefined();
    }
    expect(JSON.stringify(doc)).not.toContain("$defs");
  });

  it("the documented response schemas match what the routes answer", async () => {
    const specs = gatewayRoutes({
      service: new GatewayService({ database, a2aClient: client }),
      openApiDocument: () => ({}),
    });
    const schemaOf = (operation: string) => specs.find((s) => s.operation === operation)!.response.schema!;
    const key = keys.admin;
    const thread = await call(app, { method: "POST", url: "/v1/threads", key, body: { title: "doc" } });
    const threadId = thread.json().id;
    const base = `/v1/threads/${threadId}`;
    const checks: Array<[string, Promise<{ json(): unknown }>]> = [
      ["createThread", Promise.resolve(thread)],
      ["listThreads", call(app, { method: "GET", url: "/v1/threads", key })],
      ["postMessage", call(app, { method: "POST", url: `${base}/messages`, key, body: { message: "hi" } })],
    ];
    for (const [operation, pending] of checks) schemaOf(operation).parse((await pending).json());
    const sequential: Array<[string, () => Promise<{ json(): unknown }>]> = [
      ["getThread", () => call(app, { method: "GET", url: base, key })],
      ["listMessages", () => call(app, { method: "GET", url: `${base}/messages`, key })],
      [
        "delegate",
        () =>
          call(app, {
            method: "POST",
            url: `${base}/delegations`,
            key,
            body: { message: "x", agentIds: ["knowledge-agent"] },
          }),
      ],
      ["listDelegations", () => call(app, { method: "GET", url: `${base}/delegations`, key })],
      [
        "startHandoff",
        () =>
          call(app, {
            method: "POST",
            url: `${base}/handoff`,
            key,
            body: { targetAgentId: "skill-agent", contextSummary: "s", handoffReason: "r" },
          }),
      ],
      ["getHandoff", () => call(app, { method: "GET", url: `${base}/handoff`, key })],
      ["cancelHandoff", () => call(app, { method: "DELETE", url: `${base}/handoff`, key })],
      ["listHandoffs", () => call(app, { method: "GET", url: `${base}/handoffs`, key })],
      ["listAgents", () => call(app, { method: "GET", url: "/v1/agents", key })],
      [
        "renameThread",
        () => app.inject({ method: "PATCH", url: base, headers: bearer(key), payload: { title: "renamed" } }),
      ],
      ["getTimeline", () => call(app, { method: "GET", url: `${base}/timeline`, key })],
      ["getAgent", () => call(app, { method: "GET", url: "/v1/agents/knowledge-agent", key })],
      ["getAgentHealth", () => call(app, { method: "GET", url: "/v1/agents/knowledge-agent/health", key })],
      [
        "registerAgent",
        () =>
          call(app, {
            method: "POST",
            url: "/v1/agents",
            key,
            body: {
              card: {
                identity: { id: "doc-agent", name: "Doc" },
                service: { endpoint: "http://127.0.0.1:9" },
              },
            },
          }),
      ],
      ["healthz", () => call(app, { method: "GET", url: "/healthz" })],
      ["readyz", () => call(app, { method: "GET", url: "/readyz" })],
    ];
    for (const [operation, run] of sequential) {
      const body = (await run()).json();
      const parsed = schemaOf(operation).safeParse(body);
      expect(parsed.success, `${operation}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
    // And a failure matches the Error schema.
    const { errorBodySchema } = await import("../../src/gateway/schemas.js");
    errorBodySchema.parse((await call(app, { method: "GET", url: "/v1/threads" })).json());
  });
});
