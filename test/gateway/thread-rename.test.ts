/**
 * PATCH /v1/threads/:threadId: the owner renames a thread (trimmed, 1-200 characters, no control
 * characters) and gets what GET answers; another tenant's thread is 404 even with the same id; an
 * end user's view of another user's thread is 404; a tenant-wide reader who does not own it, 403.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { createGateway } from "../../src/gateway/index.js";
import { Database } from "../../src/storage/database.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { bearer, call, createRoleKeys, type RoleKeys } from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";

describe("thread rename [sqlite-file]", () => {
  let database: Database;
  let client: A2AClient;
  let app: FastifyInstance;
  let alice: RoleKeys;
  let bob: RoleKeys;
  let globex: RoleKeys;

  beforeAll(async () => {
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    app = createGateway({ database, a2aClient: client });
    await app.ready();
    alice = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
    bob = await createRoleKeys({ database, tenantId: "acme", userId: "bob" });
    // Same user id, another tenant.
    globex = await createRoleKeys({ database, tenantId: "globex", userId: "alice" });
  });
  afterAll(async () => {
    await app?.close();
    await client?.close();
    await database?.close();
  });

  const newThread = async (key: string, title = "First title") => {
    const res = await call(app, { method: "POST", url: "/v1/threads", key, body: { title } });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const rename = (threadId: string, key: string, body: unknown) =>
    app.inject({
      method: "PATCH",
      url: `/v1/threads/${threadId}`,
      headers: bearer(key),
      payload: body as object,
    });
  const titleOf = async (threadId: string) =>
    (await call(app, { method: "GET", url: `/v1/threads/${threadId}`, key: alice.admin })).json().thread
      .title;

  it("the owner renames the thread (trimmed) and gets exactly what GET answers", async () => {
    const id = await newThread(alice.end_user);
    const res = await rename(id, alice.end_user, { title: "  Slack alerts for deploys  " });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.thread).toMatchObject({ id, userId: "alice", title: "Slack alerts for deploys" });
    expect(body).toMatchObject({
      handoffActive: false,
      holder: { kind: "orchestrator", agentId: "orchestrator" },
    });
    const get = await call(app, { method: "GET", url: `/v1/threads/${id}`, key: alice.end_user });
    expect(get.json()).toEqual(body);
    // 200 characters is the limit, counted after trimming.
    const longest = "x".repeat(200);
    expect((await rename(id, alice.end_user, { title: ` ${longest} ` })).statusCode).toBe(200);
    expect(await titleOf(id)).toBe(longest);
  });

  it("a bad title is 400 naming the field, and the title stays", async () => {
    const id = await newThread(alice.operator);
    const cases: Array<[unknown, RegExp]> = [
      [{ title: "" }, /^title: must not be empty$/],
      [{ title: "   " }, /^title: must not be empty$/],
      [{ title: "x".repeat(201) }, /^title: must be at most 200 characters$/],
      [{ title: "two\nlines" }, /^title: must not contain control characters$/],
      [{ title: "bell\u0007" }, /^title: must not contain control characters$/],
      [{ title: 42 }, /^title: must be a string$/],
      [{}, /^title: is required$/],
    ];
    for (const [body, message] of cases) {
      const res = await rename(id, alice.operator, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toMatchObject({ code: "INVALID_INPUT", field: "title" });
      expect(res.json().error.message).toMatch(message);
    }
    const extra = await rename(id, alice.operator, { title: "ok", owner: "bob" });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.field).toBe("owner");
    expect(await titleOf(id)).toBe("First title");
  });

  it("another tenant cannot rename the thread, even with the same id and user id: 404, nothing changes", async () => {
    const id = await newThread(alice.admin);
    const res = await rename(id, globex.admin, { title: "Taken over" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: "THREAD_NOT_FOUND", message: "Thread not found" } });
    expect(await titleOf(id)).toBe("First title");
  });

  it("only the owner writes: an end user sees 404 for another's thread, a tenant-wide reader 403, a viewer 403", async () => {
    const id = await newThread(alice.end_user);
    const endUser = await rename(id, bob.end_user, { title: "Mine now" });
    expect(endUser.statusCode).toBe(404);
    expect(endUser.json().error.code).toBe("THREAD_NOT_FOUND");
    const admin = await rename(id, bob.admin, { title: "Mine now" });
    expect(admin.statusCode).toBe(403);
    expect(admin.json().error.code).toBe("PERMISSION_DENIED");
    // Viewers and auditors may not rename at all (the operation's policy), owner or not.
    for (const key of [alice.viewer, alice.auditor]) {
      const res = await rename(id, key, { title: "Mine now" });
      expect(res.statusCode).toBe(403);
    }
    expect(await titleOf(id)).toBe("First title");
  });
});
