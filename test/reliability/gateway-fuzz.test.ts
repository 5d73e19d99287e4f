/**
 * Fuzzing every gateway route (from its own OpenAPI document) with fast-check: random path
 * parameters, bodies, content types and credentials. The gateway may refuse anything, but it must
 * never crash, never answer 5xx without a JSON error body, and never leak internals.
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { createGateway } from "../../src/gateway/index.js";
import { Database } from "../../src/storage/database.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { createRoleKeys, startTestAgents, type RoleKeys, type TestAgents } from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";

type Method = "GET" | "POST" | "DELETE";
interface Operation {
  method: Method;
  path: string;
}

describe("gateway fuzzing", () => {
  let database: Database;
  let client: A2AClient;
  let agents: TestAgents;
  let app: FastifyInstance;
  let keys: RoleKeys;
  let operations: Operation[];
  let threadId: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    agents = await startTestAgents();
    app = createGateway({
      database,
      a2aClient: client,
      agents: [agents.knowledge.card, agents.research.card, agents.skill.card],
      rateLimit: { max: 1_000_000, timeWindowMs: 60_000 },
      // The fuzzer sends hundreds of bad keys from one address: throttling is tested elsewhere.
      authFailureLimit: { max: 1_000_000, timeWindowMs: 60_000 },
      bodyLimitBytes: 64 * 1024,
    });
    await app.ready();
    keys = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
    const created = await app.inject({
      method: "POST",
      url: "/v1/threads",
      headers: { authorization: `Bearer ${keys.admin}` },
      payload: {},
    });
    threadId = created.json<{ id: string }>().id;
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => ["get", "post", "delete"].includes(m))
        .map((m) => ({ method: m.toUpperCase() as Method, path })),
    );
  });
  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await app?.close();
    await agents?.close();
    await client?.close();
    await database?.close();
  });

  const pathParam = fc.oneof(
    fc.constant("THREAD"),
    fc.uuid(),
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      "..%2F..%2Fetc%2Fpasswd",
      "%00",
      "' OR 1=1 --",
      "knowledge-agent",
      "%F0%9F%98%80",
      "a".repeat(300),
    ),
  );
  const jsonBody = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        message: fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 1 })),
        title: fc.oneof(fc.string({ maxLength: 600 }), fc.integer()),
        agentIds: fc.oneof(
          fc.array(fc.constantFrom("knowledge-agent", "research-agent", "nope", ""), { maxLength: 4 }),
          fc.string(),
        ),
        strategy: fc.oneof(
          fc.constantFrom("parallel", "sequential", "first_success"),
          fc.string({ maxLength: 12 }),
        ),
        timeoutMs: fc.oneof(fc.integer({ min: -10, max: 2_000 }), fc.double(), fc.string({ maxLength: 5 })),
        targetAgentId: fc.constantFrom("skill-agent", "knowledge-agent", "ghost", ""),
        contextSummary: fc.string({ maxLength: 100 }),
        handoffReason: fc.string({ maxLength: 50 }),
        completionStatus: fc.constantFrom("completed", "cancelled", "error", "done", 7),
        card: fc.jsonValue({ maxDepth: 2 }),
        url: fc.constantFrom("http://127.0.0.1:1", "not a url", "ftp://x", "http://[::1"),
        reason: fc.string({ maxLength: 30 }),
      },
      { requiredKeys: [] },
    ),
  );
  const auth = fc.oneof(
    fc.constant<"admin" | "end_user" | "viewer" | "none" | "garbage">("admin"),
    fc.constantFrom("end_user", "viewer", "none", "garbage"),
  );

  it("never crashes, never answers 5xx without a JSON error body", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        pathParam,
        pathParam,
        jsonBody,
        auth,
        fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "none"),
        fc.boolean(),
        fc.string({ maxLength: 30 }),
        async (pick, p1, p2, body, who, contentType, sse, query) => {
          const op = operations[pick % operations.length]!;
          const params = [p1, p2].map((p) => (p === "THREAD" ? threadId : encodeURIComponent(p)));
          let i = 0;
          const url =
            op.path.replace(/\{[^}]+\}/g, () => params[i++ % 2]!) +
            (query ? `?${encodeURIComponent(query)}=${encodeURIComponent(query)}` : "");
          const headers: Record<string, string> = {};
          if (who === "garbage") headers.authorization = "Bearer of_not-a-real-key";
          else if (who !== "none") headers.authorization = `Bearer ${keys[who]}`;
          if (sse) headers.accept = "text/event-stream";
          const payload =
            op.method === "GET"
              ? undefined
              : contentType === "application/json"
                ? JSON.stringify(body)
                : String(JSON.stringify(body));
          if (payload !== undefined && contentType !== "none") headers["content-type"] = contentType;
          const res = await app.inject({
            method: op.method,
            url,
            headers,
            ...(payload !== undefined ? { payload } : {}),
          });
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 500) {
            const parsed = res.json<{ error?: { code?: unknown; message?: unknown } }>();
            expect(typeof parsed.error?.code).toBe("string");
            expect(String(parsed.error?.message)).not.toMatch(/at .*\.ts:\d+|node_modules|SQLITE_|stack/i);
          }
          if ((res.headers["content-type"] ?? "").toString().includes("application/json"))
            expect(() => res.json()).not.toThrow();
        },
      ),
      { numRuns: 400, seed: 20261123 },
    );
    // The fuzzer reached past auth and validation, not only 401s.
    expect([...seen.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    for (const status of [400, 401, 403, 404]) expect(seen.get(status) ?? 0).toBeGreaterThan(5);
    expect(unhandled).toEqual([]);
    // Still serving.
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    const ok = await app.inject({
      method: "GET",
      url: `/v1/threads/${threadId}`,
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(ok.statusCode).toBe(200);
  });
});
