/**
 * A2AClient against misbehaving agents, each a real node:http server on loopback: every failure
 * surfaces as a typed error, on time, without hangs or unhandled rejections.
 */
import type { ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent } from "../../../src/a2a/client/types.js";
import { AbortedError, AgentError } from "../../../src/errors.js";
import {
  a2aCardJson,
  cardFor,
  closedPort,
  collect,
  deferred,
  expectNoUnhandledRejections,
  jsonResponse,
  rejectionOf,
  sseFrame,
  sseHead,
  startFaultServer,
  startHttpServer,
  type FaultServer,
} from "../../helpers/a2a.js";
import { LOOPBACK } from "../../helpers/network.js";

expectNoUnhandledRejections();

const completedTask = (id: unknown) => ({
  jsonrpc: "2.0",
  id,
  result: { task: { id: "t1", contextId: "c1", status: { state: "TASK_STATE_COMPLETED" } } },
});

const taskFrame = (id: unknown) => ({
  jsonrpc: "2.0",
  id,
  result: { task: { id: "t1", contextId: "c1", status: { state: "TASK_STATE_SUBMITTED" } } },
});

const servers: { close(): Promise<void> }[] = [];
async function track<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const started = await server;
  servers.push(started);
  return started;
}

let client: A2AClient;
beforeAll(() => {
  client = new A2AClient({ network: LOOPBACK });
});
afterAll(async () => {
  await client.close();
  await Promise.all(servers.map((server) => server.close()));
});

describe("transport failures", () => {
  it("connection refused -> AGENT_UNAVAILABLE", async () => {
    const card = cardFor(`http://127.0.0.1:${await closedPort()}`);
    const error = await rejectionOf(client.sendMessage(card, { text: "hi" }));
    expect(error).toBeInstanceOf(AgentError);
    expect(error.code).toBe("AGENT_UNAVAILABLE");
  });

  it("a hanging agent -> AGENT_TIMEOUT, returned on time", async () => {
    const hung: ServerResponse[] = [];
    const server = await track(startFaultServer((_rpc, _request, response) => void hung.push(response)));
    await client.getAgentCard(server.card);
    const timeoutMs = 300;
    const started = performance.now();
    const error = await rejectionOf(client.sendMessage(server.card, { text: "hi" }, { timeoutMs }));
    const elapsed = performance.now() - started;
    expect(error.code).toBe("AGENT_TIMEOUT");
    expect(error.context?.timeoutMs).toBe(timeoutMs);
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(elapsed).toBeLessThan(timeoutMs + 200);
  });

  it("HTTP 500 -> AGENT_UNAVAILABLE with httpStatus", async () => {
    const server = await track(
      startFaultServer((_rpc, _request, response) => jsonResponse(response, "oops", 500)),
    );
    const error = await rejectionOf(client.sendMessage(server.card, { text: "hi" }));
    expect(error.code).toBe("AGENT_UNAVAILABLE");
    expect(error.context?.httpStatus).toBe(500);
  });

  it("HTTP 404 on the JSON-RPC URL -> AGENT_UNAVAILABLE with httpStatus", async () => {
    const server = await track(
      startFaultServer((_rpc, _request, response) => jsonResponse(response, {}, 404)),
    );
    const error = await rejectionOf(client.sendMessage(server.card, { text: "hi" }));
    expect(error.code).toBe("AGENT_UNAVAILABLE");
    expect(error.context?.httpStatus).toBe(404);
  });

  it("a caller abort -> ABORTED (AbortedError), promptly", async () => {
    const server = await track(startFaultServer(() => undefined));
    await client.getAgentCard(server.card);
    const controller = new AbortController();
    const pending = client.sendMessage(server.card, { text: "hi" }, { signal: controller.signal });
    controller.abort();
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.code).toBe("ABORTED");
  });

  it("an already-aborted signal -> ABORTED without a request", async () => {
    const server = await track(startFaultServer(() => undefined));
    const error = await rejectionOf(
      client.sendMessage(server.card, { text: "hi" }, { signal: AbortSignal.abort() }),
    );
    expect(error.code).toBe("ABORTED");
    expect(server.cardFetches).toBe(0);
  });
});

describe("protocol failures", () => {
  it("malformed JSON -> AGENT_PROTOCOL_ERROR", async () => {
    const server = await track(
      startFaultServer((_rpc, _request, response) => jsonResponse(response, "{not json")),
    );
    const error = await rejectionOf(client.sendMessage(server.card, { text: "hi" }));
    expect(error.code).toBe("AGENT_PROTOCOL_ERROR");
  });

  it("a JSON-RPC error -> AGENT_PROTOCOL_ERROR with rpcCode and the agent's message", async () => {
    const server = await track(
      startFaultServer((rpc, _request, response) =>
        jsonResponse(response, {
          jsonrpc: "2.0",
          id: rpc.id,
          error: { code: -32004, message: "Unsupported operation here" },
        }),
      ),
    );
    const error = await rejectionOf(client.sendMessage(server.card, { text: "hi" }));
    expect(error.code).toBe("AGENT_PROTOCOL_ERROR");
    expect(error.context?.rpcCode).toBe(-32004);
    expect(error.message).toContain("Unsupported operation here");
  });

  it("a wrong jsonrpc version or a missing result -> AGENT_PROTOCOL_ERROR", async () => {
    const server = await track(
      startFaultServer((rpc, _request, response) =>
        jsonResponse(
          response,
          rpc.params &&
            (rpc.params as { message: { parts: { text: string }[] } }).message.parts[0]?.text === "v1"
            ? { jsonrpc: "1.0", id: rpc.id, result: {} }
            : { jsonrpc: "2.0", id: rpc.id },
        ),
      ),
    );
    expect((await rejectionOf(client.sendMessage(server.card, { text: "v1" }))).code).toBe(
      "AGENT_PROTOCOL_ERROR",
    );
    expect((await rejectionOf(client.sendMessage(server.card, { text: "none" }))).code).toBe(
      "AGENT_PROTOCOL_ERROR",
    );
  });

  it("an unknown result shape -> AGENT_PROTOCOL_ERROR", async () => {
    const server = await track(
      startFaultServer((rpc, _request, response) =>
        jsonResponse(response, { jsonrpc: "2.0", id: rpc.id, result: { surprise: 1 } }),
      ),
    );
    expect((await rejectionOf(client.sendMessage(server.card, { text: "hi" }))).code).toBe(
      "AGENT_PROTOCOL_ERROR",
    );
  });

  it("an oversized body -> AGENT_RESPONSE_TOO_LARGE (with and without content-length)", async () => {
    const small = new A2AClient({ network: LOOPBACK, maxResponseBytes: 2_048 });
    const server = await track(
      startFaultServer((rpc, _request, response) => {
        const body = JSON.stringify({ ...completedTask(rpc.id), padding: "x".repeat(50_000) });
        if ((rpc.params as { message: { parts: { text: string }[] } }).message.parts[0]?.text === "chunked") {
          response.writeHead(200, { "content-type": "application/json" });
          response.write(body.slice(0, 25_000));
          response.end(body.slice(25_000));
        } else {
          jsonResponse(response, body);
        }
      }),
    );
    try {
      expect((await rejectionOf(small.sendMessage(server.card, { text: "sized" }))).code).toBe(
        "AGENT_RESPONSE_TOO_LARGE",
      );
      expect((await rejectionOf(small.sendMessage(server.card, { text: "chunked" }))).code).toBe(
        "AGENT_RESPONSE_TOO_LARGE",
      );
      // The default limit takes the same response in stride.
      expect((await client.sendMessage(server.card, { text: "sized" })).state).toBe("TASK_STATE_COMPLETED");
    } finally {
      await small.close();
    }
  });
});

describe("A2A card failures and caching", () => {
  it("a missing card (404) -> AGENT_CARD_INVALID", async () => {
    const server = await track(
      startHttpServer((_request, response) => {
        response.writeHead(404);
        response.end();
      }),
    );
    const error = await rejectionOf(client.sendMessage(cardFor(server.url), { text: "hi" }));
    expect(error.code).toBe("AGENT_CARD_INVALID");
    expect(error.context?.httpStatus).toBe(404);
  });

  it.each([
    ["not JSON", () => "<html>"],
    [
      "no interface this client speaks",
      (rpcUrl: string) =>
        a2aCardJson(rpcUrl, {
          supportedInterfaces: [
            { url: rpcUrl, protocolBinding: "JSONRPC", protocolVersion: "0.2" },
            { url: rpcUrl, protocolBinding: "WEBSOCKET", protocolVersion: "1.0" },
            { url: "localhost:1", protocolBinding: "GRPC", protocolVersion: "0.3" },
          ],
        }),
    ],
    ["no interfaces", () => ({ name: "x" })],
    ["a non-http interface URL", () => a2aCardJson("ftp://example.com/rpc")],
  ])("an invalid card (%s) -> AGENT_CARD_INVALID", async (_label, card) => {
    const server = await track(startFaultServer(() => undefined, { card }));
    const error = await rejectionOf(client.getAgentCard(server.card));
    expect(error.code).toBe("AGENT_CARD_INVALID");
  });

  it("a card whose endpoint answers 5xx -> AGENT_UNAVAILABLE", async () => {
    const server = await track(
      startHttpServer((_request, response) => {
        response.writeHead(503);
        response.end();
      }),
    );
    const error = await rejectionOf(client.getAgentCard(cardFor(server.url)));
    expect(error.code).toBe("AGENT_UNAVAILABLE");
    expect(error.context?.httpStatus).toBe(503);
  });

  it("concurrent callers share one card fetch, and calls reuse it", async () => {
    const fresh = new A2AClient({ network: LOOPBACK });
    const server = await track(
      startFaultServer((rpc, _request, response) => jsonResponse(response, completedTask(rpc.id))),
    );
    try {
      const cards = await Promise.all(Array.from({ length: 8 }, () => fresh.getAgentCard(server.card)));
      expect(new Set(cards).size).toBe(1);
      await fresh.sendMessage(server.card, { text: "a" });
      await fresh.sendMessage(server.card, { text: "b" });
      expect(server.cardFetches).toBe(1);
      expect(await fresh.supportsExtension(server.card, "urn:omniforge:handoff:v1")).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  describe("with a controlled clock", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("refetches the card after cardTtlMs", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const fresh = new A2AClient({ network: LOOPBACK, cardTtlMs: 60_000 });
      const server = await track(startFaultServer(() => undefined));
      try {
        await fresh.getAgentCard(server.card);
        vi.setSystemTime(Date.now() + 59_000);
        await fresh.getAgentCard(server.card);
        expect(server.cardFetches).toBe(1);
        vi.setSystemTime(Date.now() + 2_000);
        await fresh.getAgentCard(server.card);
        expect(server.cardFetches).toBe(2);
      } finally {
        await fresh.close();
      }
    });
  });
});

describe("stream failures", () => {
  let server: FaultServer;
  const open = new Map<string, ServerResponse>();
  const closed = new Map<string, Promise<void>>();

  beforeAll(async () => {
    server = await track(
      startFaultServer((rpc, _request, response) => {
        const text = (rpc.params as { message: { parts: { text: string }[] } }).message.parts[0]?.text ?? "";
        const wasClosed = deferred();
        response.on("close", () => wasClosed.resolve());
        closed.set(text, wasClosed.promise);
        open.set(text, response);
        switch (text) {
          case "error-frame":
            sseHead(response);
            sseFrame(response, taskFrame(rpc.id));
            response.end(
              `event: error\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: rpc.id, error: { code: -32603, message: "exploded" } })}\n\n`,
            );
            return;
          case "malformed-frame":
            sseHead(response);
            response.end("data: {oops\n\n");
            return;
          case "unknown-event":
            sseHead(response);
            sseFrame(response, { jsonrpc: "2.0", id: rpc.id, result: { mystery: {} } });
            response.end();
            return;
          case "rpc-error-json":
            jsonResponse(response, {
              jsonrpc: "2.0",
              id: rpc.id,
              error: { code: -32009, message: "version" },
            });
            return;
          case "huge-frame":
            sseHead(response);
            sseFrame(response, { ...taskFrame(rpc.id), padding: "x".repeat(10_000) });
            response.end();
            return;
          case "no-terminal":
            sseHead(response);
            sseFrame(response, taskFrame(rpc.id));
            response.end();
            return;
          default:
            // "drop", "endless", "timeout": one frame, then the test decides.
            sseHead(response);
            sseFrame(response, taskFrame(rpc.id));
        }
      }),
    );
  });

  it("a connection dropped mid-stream -> AGENT_UNAVAILABLE from the generator", async () => {
    const events: A2AStreamEvent[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const event of client.sendStreamingMessage(server.card, { text: "drop" })) {
          events.push(event);
          open.get("drop")?.socket?.destroy();
        }
      })(),
    );
    expect(events.map((event) => event.type)).toEqual(["task"]);
    expect(error.code).toBe("AGENT_UNAVAILABLE");
  });

  it("a JSON-RPC error frame -> AGENT_PROTOCOL_ERROR with rpcCode", async () => {
    const error = await rejectionOf(
      collect(client.sendStreamingMessage(server.card, { text: "error-frame" })),
    );
    expect(error.code).toBe("AGENT_PROTOCOL_ERROR");
    expect(error.context?.rpcCode).toBe(-32603);
    expect(error.message).toContain("exploded");
  });

  it("a JSON-RPC error answered as plain JSON -> AGENT_PROTOCOL_ERROR with rpcCode", async () => {
    const error = await rejectionOf(
      collect(client.sendStreamingMessage(server.card, { text: "rpc-error-json" })),
    );
    expect(error.code).toBe("AGENT_PROTOCOL_ERROR");
    expect(error.context?.rpcCode).toBe(-32009);
  });

  it("a malformed frame or an unknown event shape -> AGENT_PROTOCOL_ERROR", async () => {
    expect(
      (await rejectionOf(collect(client.sendStreamingMessage(server.card, { text: "malformed-frame" }))))
        .code,
    ).toBe("AGENT_PROTOCOL_ERROR");
    expect(
      (await rejectionOf(collect(client.sendStreamingMessage(server.card, { text: "unknown-event" })))).code,
    ).toBe("AGENT_PROTOCOL_ERROR");
  });

  it("an oversized frame -> AGENT_RESPONSE_TOO_LARGE", async () => {
    const small = new A2AClient({ network: LOOPBACK, maxResponseBytes: 4_096 });
    try {
      const error = await rejectionOf(
        collect(small.sendStreamingMessage(server.card, { text: "huge-frame" })),
      );
      expect(error.code).toBe("AGENT_RESPONSE_TOO_LARGE");
    } finally {
      await small.close();
    }
  });

  it("a task resumed again and again delivers at most maxReplyBytes in all -> AGENT_RESPONSE_TOO_LARGE, the task cancelled", async () => {
    // Each request stays under the limit (6,000 of 10,000 bytes); the turn's total does not.
    const methods: string[] = [];
    let artifacts = 0;
    const flooding = await track(
      startFaultServer((rpc, _request, response) => {
        methods.push(rpc.method);
        const working = { id: "t1", contextId: "c1", status: { state: "TASK_STATE_WORKING" } };
        if (rpc.method === "CancelTask" || rpc.method === "GetTask") {
          jsonResponse(response, { jsonrpc: "2.0", id: rpc.id, result: working });
          return;
        }
        sseHead(response);
        sseFrame(response, { jsonrpc: "2.0", id: rpc.id, result: { task: working } });
        sseFrame(response, {
          jsonrpc: "2.0",
          id: rpc.id,
          result: {
            artifactUpdate: {
              taskId: "t1",
              contextId: "c1",
              artifact: { artifactId: `a${artifacts++}`, parts: [{ text: "x".repeat(6_000) }] },
            },
          },
        });
        response.end();
      }),
    );
    const small = new A2AClient({ network: LOOPBACK, maxReplyBytes: 10_000 });
    try {
      const error = await rejectionOf(
        collect(small.sendStreamingMessage(flooding.card, { text: "flood" }, { timeoutMs: 3_000 })),
      );
      expect(error.code).toBe("AGENT_RESPONSE_TOO_LARGE");
      expect(methods.slice(0, 2)).toEqual(["SendStreamingMessage", "SubscribeToTask"]);
      await vi.waitFor(() => expect(methods).toContain("CancelTask"));
    } finally {
      await small.close();
    }
  });

  it("polled snapshots count whole (ids too, in UTF-8 bytes): a huge contextId per poll -> AGENT_RESPONSE_TOO_LARGE", async () => {
    let polls = 0;
    const agent = await track(
      startFaultServer((rpc, _request, response) => {
        const working = (contextId: string) => ({
          id: "t1",
          contextId,
          status: { state: "TASK_STATE_WORKING" },
        });
        if (rpc.method === "SendStreamingMessage") {
          sseHead(response);
          sseFrame(response, { jsonrpc: "2.0", id: rpc.id, result: { task: working("c") } });
          response.end();
        } else if (rpc.method === "GetTask") {
          polls += 1;
          // 3-byte characters: 2,000 of them are 6,000 bytes.
          jsonResponse(response, {
            jsonrpc: "2.0",
            id: rpc.id,
            result: working("\u0800".repeat(2_000) + polls),
          });
        } else if (rpc.method === "CancelTask") {
          jsonResponse(response, { jsonrpc: "2.0", id: rpc.id, result: working("c") });
        } else {
          jsonResponse(response, {
            jsonrpc: "2.0",
            id: rpc.id,
            error: { code: -32004, message: "unsupported" },
          });
        }
      }),
    );
    const small = new A2AClient({ network: LOOPBACK, maxReplyBytes: 10_000 });
    try {
      const error = await rejectionOf(
        collect(small.sendStreamingMessage(agent.card, { text: "poll me" }, { timeoutMs: 3_000 })),
      );
      expect(error.code).toBe("AGENT_RESPONSE_TOO_LARGE");
      expect(polls).toBe(2);
    } finally {
      await small.close();
    }
  });

  it("a refusal met while resuming is the answer: AGENT_UNAVAILABLE with its httpStatus, no polling", async () => {
    const methods: string[] = [];
    const agent = await track(
      startFaultServer((rpc, _request, response) => {
        methods.push(rpc.method);
        if (rpc.method === "SendStreamingMessage") {
          sseHead(response);
          sseFrame(response, {
            jsonrpc: "2.0",
            id: rpc.id,
            result: { task: { id: "t1", contextId: "c", status: { state: "TASK_STATE_WORKING" } } },
          });
          response.end();
          return;
        }
        jsonResponse(
          response,
          { jsonrpc: "2.0", id: rpc.id, error: { code: -32001, message: "token expired" } },
          401,
        );
      }),
    );
    const error = await rejectionOf(collect(client.sendStreamingMessage(agent.card, { text: "hi" })));
    expect([error.code, error.context?.httpStatus]).toEqual(["AGENT_UNAVAILABLE", 401]);
    expect(methods).toEqual(["SendStreamingMessage", "SubscribeToTask"]);
  });

  it("data nested deeper than 256 levels -> AGENT_PROTOCOL_ERROR, unary and streamed", async () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 1_000; i++) deep = { d: deep };
    const message = { messageId: "m", role: "ROLE_AGENT", parts: [{ data: deep }] };
    const agent = await track(
      startFaultServer((rpc, _request, response) => {
        if (rpc.method === "SendStreamingMessage") {
          sseHead(response);
          sseFrame(response, { jsonrpc: "2.0", id: rpc.id, result: { message } });
          response.end();
        } else {
          jsonResponse(response, { jsonrpc: "2.0", id: rpc.id, result: { message } });
        }
      }),
    );
    const unary = await rejectionOf(client.sendMessage(agent.card, { text: "hi" }));
    expect([unary.code, unary.message]).toEqual([
      "AGENT_PROTOCOL_ERROR",
      expect.stringContaining("256 levels"),
    ]);
    const streamed = await rejectionOf(collect(client.sendStreamingMessage(agent.card, { text: "hi" })));
    expect(streamed.code).toBe("AGENT_PROTOCOL_ERROR");
  });

  it("an agent that echoes the credential it got into its error does not get it into ours", async () => {
    const token = "tok-0123456789-secret";
    const agent = await track(
      startFaultServer((rpc, request, response) => {
        jsonResponse(
          response,
          {
            jsonrpc: "2.0",
            id: rpc.id,
            error: { code: -32603, message: `bad ${request.headers.authorization}` },
          },
          500,
        );
      }),
    );
    const card = {
      ...agent.card,
      service: { ...agent.card.service!, auth: { type: "bearer" as const, token } },
    };
    const error = await rejectionOf(client.sendMessage(card, { text: "hi" }));
    expect(error.code).toBe("AGENT_UNAVAILABLE");
    expect(error.message).toContain("bad Bearer [REDACTED]");
    expect(`${error.message}${error.stack}`).not.toContain(token);
  });

  it("a stream the agent closes before its task ends, on an agent that cannot be asked about the task, simply ends", async () => {
    const events = await collect(client.sendStreamingMessage(server.card, { text: "no-terminal" }));
    expect(events).toEqual([{ type: "task", taskId: "t1", contextId: "c1", state: "TASK_STATE_SUBMITTED" }]);
  });

  it("a stream that never ends is stopped by the caller's abort", async () => {
    const controller = new AbortController();
    const events: A2AStreamEvent[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const event of client.sendStreamingMessage(
          server.card,
          { text: "endless" },
          { signal: controller.signal },
        )) {
          events.push(event);
          controller.abort();
        }
      })(),
    );
    expect(events).toHaveLength(1);
    expect(error.code).toBe("ABORTED");
    await closed.get("endless");
  });

  it("a stream that never ends is bounded by timeoutMs", async () => {
    const timeoutMs = 300;
    const started = performance.now();
    const error = await rejectionOf(
      collect(client.sendStreamingMessage(server.card, { text: "timeout" }, { timeoutMs })),
    );
    const elapsed = performance.now() - started;
    expect(error.code).toBe("AGENT_TIMEOUT");
    expect(elapsed).toBeLessThan(timeoutMs + 200);
    await closed.get("timeout");
  });

  it("breaking out of the loop closes the HTTP stream (the server sees the connection close)", async () => {
    for await (const event of client.sendStreamingMessage(server.card, { text: "early-break" })) {
      expect(event.type).toBe("task");
      break;
    }
    await closed.get("early-break");
    expect(open.get("early-break")?.writableEnded).toBe(false);
  });
});

describe("lifecycle", () => {
  it("close() aborts in-flight calls with ABORTED, is idempotent, and refuses later calls", async () => {
    const local = new A2AClient({ network: LOOPBACK });
    const server = await track(startFaultServer(() => undefined));
    await local.getAgentCard(server.card);
    const pending = rejectionOf(local.sendMessage(server.card, { text: "hi" }));
    const streamed = rejectionOf(local.sendStreamingMessage(server.card, { text: "hi" }).next());
    await Promise.all([local.close(), local.close()]);
    expect((await pending).code).toBe("ABORTED");
    expect((await streamed).code).toBe("ABORTED");
    expect((await rejectionOf(local.sendMessage(server.card, { text: "again" }))).code).toBe("ABORTED");
  });

  it("supports await using", async () => {
    const server = await track(
      startFaultServer((rpc, _request, response) => jsonResponse(response, completedTask(rpc.id))),
    );
    {
      await using scoped = new A2AClient({ network: LOOPBACK });
      expect((await scoped.sendMessage(server.card, { text: "hi" })).kind).toBe("task");
    }
  });

  it("rejects bad input and configuration with named fields", async () => {
    expect(() => new A2AClient({ network: LOOPBACK, maxResponseBytes: -1 })).toThrow(/maxResponseBytes/);
    const server = await track(startFaultServer(() => undefined));
    expect((await rejectionOf(client.sendMessage(server.card, {}))).code).toBe("INVALID_INPUT");
    expect((await rejectionOf(client.sendMessage(server.card, { text: "x" }, { timeoutMs: 0 }))).code).toBe(
      "INVALID_INPUT",
    );
    expect(
      (await rejectionOf(client.sendMessage({ identity: { id: "x", name: "x" } }, { text: "x" }))).code,
    ).toBe("INVALID_INPUT");
  });
});
