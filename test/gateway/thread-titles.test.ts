/**
 * One rule for a thread title, whether given by POST /v1/threads or PATCH /v1/threads/:threadId:
 * trimmed, 1-200 characters, no control characters, no bidi override or isolate. A bad one is 400
 * naming the field; titles stored before the rule are left as they are.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { createGateway } from "../../src/gateway/index.js";
import { Database } from "../../src/storage/database.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { bearer, call, createRoleKeys, type RoleKeys } from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";

const BAD_TITLES: Array<[string, RegExp]> = [
  ["a\u0000b\u001b[31mRED", /^title: must not contain control characters$/],
  ["bell\u0007", /^title: must not contain control characters$/],
  ["c1\u009b", /^title: must not contain control characters$/],
  ["two\nlines", /^title: must not contain control characters$/],
  ["x".repeat(201), /^title: must be at most 200 characters$/],
  ["x".repeat(500), /^title: must be at most 200 characters$/],
  ["", /^title: must not be empty$/],
  ["   ", /^title: must not be empty$/],
  ...["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"].map(
    (bidi): [string, RegExp] => [
      `invoice${bidi}fdp.exe`,
      /^title: must not contain bidi override or isolate characters \(U\+202A-202E, U\+2066-2069\)$/,
    ],
  ),
];

describe("thread titles [sqlite-file]", () => {
  let database: Database;
  let client: A2AClient;
  let app: FastifyInstance;
  let keys: RoleKeys;

  beforeAll(async () => {
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    app = createGateway({ database, a2aClient: client });
    await app.ready();
    keys = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
  });
  afterAll(async () => {
    await app?.close();
    await client?.close();
    await database?.close();
  });

  const create = (body: object) => call(app, { method: "POST", url: "/v1/threads", key: keys.admin, body });
  const rename = (threadId: string, body: object) =>
    app.inject({
      method: "PATCH",
      url: `/v1/threads/${threadId}`,
      headers: bearer(keys.admin),
      payload: body,
    });
  const titleOf = async (threadId: string) =>
    (await call(app, { method: "GET", url: `/v1/threads/${threadId}`, key: keys.admin })).json().thread.title;

  it("POST and PATCH refuse the same bad titles with the same 400 naming the field", async () => {
    const existing = (await create({ title: "Kept" })).json().id as string;
    for (const [title, message] of BAD_TITLES) {
      for (const res of [await create({ title }), await rename(existing, { title })]) {
        expect(res.statusCode, JSON.stringify(title)).toBe(400);
        expect(res.json().error).toMatchObject({ code: "INVALID_INPUT", field: "title" });
        expect(res.json().error.message).toMatch(message);
      }
    }
    expect(await titleOf(existing)).toBe("Kept");
    // Nothing was created by the refused POSTs.
    const list = await call(app, { method: "GET", url: "/v1/threads", key: keys.admin });
    expect(list.json().threads.map((t: { title: string }) => t.title)).toEqual(["Kept"]);
  });

  it("POST and PATCH accept the same good titles, trimmed, up to 200 characters", async () => {
    const longest = "é".repeat(200);
    const created = await create({ title: `  ${longest}  ` });
    expect(created.statusCode).toBe(201);
    expect(created.json().title).toBe(longest);
    const id = created.json().id as string;
    // Other right-to-left text and marks that do not override are fine: "שלום" with a tab-free emoji.
    const renamed = await rename(id, { title: "  שלום 👋 café  " });
    expect(renamed.statusCode).toBe(200);
    expect(await titleOf(id)).toBe("שלום 👋 café");
    // No title at all: the thread is untitled.
    const untitled = await create({});
    expect(untitled.statusCode).toBe(201);
    expect(untitled.json().title).toBe("");
  });

  it("a title stored before the rule is left as it is and still read", async () => {
    const repo = new SqlConversationRepository(database);
    const old = "legacy\u202e".padEnd(450, "x");
    const thread = await repo.createConversation({ tenantId: "acme", userId: "alice", title: old });
    expect(await titleOf(thread.id)).toBe(old);
    const list = await call(app, { method: "GET", url: "/v1/threads?limit=100", key: keys.admin });
    expect(list.json().threads.map((t: { title: string }) => t.title)).toContain(old);
  });
});
