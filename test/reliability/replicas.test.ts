/**
 * Two `omniforge serve` processes on one PostgreSQL database behave as one gateway: a tenant's
 * agent credentials are used by both replicas and after a restart, a handoff started on one is
 * routed and cancelled from the other, and the per-key rate limit holds across both.
 */
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompletionStatus } from "../../src/orchestration/types.js";
import { ApiKeyService } from "../../src/security/api-keys.js";
import { Role } from "../../src/security/rbac.js";
import { SecretKeyring } from "../../src/security/secret-keyring.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { createPostgresDatabase, postgresAdminUrl } from "../helpers/databases.js";
import { startChild, type Child } from "./support/children.js";

const RATE_LIMIT = 60;
const SECRET = SecretKeyring.generateKey();

interface Replica {
  child: Child;
  url: string;
}

describe.skipIf(postgresAdminUrl() === null)("two gateway replicas on one PostgreSQL", () => {
  let databaseUrl: string;
  let database: Database;
  let dir: string;
  let specialist: RecordingAgent;
  let key: string;
  let adminKey: string;
  let billing: RecordingAgent;
  let docs: RecordingAgent;
  const running = new Set<Child>();

  async function startReplica(): Promise<Replica> {
    const child = startChild("src/cli/main.ts", [
      "serve",
      "--db",
      databaseUrl,
      "--port",
      "0",
      "--no-examples",
      "--log-level",
      "silent",
      // Human-readable output on stdout, where the test reads the URL (with JSON logs it is on stderr).
      "--log-format",
      "pretty",
      "--dir",
      dir,
      "--allow-network",
      new URL(specialist.url).host,
      new URL(billing.url).host,
      new URL(docs.url).host,
      "--rate-limit",
      String(RATE_LIMIT),
      "--rate-window",
      "600000",
    ]);
    running.add(child);
    const line = await child.waitForLine((l) => l.includes("gateway on "), 60_000);
    return { child, url: /gateway on (http:\/\/\S+)/.exec(line)![1]! };
  }

  async function stop(replica: Replica, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
    const exited = once(replica.child.process, "exit");
    replica.child.process.kill(signal);
    await exited;
    running.delete(replica.child);
  }

  const api = async (replica: Replica, method: string, path: string, body?: unknown, as = key) => {
    const res = await fetch(`${replica.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${as}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    process.env.OMNIFORGE_SECRET_KEY = SECRET; // inherited by the replicas
    databaseUrl = await createPostgresDatabase(postgresAdminUrl()!);
    database = new Database(databaseUrl);
    await database.initialize();
    dir = mkdtempSync(join(tmpdir(), "omniforge-replicas-"));
    specialist = await startAgent({
      id: "specialist",
      bearerToken: "tenant-registered-token",
      onHandoffRequest: async () => ({ accepted: true }),
      async *handle(ctx) {
        if (ctx.text === "finish") ctx.returnControl({ completionStatus: CompletionStatus.COMPLETED });
        yield `specialist: ${ctx.text}`;
      },
    });
    billing = await startAgent({ id: "billing", reply: (ctx) => `billing: ${ctx.text}` });
    docs = await startAgent({ id: "docs", reply: (ctx) => `docs: ${ctx.text}` });
    adminKey = (
      await new ApiKeyService(database).create({
        tenantId: "acme",
        userId: "root",
        role: Role.ADMIN,
        name: "replicas-admin",
      })
    ).key;
    key = (
      await new ApiKeyService(database).create({
        tenantId: "acme",
        userId: "alice",
        role: Role.OPERATOR,
        name: "replicas",
      })
    ).key;
  });
  afterAll(async () => {
    for (const child of running) await child.kill9();
    await Promise.all([specialist?.close(), billing?.close(), docs?.close()]);
    await database?.close();
    delete process.env.OMNIFORGE_SECRET_KEY;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("credentials, handoffs and the rate limit hold across replicas and a restart", async () => {
    const pair = await Promise.all([startReplica(), startReplica()]);
    let one = pair[0];
    const two = pair[1];

    // A tenant registers its agent (with a bearer token) through replica 1.
    const registered = await api(one, "POST", "/v1/agents", {
      card: {
        identity: { id: "specialist", name: "Specialist" },
        service: { endpoint: specialist.url, auth: { type: "bearer", token: "tenant-registered-token" } },
        capabilities: { handoff: true },
      },
    });
    expect(registered.status).toBe(201);

    // Started on replica 1, routed on replica 2, then on replica 1 again.
    const thread = await api(one, "POST", "/v1/threads", { title: "replicas" });
    const threadId = thread.json.id as string;
    const started = await api(one, "POST", `/v1/threads/${threadId}/handoff`, {
      targetAgentId: "specialist",
      contextSummary: "",
      handoffReason: "replica test",
    });
    expect(started.json).toMatchObject({ accepted: true });
    expect(
      (await api(two, "POST", `/v1/threads/${threadId}/messages`, { message: "via two" })).json.reply,
    ).toBe("specialist: via two");
    expect(
      (await api(one, "POST", `/v1/threads/${threadId}/messages`, { message: "via one" })).json.reply,
    ).toBe("specialist: via one");

    // Replica 1 crashes and comes back: it still sends the credentials.
    await stop(one, "SIGKILL");
    one = await startReplica();
    expect(
      (await api(one, "POST", `/v1/threads/${threadId}/messages`, { message: "after restart" })).json.reply,
    ).toBe("specialist: after restart");
    const bearers = specialist.requestHeaders.map((headers) => headers.authorization);
    expect(bearers.length).toBeGreaterThanOrEqual(4);
    expect(new Set(bearers)).toEqual(new Set(["Bearer tenant-registered-token"]));

    // Cancelled from replica 2; replica 1 sees it gone.
    expect((await api(two, "DELETE", `/v1/threads/${threadId}/handoff`)).status).toBe(200);
    expect((await api(one, "GET", `/v1/threads/${threadId}/handoff`)).json).toEqual({ active: null });

    // The rate limit: a fresh key gets one budget across both replicas, hit concurrently.
    const fresh = (
      await new ApiKeyService(database).create({
        tenantId: "acme",
        userId: "bob",
        role: Role.VIEWER,
        name: "rate",
      })
    ).key;
    const statuses = await Promise.all(
      Array.from({ length: 3 * RATE_LIMIT }, async (_, i) => {
        const res = await fetch(`${(i % 2 === 0 ? one : two).url}/v1/threads?limit=1`, {
          headers: { authorization: `Bearer ${fresh}` },
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    const admitted = statuses.filter((s) => s === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(RATE_LIMIT - 1);
    expect(admitted).toBeLessThanOrEqual(Math.floor(RATE_LIMIT * 1.05));
    expect(statuses.filter((s) => s === 429)).toHaveLength(statuses.length - admitted);
    process.stdout.write(
      `[reliability] replicas: ${admitted} of ${statuses.length} concurrent requests admitted across 2 replicas, limit ${RATE_LIMIT} per key\n`,
    );

    await Promise.all([stop(one, "SIGTERM"), stop(two, "SIGTERM")]);
  });
  it("skill routing, its explanation and the turn timeline are the same on both replicas", async () => {
    const [one, two] = await Promise.all([startReplica(), startReplica()]);
    const skill = (id: string, name: string, description: string, tags: string[], examples: string[]) => ({
      id,
      name,
      description,
      tags,
      examples,
    });
    for (const [agent, skills] of [
      [
        billing,
        [
          skill(
            "invoices",
            "Invoices and refunds",
            "Explains charges on a bill and issues refunds",
            ["invoice", "refund", "charge"],
            ["Why was I charged twice?"],
          ),
        ],
      ],
      [
        docs,
        [
          skill(
            "docs-search",
            "Documentation search",
            "Searches the product documentation and guides",
            ["documentation", "guide"],
            ["Where is the guide for webhooks?"],
          ),
        ],
      ],
    ] as const) {
      const res = await api(
        one,
        "POST",
        "/v1/agents",
        {
          card: {
            identity: { id: agent.card.identity.id, name: agent.card.identity.name },
            service: { endpoint: agent.url },
            skills,
          },
        },
        adminKey,
      );
      expect(res.status, JSON.stringify(res.json)).toBe(201);
    }
    // The admin turns routing on through replica 2; replica 1 routes by it at once.
    const setting = await api(two, "PUT", "/v1/routing", { enabled: true, fallback: "ask" }, adminKey);
    expect(setting.status, JSON.stringify(setting.json)).toBe(200);
    const thread = await api(one, "POST", "/v1/threads", { title: "routing" });
    const threadId = thread.json.id as string;
    const message = "I was charged twice on my last invoice";
    const explained = await api(two, "POST", "/v1/route/explain", { message, threadId });
    expect(explained.json).toMatchObject({ outcome: "selected", agentIds: ["billing"] });
    const reply = await api(one, "POST", `/v1/threads/${threadId}/messages`, { message });
    expect(reply.json.reply).toBe(`billing: ${message}`);

    // Replica 2 renames the thread and reads the turn replica 1 recorded, with the same choice.
    expect((await api(two, "PATCH", `/v1/threads/${threadId}`, { title: "Double charge" })).status).toBe(200);
    expect(((await api(one, "GET", `/v1/threads/${threadId}`)).json.thread as { title: string }).title).toBe(
      "Double charge",
    );
    const timeline = await api(two, "GET", `/v1/threads/${threadId}/timeline`);
    const turns = timeline.json.turns as Array<{
      events: Array<{ kind: string; detail?: Record<string, unknown> }>;
    }>;
    expect(turns).toHaveLength(1);
    const route = turns[0]!.events.find((event) => event.kind === "route")!;
    expect(route.detail).toMatchObject({ agentIds: ["billing"], candidates: explained.json.candidates });
    expect(JSON.stringify(turns)).not.toContain("charged twice");

    await Promise.all([stop(one, "SIGTERM"), stop(two, "SIGTERM")]);
  });
});
