/**
 * Interoperability with the official @a2a-js/sdk in both directions:
 * our A2AClient -> an agent written with the plain SDK server, and the SDK's own client -> an agent
 * built with serveAgent.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SendMessageRequest, TaskState } from "@a2a-js/sdk";
import type { Message, Part, Task, TaskStatusUpdateEvent } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from "@a2a-js/sdk/server";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent } from "../../src/a2a/client/types.js";
import { HANDOFF_EXTENSION_URI, withOmniforgeMetadata } from "../../src/a2a/handoff-extension.js";
import { serveAgent, type ServedAgent } from "../../src/a2a/server/serve-agent.js";
import {
  collect,
  deferred,
  expectNoUnhandledRejections,
  rejectionOf,
  startSdkAgent,
  type Deferred,
  type SdkAgent,
} from "../helpers/a2a.js";
import { LOOPBACK } from "../helpers/network.js";

expectNoUnhandledRejections();

const textPart = (text: string): Part => ({
  content: { $case: "text", value: text },
  mediaType: "text/plain",
  filename: "",
  metadata: undefined,
});
const dataPart = (data: Record<string, unknown>): Part => ({
  content: { $case: "data", value: data },
  mediaType: "application/json",
  filename: "",
  metadata: undefined,
});

function agentMessage(contextId: string, taskId: string, parts: Part[]): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function status(taskId: string, contextId: string, state: TaskState, text?: string): TaskStatusUpdateEvent {
  return {
    taskId,
    contextId,
    status: {
      state,
      message: text === undefined ? undefined : agentMessage(contextId, taskId, [textPart(text)]),
      timestamp: new Date().toISOString(),
    },
    metadata: undefined,
  };
}

/** A reference agent written against the SDK only; its behaviour is chosen by the message text. */
class ScriptedExecutor implements AgentExecutor {
  readonly received: Message[] = [];
  readonly waiting = new Map<string, Deferred<void>>();

  execute = async (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const message = ctx.userMessage;
    this.received.push(message);
    const first = message.parts[0]?.content;
    const text = first?.$case === "text" ? first.value : "";
    const { taskId, contextId } = ctx;
    if (text === "message") {
      bus.publish(
        AgentEvent.message(agentMessage(contextId, "", [textPart("plain reply"), dataPart({ ok: true })])),
      );
      bus.finished();
      return;
    }
    const task: Task = {
      id: taskId,
      contextId,
      status: {
        state: TaskState.TASK_STATE_SUBMITTED,
        message: undefined,
        timestamp: new Date().toISOString(),
      },
      artifacts: [],
      history: [message],
      metadata: undefined,
    };
    bus.publish(AgentEvent.task(task));
    bus.publish(AgentEvent.statusUpdate(status(taskId, contextId, TaskState.TASK_STATE_WORKING)));
    if (text === "wait") {
      const cancelled = deferred();
      this.waiting.set(taskId, cancelled);
      await cancelled.promise;
      bus.finished();
      return;
    }
    if (text === "fail") {
      bus.publish(
        AgentEvent.statusUpdate(status(taskId, contextId, TaskState.TASK_STATE_FAILED, "it broke")),
      );
      bus.finished();
      return;
    }
    const chunks = ["Hello", ", ", "world"];
    chunks.forEach((chunk, index) => {
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId: "a1",
            name: "answer",
            description: "",
            parts: [textPart(chunk)],
            metadata: undefined,
            extensions: [],
          },
          append: index > 0,
          lastChunk: index === chunks.length - 1,
          metadata: undefined,
        }),
      );
    });
    bus.publish(AgentEvent.statusUpdate(status(taskId, contextId, TaskState.TASK_STATE_COMPLETED)));
    bus.finished();
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    bus.publish(
      AgentEvent.statusUpdate(
        status(taskId, this.received.at(-1)?.contextId ?? "", TaskState.TASK_STATE_CANCELED),
      ),
    );
    this.waiting.get(taskId)?.resolve();
  };
}

describe("A2AClient -> agent built with the plain @a2a-js/sdk server", () => {
  const executor = new ScriptedExecutor();
  let agent: SdkAgent;
  let client: A2AClient;

  beforeAll(async () => {
    agent = await startSdkAgent(executor);
    client = new A2AClient({ network: LOOPBACK });
  });
  afterAll(async () => {
    await client.close();
    await agent.close();
  });

  it("sends a message and joins the task's artifact chunks", async () => {
    const threadId = randomUUID();
    const result = await client.sendMessage(agent.card, {
      text: "hello",
      data: [{ previousResults: [{ agentId: "a", response: "r" }] }],
      contextId: threadId,
      metadata: withOmniforgeMetadata({ tenantId: "t1", userId: "u1", threadId }),
      extensions: [HANDOFF_EXTENSION_URI],
    });
    expect(result).toMatchObject({
      kind: "task",
      contextId: threadId,
      state: "TASK_STATE_COMPLETED",
      text: "Hello, world",
    });
    expect(result.taskId).toEqual(expect.any(String));

    const received = executor.received.at(-1);
    expect(received?.contextId).toBe(threadId);
    expect(received?.role).toBe(Role.ROLE_USER);
    expect(received?.metadata).toEqual({ omniforge: { tenantId: "t1", userId: "u1", threadId } });
    expect(received?.extensions).toEqual([HANDOFF_EXTENSION_URI]);
    expect(received?.parts.map((part) => [part.content?.$case, part.mediaType])).toEqual([
      ["text", "text/plain"],
      ["data", "application/json"],
    ]);
    expect(agent.lastHeaders?.["a2a-version"]).toBe("1.0");
  });

  it("returns a message reply with its text and data parts", async () => {
    const result = await client.sendMessage(agent.card, { text: "message" });
    expect(result).toMatchObject({ kind: "message", text: "plain reply", data: [{ ok: true }] });
  });

  it("turns a FAILED task into AGENT_TASK_FAILED carrying the status message", async () => {
    const error = await rejectionOf(client.sendMessage(agent.card, { text: "fail" }));
    expect(error.code).toBe("AGENT_TASK_FAILED");
    expect(error.message).toContain("it broke");
  });

  it("streams typed events in order", async () => {
    const events = await collect(client.sendStreamingMessage(agent.card, { text: "stream please" }));
    expect(
      events.map((event) =>
        event.type === "status" || event.type === "task" ? `${event.type}:${event.state}` : event.type,
      ),
    ).toEqual([
      "task:TASK_STATE_SUBMITTED",
      "status:TASK_STATE_WORKING",
      "artifact",
      "artifact",
      "artifact",
      "status:TASK_STATE_COMPLETED",
    ]);
    const artifacts = events.filter(
      (event): event is Extract<A2AStreamEvent, { type: "artifact" }> => event.type === "artifact",
    );
    expect(artifacts.map((event) => event.text).join("")).toBe("Hello, world");
    expect(artifacts.map((event) => [event.append, event.lastChunk])).toEqual([
      [false, false],
      [true, false],
      [true, true],
    ]);
  });

  it("cancels a running task and the stream ends CANCELED", async () => {
    const stream = client.sendStreamingMessage(agent.card, { text: "wait" });
    const seen: A2AStreamEvent[] = [];
    let taskId = "";
    for await (const event of stream) {
      seen.push(event);
      if (event.type === "task") taskId = event.taskId;
      if (event.type === "status" && event.state === "TASK_STATE_WORKING") {
        const cancelled = await client.cancelTask(agent.card, taskId);
        expect(cancelled).toMatchObject({ taskId, state: "TASK_STATE_CANCELED" });
      }
    }
    expect(seen.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_CANCELED" });
  });

  it("reports an unknown task on cancel as a JSON-RPC error", async () => {
    const error = await rejectionOf(client.cancelTask(agent.card, randomUUID()));
    expect(error.code).toBe("AGENT_PROTOCOL_ERROR");
    expect(error.context?.rpcCode).toBe(-32001);
  });
});

describe("@a2a-js/sdk ClientFactory client -> agent built with serveAgent", () => {
  let agent: ServedAgent;
  const handlerAborted = deferred<string>();

  beforeAll(async () => {
    agent = await serveAgent({
      card: {
        identity: { id: "interop-agent", name: "Interop Agent", description: "answers the SDK" },
        skills: [{ id: "echo", name: "Echo" }],
      },
      async *handleMessage(ctx) {
        if (ctx.text === "wait") {
          yield "working";
          await new Promise<void>((resolve) =>
            ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
          );
          handlerAborted.resolve(ctx.taskId);
          return;
        }
        yield "echo: ";
        yield ctx.text;
      },
      onHandoffRequest: () => ({ accepted: true }),
    });
  });
  afterAll(async () => {
    await agent.close();
  });

  const params = (text: string): SendMessageRequest =>
    SendMessageRequest.fromJSON({
      message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text }] },
    });

  it("reads the A2A card (v1.0 JSON-RPC interface, streaming, handoff extension)", async () => {
    const sdk = await new ClientFactory().createFromUrl(agent.url);
    const card = await sdk.getAgentCard();
    expect(card.name).toBe("Interop Agent");
    expect(card.supportedInterfaces[0]).toMatchObject({
      url: `${agent.url}/a2a/jsonrpc`,
      protocolBinding: "JSONRPC",
      protocolVersion: "1.0",
    });
    expect(card.capabilities?.streaming).toBe(true);
    expect(card.capabilities?.extensions.map((extension) => extension.uri)).toEqual([HANDOFF_EXTENSION_URI]);
    expect(card.skills.map((skill) => skill.id)).toEqual(["echo"]);
    expect(agent.card).toMatchObject({
      service: { endpoint: agent.url },
      capabilities: { streaming: true, handoff: true },
    });
  });

  it("answers SendMessage with a COMPLETED task", async () => {
    const sdk = await new ClientFactory().createFromUrl(agent.url);
    const result = await sdk.sendMessage(params("hi there"));
    expect("id" in result).toBe(true);
    const task = result as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const text = task.artifacts
      .flatMap((artifact) => artifact.parts)
      .map((part) => (part.content?.$case === "text" ? part.content.value : ""))
      .join("");
    expect(text).toBe("echo: hi there");
  });

  it("streams task, status and artifact events", async () => {
    const sdk = await new ClientFactory().createFromUrl(agent.url);
    const events = await collect(sdk.sendMessageStream(params("streamed")));
    const cases = events.map((event) => event.payload?.$case);
    // The first chunk goes at once; what follows within serveAgent's coalescing window travels with it.
    expect(cases.slice(0, 3)).toEqual(["task", "statusUpdate", "artifactUpdate"]);
    expect(cases.slice(2, -1).every((value) => value === "artifactUpdate")).toBe(true);
    const text = events
      .flatMap((event) =>
        event.payload?.$case === "artifactUpdate" ? event.payload.value.artifact!.parts : [],
      )
      .map((part) => (part.content?.$case === "text" ? part.content.value : ""))
      .join("");
    expect(text).toBe("echo: streamed");
    const last = events.at(-1)?.payload;
    expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("cancels a running task: the handler's signal fires and the stream ends CANCELED", async () => {
    const sdk = await new ClientFactory().createFromUrl(agent.url);
    const cases: string[] = [];
    let taskId = "";
    let lastState: TaskState | undefined;
    for await (const event of sdk.sendMessageStream(params("wait"))) {
      const payload = event.payload;
      cases.push(payload?.$case ?? "none");
      if (payload?.$case === "task") taskId = payload.value.id;
      if (payload?.$case === "statusUpdate") lastState = payload.value.status?.state;
      if (payload?.$case === "artifactUpdate") {
        const task = await sdk.cancelTask({ tenant: "", id: taskId, metadata: undefined });
        expect(task.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      }
    }
    expect(lastState).toBe(TaskState.TASK_STATE_CANCELED);
    expect(await handlerAborted.promise).toBe(taskId);
  });
});
