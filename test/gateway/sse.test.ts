/**
 * The SSE stream over a real socket: frames arrive as the agent produces them, in order, and a
 * client that disconnects mid-stream stops the agent.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { startGateway, type RunningGateway } from "../../src/gateway/index.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { bearer, createGate, createRoleKeys, type RoleKeys } from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";

interface Frame {
  type: string;
  data: Record<string, unknown>;
  at: number;
}

/** Reads SSE frames from a live response as they arrive. */
class FrameReader {
  readonly frames: Frame[] = [];
  comments = 0;
  ended = false;
  #buffer = "";
  #waiters: Array<() => void> = [];

  constructor(response: http.IncomingMessage) {
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => {
      this.#buffer += chunk;
      let index: number;
      while ((index = this.#buffer.indexOf("\n\n")) !== -1) {
        const block = this.#buffer.slice(0, index);
        this.#buffer = this.#buffer.slice(index + 2);
        if (block.startsWith(":")) this.comments++;
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data)
          this.frames.push({ type, data: JSON.parse(data) as Record<string, unknown>, at: Date.now() });
      }
      this.#wake();
    });
    response.on("end", () => {
      this.ended = true;
      this.#wake();
    });
  }

  /** Resolves once `condition` holds (checked on every arrival). */
  async until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

function openStream(options: {
  url: string;
  key: string;
  body: unknown;
}): Promise<{ request: http.ClientRequest; response: http.IncomingMessage; reader: FrameReader }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(options.body);
    const request = http.request(options.url, {
      method: "POST",
      headers: {
        ...bearer(options.key),
        accept: "text/event-stream",
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
      },
    });
    request.on("response", (response) => resolve({ request, response, reader: new FrameReader(response) }));
    request.on("error", reject);
    request.end(payload);
  });
}

describe("SSE over a real socket", () => {
  let database: Database;
  let client: A2AClient;
  let gateway: RunningGateway;
  let keys: RoleKeys;
  let gated: RecordingAgent;
  let hanging: RecordingAgent;
  const gate = createGate();
  let gatedFinishedAt = 0;

  beforeAll(async () => {
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    gated = await startAgent({
      id: "gated-agent",
      async *handle(ctx) {
        yield "first chunk";
        await gate.wait(ctx.signal);
        yield " second chunk";
        gatedFinishedAt = Date.now();
      },
    });
    hanging = await startAgent({
      id: "hanging-agent",
      async *handle(ctx) {
        yield "partial answer";
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
      },
    });
    gateway = await startGateway({
      database,
      a2aClient: client,
      agents: [gated.card, hanging.card],
      defaultAgentIds: ["gated-agent"],
      sseHeartbeatMs: 50,
      port: 0,
    });
    keys = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([gated?.close(), hanging?.close()]);
    await client?.close();
    await database?.close();
  });

  const newThread = async () => {
    const res = await fetch(`${gateway.url}/v1/threads`, {
      method: "POST",
      headers: { ...bearer(keys.operator), "content-type": "application/json" },
      body: "{}",
    });
    return ((await res.json()) as { id: string }).id;
  };

  it("listens on an OS-chosen loopback port", () => {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("streams route -> chunk... -> done, each chunk as the agent produces it", async () => {
    const threadId = await newThread();
    const { response, reader } = await openStream({
      url: `${gateway.url}/v1/threads/${threadId}/messages`,
      key: keys.operator,
      body: { message: "stream it" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/event-stream; charset=utf-8");

    // The first chunk is here while the agent is still blocked on its gate.
    await reader.until(() => reader.frames.some((f) => f.type === "chunk"));
    expect(gatedFinishedAt).toBe(0);
    expect(reader.ended).toBe(false);
    const firstChunkAt = reader.frames.find((f) => f.type === "chunk")!.at;

    await gate.open();
    await reader.until(() => reader.ended);
    expect(reader.frames.map((f) => f.type)).toEqual(["route", "chunk", "chunk", "done"]);
    expect(reader.frames[0]!.data).toMatchObject({ target: "orchestrator", agentId: "gated-agent" });
    expect(reader.frames.slice(1, 3).map((f) => f.data.text)).toEqual(["first chunk", " second chunk"]);
    expect(reader.frames[3]!.data).toMatchObject({
      agentId: "gated-agent",
      text: "first chunk second chunk",
    });
    expect(firstChunkAt).toBeLessThanOrEqual(gatedFinishedAt);
  });

  it("closing the client mid-stream aborts the agent (its handler signal fires)", async () => {
    const threadId = await newThread();
    const { request, reader } = await openStream({
      url: `${gateway.url}/v1/threads/${threadId}/messages`,
      key: keys.operator,
      body: { message: "hang" },
    });
    await reader.until(() => reader.frames.some((f) => f.type === "chunk"));
    // The gated agent is now blocked on its gate (and nothing aborted it before): drop the
    // connection instead of releasing the gate. A heartbeat came through while it waited.
    expect(gated.wasAborted()).toBe(false);
    await reader.until(() => gate.waiting === 1 && reader.comments > 0);
    request.destroy();
    await withTimeout(gated.aborted, 5_000, "the agent's signal never fired");
    expect(gated.wasAborted()).toBe(true);
    expect(reader.frames.map((f) => f.type)).not.toContain("done");

    // The aborted turn is audited as cancelled, and what the client saw is stored with a note.
    await expectEventually(async () => {
      const res = await fetch(`${gateway.url}/v1/threads/${threadId}/delegations`, {
        headers: bearer(keys.viewer),
      });
      const records = ((await res.json()) as { records: Array<Record<string, unknown>> }).records;
      expect(records).toEqual([
        expect.objectContaining({
          kind: "routed_turn",
          outcome: "cancelled",
          success: false,
          errorCode: "ABORTED",
        }),
      ]);
    });
    const messages = await fetch(`${gateway.url}/v1/threads/${threadId}/messages`, {
      headers: bearer(keys.viewer),
    });
    const stored = (
      (await messages.json()) as { messages: Array<{ role: string; content: string; metadata: unknown }> }
    ).messages;
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(stored[1]).toMatchObject({
      content: "first chunk\n\n[Reply cut off: the reader went away before it ended.]",
      metadata: { interrupted: "ABORTED" },
    });
  });

  it("a turn that fails before streaming answers with a real HTTP status, not an event stream", async () => {
    const res = await fetch(`${gateway.url}/v1/threads/00000000-0000-4000-8000-000000000000/messages`, {
      method: "POST",
      headers: { ...bearer(keys.operator), "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ message: "hi" }),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
  });

  it("close() ends open streams and frees the port", async () => {
    const database2 = new Database("sqlite::memory:");
    await database2.initialize();
    const keys2 = await createRoleKeys({ database: database2, tenantId: "t", userId: "u" });
    const local = await startGateway({
      database: database2,
      a2aClient: client,
      agents: [hanging.card],
      port: 0,
    });
    const created = await fetch(`${local.url}/v1/threads`, {
      method: "POST",
      headers: { ...bearer(keys2.admin), "content-type": "application/json" },
      body: "{}",
    });
    const threadId = ((await created.json()) as { id: string }).id;
    const { reader } = await openStream({
      url: `${local.url}/v1/threads/${threadId}/messages`,
      key: keys2.admin,
      body: { message: "hang forever" },
    });
    await reader.until(() => reader.frames.some((f) => f.type === "chunk"));
    await withTimeout(local.close(), 5_000, "close() hung on an open stream");
    await withTimeout(hanging.aborted, 5_000, "the agent was not aborted on close");
    await expect(fetch(`${local.url}/healthz`)).rejects.toThrow();
    await local.close(); // idempotent
    await database2.close();
  });
});

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectEventually(assertion: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
