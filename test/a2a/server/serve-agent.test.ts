/**
 * serveAgent end to end with our A2AClient: the handoff extension, OmniForge metadata and chaining
 * data reaching ctx, cancellation and disconnects reaching the handler's signal, trace propagation,
 * failure reporting and shutdown.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import {
  ROOT_CONTEXT,
  context,
  trace,
  type Context,
  type ContextManager,
  type Span,
  type SpanOptions,
  type Tracer,
} from "@opentelemetry/api";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent } from "../../../src/a2a/client/types.js";
import {
  HANDOFF_EXTENSION_URI,
  findHandoffAccept,
  findHandoffReturn,
  handoffData,
  withOmniforgeMetadata,
  type HandoffCancelPayload,
  type HandoffRequestPayload,
} from "../../../src/a2a/handoff-extension.js";
import {
  serveAgent,
  type AgentMessageContext,
  type ServedAgent,
} from "../../../src/a2a/server/serve-agent.js";
import {
  collect,
  deferred,
  expectNoUnhandledRejections,
  rejectionOf,
  startHttpServer,
  cardFor,
  readRequestBody,
} from "../../helpers/a2a.js";
import { LOOPBACK } from "../../helpers/network.js";

expectNoUnhandledRejections();

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

/** A tracer whose spans carry a fixed, valid span context (no SDK needed) and which records parents. */
function fixedTracer(parents: (Context | undefined)[] = []): Tracer {
  const span = (): Span => trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
  return {
    startSpan: (_name: string, _options?: SpanOptions, parent?: Context) => {
      parents.push(parent);
      return span();
    },
    startActiveSpan: (() => {
      throw new Error("not used");
    }) as Tracer["startActiveSpan"],
  };
}

function handoffRequest(overrides: Partial<HandoffRequestPayload> = {}): HandoffRequestPayload {
  return {
    handoffId: randomUUID(),
    threadId: randomUUID(),
    tenantId: "tenant-a",
    userId: "user-1",
    sourceAgentId: "main-chatbot",
    contextSummary: "User wants a Slack alert skill",
    handoffReason: "skill_creation_workflow",
    recentMessages: [{ role: "user", content: "make me a skill" }],
    ...overrides,
  };
}

describe("serveAgent with the handoff extension", () => {
  let agent: ServedAgent;
  let client: A2AClient;
  const requests: HandoffRequestPayload[] = [];
  const cancels: HandoffCancelPayload[] = [];
  const contexts: AgentMessageContext[] = [];
  const cancelledByHandoff = deferred<string>();
  const disconnected = deferred<string>();
  const parents: (Context | undefined)[] = [];

  beforeAll(async () => {
    agent = await serveAgent({
      card: { identity: { id: "skill-agent", name: "Skill Creator", description: "Creates skills" } },
      tracer: fixedTracer(parents),
      async *handleMessage(ctx) {
        contexts.push(ctx);
        switch (ctx.text) {
          case "finish":
            yield "Skill written. ";
            ctx.returnControl({
              completionStatus: "completed",
              resultSummary: "created slack-alert",
              artifactsCreated: ["skills/slack-alert.md"],
            });
            yield "Returning you to the main assistant.";
            return;
          case "boom":
            yield "partial";
            throw new Error("boom: the workflow broke");
          case "bad-output":
            yield 42 as unknown as string;
            return;
          case "wait-handoff":
          case "wait-disconnect": {
            yield "waiting";
            await new Promise<void>((resolve) =>
              ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
            );
            (ctx.text === "wait-handoff" ? cancelledByHandoff : disconnected).resolve(ctx.taskId);
            return;
          }
          default:
            yield `echo: ${ctx.text}`;
        }
      },
      onHandoffRequest: (request) => {
        requests.push(request);
        return request.handoffReason === "too_busy"
          ? { accepted: false, rejectionReason: "queue full" }
          : { accepted: true, estimatedDurationSeconds: 120 };
      },
      onHandoffCancel: (cancel) => {
        cancels.push(cancel);
      },
    });
    client = new A2AClient({ network: LOOPBACK, tracer: fixedTracer() });
  });

  afterAll(async () => {
    await client.close();
    await agent.close();
  });

  async function acceptHandoff(request: HandoffRequestPayload) {
    return client.sendMessage(agent.card, {
      data: [handoffData.request(request)],
      contextId: request.threadId,
      metadata: withOmniforgeMetadata({
        tenantId: request.tenantId,
        userId: request.userId,
        threadId: request.threadId,
        handoffId: request.handoffId,
      }),
      extensions: [HANDOFF_EXTENSION_URI],
    });
  }

  it("declares the extension in its A2A card and its AgentCard", async () => {
    expect(await client.supportsExtension(agent.card, HANDOFF_EXTENSION_URI)).toBe(true);
    expect(agent.card.capabilities).toEqual({ streaming: true, handoff: true });
  });

  it("accepts a handoff request with a handoffAccept data part", async () => {
    const request = handoffRequest();
    const result = await acceptHandoff(request);
    expect(result.kind).toBe("message");
    expect(findHandoffAccept(result.data)).toEqual({ accepted: true, estimatedDurationSeconds: 120 });
    expect(requests.at(-1)).toEqual(request);
  });

  it("passes on the agent's refusal", async () => {
    const result = await acceptHandoff(handoffRequest({ handoffReason: "too_busy" }));
    expect(findHandoffAccept(result.data)).toEqual({ accepted: false, rejectionReason: "queue full" });
  });

  it("refuses a malformed handoff request, naming the field", async () => {
    const result = await client.sendMessage(agent.card, { data: [{ handoffRequest: { handoffId: "h" } }] });
    const accept = findHandoffAccept(result.data);
    expect(accept?.accepted).toBe(false);
    expect(accept?.rejectionReason).toContain("handoffRequest.");
  });

  it("gives the handler metadata, previousResults and the accepted handoff", async () => {
    const request = handoffRequest();
    await acceptHandoff(request);
    const result = await client.sendMessage(agent.card, {
      text: "hello",
      data: [handoffData.previousResults([{ agentId: "research", response: "three sources" }])],
      contextId: request.threadId,
      metadata: withOmniforgeMetadata({
        tenantId: "tenant-a",
        userId: "user-1",
        threadId: request.threadId,
        handoffId: request.handoffId,
      }),
    });
    expect(result.text).toBe("echo: hello");
    const ctx = contexts.at(-1);
    expect(ctx).toMatchObject({
      text: "hello",
      threadId: request.threadId,
      tenantId: "tenant-a",
      userId: "user-1",
      previousResults: [{ agentId: "research", response: "three sources" }],
      handoff: { ...request },
    });
    expect(ctx?.taskId).toBe(result.taskId);
    expect(ctx?.data).toEqual([{ previousResults: [{ agentId: "research", response: "three sources" }] }]);
  });

  it("never shows one tenant's handoff to another", async () => {
    const request = handoffRequest();
    await acceptHandoff(request);
    await client.sendMessage(agent.card, {
      text: "peek",
      contextId: request.threadId,
      metadata: withOmniforgeMetadata({
        tenantId: "tenant-b",
        userId: "user-2",
        threadId: request.threadId,
        handoffId: request.handoffId,
      }),
    });
    expect(contexts.at(-1)?.handoff).toEqual({ handoffId: request.handoffId });
  });

  it("gives defaults when the caller sends no OmniForge data", async () => {
    await client.sendMessage(agent.card, { text: "plain" });
    expect(contexts.at(-1)).toMatchObject({
      tenantId: undefined,
      userId: undefined,
      previousResults: [],
      handoff: undefined,
    });
  });

  it("streams a handoffReturn when the handler returns control", async () => {
    const request = handoffRequest();
    await acceptHandoff(request);
    const events = await collect(
      client.sendStreamingMessage(agent.card, {
        text: "finish",
        contextId: request.threadId,
        metadata: withOmniforgeMetadata({
          tenantId: request.tenantId,
          userId: request.userId,
          threadId: request.threadId,
          handoffId: request.handoffId,
        }),
      }),
    );
    const data = events.flatMap((event) => ("data" in event ? event.data : []));
    expect(findHandoffReturn(data)).toEqual({
      completionStatus: "completed",
      resultSummary: "created slack-alert",
      artifactsCreated: ["skills/slack-alert.md"],
    });
    const text = events.map((event) => (event.type === "artifact" ? event.text : "")).join("");
    expect(text).toBe("Skill written. Returning you to the main assistant.");
    expect(events.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_COMPLETED" });
    // Control went back: the handoff is forgotten.
    await client.sendMessage(agent.card, {
      text: "after",
      metadata: withOmniforgeMetadata({
        tenantId: request.tenantId,
        userId: request.userId,
        threadId: request.threadId,
        handoffId: request.handoffId,
      }),
    });
    expect(contexts.at(-1)?.handoff).toEqual({ handoffId: request.handoffId });
  });

  it("marks streamed chunks append/lastChunk and ends COMPLETED", async () => {
    const events = await collect(client.sendStreamingMessage(agent.card, { text: "chunks" }));
    const artifacts = events.filter(
      (event): event is Extract<A2AStreamEvent, { type: "artifact" }> => event.type === "artifact",
    );
    expect(artifacts.map((event) => [event.append, event.lastChunk])).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(events.map((event) => event.type)).toEqual(["task", "status", "artifact", "artifact", "status"]);
  });

  it("delivers a handoff cancel to onHandoffCancel and aborts that handoff's running handler", async () => {
    const request = handoffRequest();
    await acceptHandoff(request);
    const metadata = withOmniforgeMetadata({
      tenantId: request.tenantId,
      userId: request.userId,
      threadId: request.threadId,
      handoffId: request.handoffId,
    });
    const stream = client.sendStreamingMessage(agent.card, {
      text: "wait-handoff",
      contextId: request.threadId,
      metadata,
    });
    const seen: A2AStreamEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (event.type === "artifact") {
        const ack = await client.sendMessage(agent.card, {
          data: [
            handoffData.cancel({ handoffId: request.handoffId, reason: "User cancelled skill creation" }),
          ],
          contextId: request.threadId,
          metadata,
          extensions: [HANDOFF_EXTENSION_URI],
        });
        expect(ack.kind).toBe("message");
        expect(ack.text).toContain(request.handoffId);
      }
    }
    expect(cancels.at(-1)).toEqual({ handoffId: request.handoffId, reason: "User cancelled skill creation" });
    expect(seen.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_CANCELED" });
    expect(await cancelledByHandoff.promise).toBe(seen[0]?.type === "task" ? seen[0].taskId : "");
  });

  it("fails the task with the handler's error message", async () => {
    const error = await rejectionOf(client.sendMessage(agent.card, { text: "boom" }));
    expect(error.code).toBe("AGENT_TASK_FAILED");
    expect(error.message).toContain("boom: the workflow broke");
    const events = await collect(client.sendStreamingMessage(agent.card, { text: "boom" }));
    expect(events.at(-1)).toMatchObject({
      type: "status",
      state: "TASK_STATE_FAILED",
      text: "boom: the workflow broke",
    });
    expect((await rejectionOf(client.sendMessage(agent.card, { text: "bad-output" }))).message).toContain(
      "must yield",
    );
  });

  it("aborts the handler when the client stops reading the stream", async () => {
    for await (const event of client.sendStreamingMessage(agent.card, { text: "wait-disconnect" })) {
      if (event.type === "artifact") break;
    }
    expect(await disconnected.promise).toEqual(expect.any(String));
  });

  it("continues the caller's trace: traceparent reaches the server", async () => {
    parents.length = 0;
    await client.sendMessage(agent.card, { text: "traced" });
    const serverParent = parents.find((parent) => parent !== undefined);
    expect(serverParent && trace.getSpanContext(serverParent)).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      isRemote: true,
    });
  });
});

describe("serveAgent basics", () => {
  it("refuses handoffs when it has no onHandoffRequest, and its card says so", async () => {
    await using agent = await serveAgent({
      card: { identity: { id: "plain", name: "Plain" } },
      async *handleMessage() {
        yield "ok";
      },
    });
    await using client = new A2AClient({ network: LOOPBACK });
    expect(await client.supportsExtension(agent.card, HANDOFF_EXTENSION_URI)).toBe(false);
    expect(agent.card.capabilities?.handoff).toBe(false);
    const result = await client.sendMessage(agent.card, { data: [handoffData.request(handoffRequest())] });
    expect(findHandoffAccept(result.data)).toMatchObject({
      accepted: false,
      rejectionReason: expect.any(String),
    });
  });

  it("cancels a running task through CancelTask; the handler's signal fires", async () => {
    const aborted = deferred<string>();
    await using agent = await serveAgent({
      card: { identity: { id: "slow", name: "Slow" } },
      async *handleMessage(ctx) {
        yield "started";
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        aborted.resolve(ctx.taskId);
      },
    });
    await using client = new A2AClient({ network: LOOPBACK });
    const events: A2AStreamEvent[] = [];
    for await (const event of client.sendStreamingMessage(agent.card, { text: "go" })) {
      events.push(event);
      if (event.type === "artifact") {
        const result = await client.cancelTask(agent.card, event.taskId);
        expect(result.state).toBe("TASK_STATE_CANCELED");
      }
    }
    expect(events.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_CANCELED" });
    expect(await aborted.promise).toBe(events[0]?.type === "task" ? events[0].taskId : "");
  });

  it("aborts the handler when the caller of a blocking SendMessage goes away", async () => {
    const started = deferred();
    const aborted = deferred<unknown>();
    await using agent = await serveAgent({
      card: { identity: { id: "blocking", name: "Blocking" } },
      async *handleMessage(ctx) {
        ctx.signal.addEventListener("abort", () => aborted.resolve(ctx.signal.reason), { once: true });
        started.resolve();
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        yield "never seen";
      },
    });
    await using client = new A2AClient({ network: LOOPBACK });
    const controller = new AbortController();
    const pending = rejectionOf(
      client.sendMessage(agent.card, { text: "go" }, { signal: controller.signal }),
    );
    await started.promise;
    controller.abort();
    expect((await pending).code).toBe("ABORTED");
    expect(String(await aborted.promise)).toContain("disconnected");
  });

  it("close() ends open streams, frees the port and is idempotent", async () => {
    const agent = await serveAgent({
      card: { identity: { id: "forever", name: "Forever" } },
      async *handleMessage(ctx) {
        yield "first";
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
      },
    });
    await using client = new A2AClient({ network: LOOPBACK });
    const events: A2AStreamEvent[] = [];
    for await (const event of client.sendStreamingMessage(agent.card, { text: "go" })) {
      events.push(event);
      if (event.type === "artifact") void agent.close();
    }
    expect(events.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_FAILED" });
    await Promise.all([agent.close(), agent.close()]);
    const error = await rejectionOf(client.sendMessage(agent.card, { text: "again" }));
    expect(error.code).toBe("AGENT_UNAVAILABLE");
    // The port is free again.
    await using reused = await serveAgent({
      card: { identity: { id: "reused", name: "Reused" } },
      port: agent.port,
      async *handleMessage() {
        yield "hi";
      },
    });
    expect(reused.port).toBe(agent.port);
  });

  it("refuses a body over maxBodyBytes with HTTP 413", async () => {
    await using agent = await serveAgent({
      card: { identity: { id: "small", name: "Small" } },
      maxBodyBytes: 1_024,
      async *handleMessage() {
        yield "ok";
      },
    });
    await using client = new A2AClient({ network: LOOPBACK });
    const error = await rejectionOf(client.sendMessage(agent.card, { text: "x".repeat(4_096) }));
    expect(error.code).toBe("AGENT_UNAVAILABLE");
    expect(error.context?.httpStatus).toBe(413);
  });

  it.each([
    ["no A2A-Version, v0.3 not served", { legacy: false }, {}, -32009],
    ["A2A-Version 2.0", {}, { "a2a-version": "2.0" }, -32009],
    // Without the header a request is v0.3, where SendMessage is not a method (message/send is).
    ["no A2A-Version, v0.3 served", {}, {}, -32601],
  ])(
    "answers a v1.0 method with the wrong version (%s) with a JSON-RPC error",
    async (_label, options, headers, code) => {
      await using agent = await serveAgent({
        card: { identity: { id: "versioned", name: "Versioned" } },
        ...options,
        async *handleMessage() {
          yield "ok";
        },
      });
      const dispatcher = new Agent();
      try {
        const response = await request(`${agent.url}/a2a/jsonrpc`, {
          dispatcher,
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 7,
            method: "SendMessage",
            params: { message: { messageId: "m", role: "ROLE_USER", parts: [{ text: "hi" }] } },
          }),
        });
        expect(await response.body.json()).toMatchObject({ jsonrpc: "2.0", id: 7, error: { code } });
      } finally {
        await dispatcher.close();
      }
    },
  );

  it("a reply yielded piece by piece goes out in few updates, whole and in order", async () => {
    const piece = "x".repeat(1023) + "\n";
    await using agent = await serveAgent({
      card: { identity: { id: "chatty", name: "Chatty" } },
      async *handleMessage() {
        for (let i = 0; i < 2048; i++) yield piece;
      },
    });
    const client = new A2AClient({ network: LOOPBACK });
    try {
      const events: A2AStreamEvent[] = [];
      for await (const event of client.sendStreamingMessage(agent.card, { text: "talk" })) events.push(event);
      const artifacts = events.filter((event) => event.type === "artifact");
      // 2 MiB in 2,048 pieces: the first at once, the rest coalesced (at most 32 KiB waits).
      expect(artifacts.length).toBeLessThanOrEqual(2 + (2048 * 1024) / (32 * 1024) + 1);
      expect(artifacts.map((event) => ("text" in event ? event.text : "")).join("")).toBe(piece.repeat(2048));
      expect(events.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_COMPLETED" });
    } finally {
      await client.close();
    }
  });

  it("a reply over maxReplyBytes fails the turn, naming the limit", async () => {
    await using agent = await serveAgent({
      card: { identity: { id: "flood", name: "Flood" } },
      maxReplyBytes: 10_000,
      async *handleMessage() {
        for (;;) yield "y".repeat(1_000);
      },
    });
    const client = new A2AClient({ network: LOOPBACK });
    try {
      const error = await rejectionOf(client.sendMessage(agent.card, { text: "go" }));
      expect(error.code).toBe("AGENT_TASK_FAILED");
      expect(error.context?.detail).toMatch(
        /^AGENT_RESPONSE_TOO_LARGE: the reply is larger than 10000 bytes \(serveAgent maxReplyBytes\)/,
      );
    } finally {
      await client.close();
    }
  });

  it("a reply over maxReplyBytes releases the handler at once: ctx.signal aborted, its finally run, before the failure is seen", async () => {
    const seen: string[] = [];
    let yielded = 0;
    await using agent = await serveAgent({
      card: { identity: { id: "endless", name: "Endless" } },
      maxReplyBytes: 10_000,
      async *handleMessage(ctx) {
        // Stands for a model stream: it would go on until its own idle timeout if nobody stopped it.
        ctx.signal.addEventListener("abort", () => seen.push("signal aborted"), { once: true });
        try {
          for (;;) {
            yielded += 1;
            yield "z".repeat(1_000);
          }
        } finally {
          seen.push(`finally after ${yielded} chunks`);
        }
      },
    });
    const client = new A2AClient({ network: LOOPBACK });
    try {
      const error = await rejectionOf(client.sendMessage(agent.card, { text: "go" }));
      expect(error.context?.detail).toMatch(/^AGENT_RESPONSE_TOO_LARGE: /);
      // The 11th chunk passed the limit; the handler was asked for no other one and was ended
      // (signal first, then its finally) before the failed status reached the client.
      expect(seen).toEqual(["signal aborted", "finally after 11 chunks"]);
    } finally {
      await client.close();
    }
  });

  it("rejects an invalid configuration naming the field", async () => {
    await expect(
      serveAgent({ card: { identity: { id: "bad id!", name: "Bad" } }, async *handleMessage() {} }),
    ).rejects.toThrow(/config\.card\.identity\.id/);
    await expect(
      serveAgent({ card: { identity: { id: "ok", name: "Ok" } }, port: 70_000, async *handleMessage() {} }),
    ).rejects.toThrow(/config\.port/);
  });
});

/** A minimal AsyncLocalStorage context manager, standing in for the OpenTelemetry SDK's. */
class TestContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

describe("trace propagation to any agent", () => {
  it("sends the active span's traceparent with the default tracer", async () => {
    const manager = new TestContextManager();
    context.setGlobalContextManager(manager);
    try {
      let seen: string | undefined;
      await using server = await startHttpServer(async (request, response) => {
        if (request.method === "GET") {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(
            JSON.stringify({
              name: "t",
              supportedInterfaces: [{ url: "/rpc", protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
            }),
          );
          return;
        }
        seen = request.headers.traceparent as string | undefined;
        const body = JSON.parse(await readRequestBody(request)) as { id: number };
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id: body.id,
            result: { message: { messageId: "r", role: "ROLE_AGENT", parts: [] } },
          }),
        );
      });
      await using client = new A2AClient({ network: LOOPBACK });
      const card = cardFor(server.url);
      const active = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceFlags: 1,
      });
      await context.with(active, () => client.sendMessage(card, { text: "hi" }));
      expect(seen).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
      await client.sendMessage(card, { text: "no active span" });
      expect(seen).toBeUndefined();
    } finally {
      context.disable();
    }
  });

  it("sends traceparent from the active span context (no propagator registered)", async () => {
    const headers: Record<string, unknown>[] = [];
    await using server = await startHttpServer(async (request, response) => {
      if (request.method === "GET") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            name: "t",
            supportedInterfaces: [
              {
                url: `http://127.0.0.1:${(request.socket.localPort ?? 0).toString()}/rpc`,
                protocolBinding: "JSONRPC",
                protocolVersion: "1.0",
              },
            ],
          }),
        );
        return;
      }
      headers.push(request.headers);
      const body = JSON.parse(await readRequestBody(request)) as { id: number };
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: body.id,
          result: { message: { messageId: "r", role: "ROLE_AGENT", parts: [{ text: "ok" }] } },
        }),
      );
    });
    await using client = new A2AClient({ network: LOOPBACK, tracer: fixedTracer() });
    const card = cardFor(server.url, "traced", {
      service: { endpoint: server.url, auth: { type: "bearer", token: "s3cret" } },
    });
    expect((await client.sendMessage(card, { text: "hi" })).text).toBe("ok");
    expect(headers[0]).toMatchObject({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      "a2a-version": "1.0",
      authorization: "Bearer s3cret",
      "content-type": "application/json",
    });
  });
});
