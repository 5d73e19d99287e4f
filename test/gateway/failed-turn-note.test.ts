/**
 * A turn whose agent fails before its first chunk leaves a system note in the thread ("The agent
 * could not answer: CODE"), so a reload shows what the live error showed; only the code is kept,
 * never the agent's error text. A reply cut off after its first chunk keeps its own note instead.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../../src/gateway/index.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { call, createRoleKeys, parseSse, type RoleKeys } from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";
import { TEST_SECRETS } from "../helpers/secrets.js";

type Json = Record<string, unknown>;

describe("a failed turn's note [sqlite-file]", () => {
  let database: Database;
  let failing: RecordingAgent;
  let app: FastifyInstance;
  let keys: RoleKeys;

  beforeAll(async () => {
    failing = await startAgent({ id: "failing", fail: "secret-ish agent words \u001b[2J" });
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    app = createGateway({ database, secrets: TEST_SECRETS, network: LOOPBACK, agents: [failing.card] });
    await app.ready();
    keys = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    await failing?.close();
  });

  const newThread = async () =>
    (await call(app, { method: "POST", url: "/v1/threads", key: keys.end_user })).json().id as string;
  const messagesOf = async (threadId: string) =>
    (await call(app, { method: "GET", url: `/v1/threads/${threadId}/messages`, key: keys.end_user })).json()
      .messages as Json[];

  it("SSE: the error frame live, then the user's message and a system note with the code after a reload", async () => {
    const threadId = await newThread();
    const sse = await call(app, {
      method: "POST",
      url: `/v1/threads/${threadId}/messages`,
      key: keys.end_user,
      body: { message: "hello?" },
      headers: { accept: "text/event-stream" },
    });
    const frames = parseSse(sse.body);
    expect(frames.filter((f) => f.type === "chunk")).toEqual([]);
    expect(frames.at(-1)).toMatchObject({ type: "error", data: { code: "AGENT_TASK_FAILED" } });
    const messages = await messagesOf(threadId);
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "hello?"],
      ["system", "The agent could not answer: AGENT_TASK_FAILED"],
    ]);
    expect(messages[1]).toMatchObject({ agentId: "failing", metadata: { failed: "AGENT_TASK_FAILED" } });
    expect(JSON.stringify(messages)).not.toContain("secret-ish");
  });

  it("JSON: the same note after a failed turn answered with an error status", async () => {
    const threadId = await newThread();
    const res = await call(app, {
      method: "POST",
      url: `/v1/threads/${threadId}/messages`,
      key: keys.end_user,
      body: { message: "again?" },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.json().error.code).toBe("AGENT_TASK_FAILED");
    expect((await messagesOf(threadId)).map((m) => [m.role, m.content])).toEqual([
      ["user", "again?"],
      ["system", "The agent could not answer: AGENT_TASK_FAILED"],
    ]);
  });
});
