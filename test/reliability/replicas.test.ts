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
      "--dir",
      dir,
      "--allow-network",
      new URL(specialist.url).host,
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

  const api = async (replica: Replica, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${replica.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
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
    await specialist?.close();
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
});
