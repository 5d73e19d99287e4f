/**
 * One small driver per A2A client the interop suites run against a served agent: OmniForge's
 * A2AClient (forced onto one interface), the @a2a-js/sdk 1.3 ClientFactory client (JSON-RPC,
 * HTTP+JSON, gRPC) and the @a2a-js/sdk 0.3.14 client (JSON-RPC, HTTP+JSON). Each driver speaks its
 * client's own API and reports what came back in one neutral shape (v1.0 state names, wire-style
 * parts), so one suite body can assert the same behaviour through every client.
 */
import { randomUUID } from "node:crypto";
import {
  Part as PartCodec,
  SendMessageRequest,
  taskStateToJSON,
  type Message as V1Message,
  type Part as V1Part,
  type StreamResponse,
  type Task as V1Task,
} from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client as V1Client,
} from "@a2a-js/sdk/client";
import { GrpcTransportFactory } from "@a2a-js/sdk/client/grpc";
import type {
  Message as V03Message,
  Part as V03Part,
  Task as V03Task,
  TaskArtifactUpdateEvent as V03ArtifactUpdate,
  TaskStatusUpdateEvent as V03StatusUpdate,
} from "a2a-sdk-v03";
import {
  ClientFactory as ClientFactory03,
  ClientFactoryOptions as ClientFactoryOptions03,
  JsonRpcTransport as JsonRpcTransport03,
  RestTransport as RestTransport03,
  type Client as V03Client,
} from "a2a-sdk-v03/client";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent, SendResult } from "../../src/a2a/client/types.js";
import type { WireMessage, WirePart } from "../../src/a2a/wire.js";
import { LOOPBACK } from "./network.js";

/** What a test sends, whatever the client. */
export interface DriverMessage {
  text?: string;
  data?: Record<string, unknown>[];
  contextId?: string;
  taskId?: string;
  metadata?: Record<string, unknown>;
  extensions?: string[];
}

/** A send's answer: a task (its artifacts' text and data, its status message) or a bare message. */
export interface DriverReply {
  kind: "task" | "message";
  taskId: string | undefined;
  contextId: string | undefined;
  /** v1.0 state name, e.g. `TASK_STATE_COMPLETED` (tasks only). */
  state: string | undefined;
  /** Text of the artifacts (tasks) or of the message's parts. */
  text: string;
  /** Objects of the data parts of the artifacts (tasks) or of the message. */
  data: Record<string, unknown>[];
  /** Text of the task's status message (e.g. an INPUT_REQUIRED task's question). */
  statusText: string;
}

/** One stream event. */
export interface DriverEvent {
  type: "task" | "status" | "artifact" | "message";
  taskId: string | undefined;
  contextId: string | undefined;
  state: string | undefined;
  text: string;
  data: Record<string, unknown>[];
  append?: boolean;
  lastChunk?: boolean;
}

export interface ClientDriver {
  readonly name: string;
  /** The client's own `append` flags survive its transport (the SDK's v0.3 REST transports drop them). */
  readonly keepsAppend: boolean;
  /** The interface the client talks to, as `BINDING/major.minor` (e.g. `GRPC/1.0`). */
  route(): Promise<string>;
  send(message: DriverMessage): Promise<DriverReply>;
  /** SendStreamingMessage; `signal` makes the client drop the stream. */
  stream(
    message: DriverMessage,
    options?: { signal?: AbortSignal },
  ): AsyncGenerator<DriverEvent, void, undefined>;
  /** CancelTask; resolves with the task's state after it. */
  cancel(taskId: string): Promise<string>;
  getTask(taskId: string): Promise<DriverReply>;
  close(): Promise<void>;
}

const textOf = (parts: readonly WirePart[] | undefined): string =>
  (parts ?? []).map((part) => (typeof part.text === "string" ? part.text : "")).join("");

const dataOf = (parts: readonly WirePart[] | undefined): Record<string, unknown>[] =>
  (parts ?? []).flatMap((part) =>
    part.data !== null && typeof part.data === "object" && !Array.isArray(part.data)
      ? [part.data as Record<string, unknown>]
      : [],
  );

function wireParts(message: DriverMessage): WirePart[] {
  return [
    ...(message.text === undefined ? [] : [{ text: message.text, mediaType: "text/plain" }]),
    ...(message.data ?? []).map((data) => ({ data, mediaType: "application/json" })),
  ];
}

// ---------------------------------------------------------------------------------------------
// OmniForge A2AClient

/** OmniForge's client, forced onto one interface of the agent by `card.service.interfacePreference`. */
export function omniforgeDriver(options: {
  endpoint: string;
  /** e.g. `GRPC/1.0`, `HTTP+JSON/0.3`. */
  preference: string;
  token?: string;
}): ClientDriver & { readonly client: A2AClient; readonly card: AgentCard } {
  const client = new A2AClient({ network: LOOPBACK });
  const card: AgentCard = {
    identity: { id: "served-agent", name: "Served Agent" },
    service: {
      endpoint: options.endpoint,
      interfacePreference: [options.preference],
      ...(options.token ? { auth: { type: "bearer" as const, token: options.token } } : {}),
    },
  };
  const reply = (result: SendResult): DriverReply => {
    const raw = result.raw;
    const statusMessage = "status" in raw ? raw.status.message : undefined;
    return {
      kind: result.kind,
      taskId: result.taskId,
      contextId: result.contextId,
      state: result.state,
      text:
        result.kind === "task"
          ? textOf(("artifacts" in raw ? raw.artifacts : [])?.flatMap((a) => a.parts))
          : result.text,
      data: result.data,
      statusText: textOf(statusMessage?.parts),
    };
  };
  const event = (value: A2AStreamEvent): DriverEvent => ({
    type: value.type,
    taskId: value.taskId,
    contextId: value.contextId,
    state: "state" in value ? value.state : undefined,
    text: "text" in value ? value.text : "",
    data: "data" in value ? value.data : [],
    ...(value.type === "artifact" ? { append: value.append, lastChunk: value.lastChunk } : {}),
  });
  return {
    name: `OmniForge A2AClient ${options.preference}`,
    client,
    card,
    keepsAppend: true,
    route: async () => {
      const { chosen } = await client.describeAgent(card);
      return `${chosen.binding}/${chosen.version}`;
    },
    send: async (message) => reply(await client.sendMessage(card, message)),
    async *stream(message, streamOptions = {}) {
      for await (const value of client.sendStreamingMessage(card, message, streamOptions)) yield event(value);
    },
    cancel: async (taskId) => (await client.cancelTask(card, taskId)).state,
    getTask: async (taskId) => {
      const task = await client.getTask(card, taskId);
      return {
        kind: "task",
        taskId: task.taskId,
        contextId: task.contextId,
        state: task.state,
        text: textOf(task.raw.artifacts?.flatMap((artifact) => artifact.parts)),
        data: task.data,
        statusText: task.statusText,
      };
    },
    close: () => client.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// @a2a-js/sdk 1.3

const v1Wire = (parts: readonly V1Part[] | undefined): WirePart[] =>
  (parts ?? []).map((part) => PartCodec.toJSON(part) as WirePart);

function v1TaskReply(task: V1Task): DriverReply {
  const parts = v1Wire(task.artifacts.flatMap((artifact) => artifact.parts));
  return {
    kind: "task",
    taskId: task.id,
    contextId: task.contextId,
    state: task.status ? taskStateToJSON(task.status.state) : undefined,
    text: textOf(parts),
    data: dataOf(parts),
    statusText: textOf(v1Wire(task.status?.message?.parts)),
  };
}

function v1MessageReply(message: V1Message): DriverReply {
  const parts = v1Wire(message.parts);
  return {
    kind: "message",
    taskId: message.taskId || undefined,
    contextId: message.contextId || undefined,
    state: undefined,
    text: textOf(parts),
    data: dataOf(parts),
    statusText: "",
  };
}

function v1Event(event: StreamResponse): DriverEvent {
  const payload = event.payload;
  switch (payload?.$case) {
    case "task":
      return { ...v1TaskReply(payload.value), type: "task", text: "", data: [] };
    case "message":
      return { ...v1MessageReply(payload.value), type: "message" };
    case "statusUpdate": {
      const parts = v1Wire(payload.value.status?.message?.parts);
      return {
        type: "status",
        taskId: payload.value.taskId,
        contextId: payload.value.contextId,
        state: payload.value.status ? taskStateToJSON(payload.value.status.state) : undefined,
        text: textOf(parts),
        data: dataOf(parts),
      };
    }
    case "artifactUpdate": {
      const parts = v1Wire(payload.value.artifact?.parts);
      return {
        type: "artifact",
        taskId: payload.value.taskId,
        contextId: payload.value.contextId,
        state: undefined,
        text: textOf(parts),
        data: dataOf(parts),
        append: payload.value.append,
        lastChunk: payload.value.lastChunk,
      };
    }
    default:
      throw new Error(`unexpected stream payload ${JSON.stringify(event)}`);
  }
}

export type V1Binding = "JSONRPC" | "HTTP+JSON" | "GRPC";

/** The SDK 1.3 ClientFactory client on one binding of the agent (its card read from `baseUrl`). */
export async function sdk13Driver(options: {
  baseUrl: string;
  binding: V1Binding;
  token?: string;
}): Promise<ClientDriver & { readonly client: V1Client }> {
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory(), new RestTransportFactory(), new GrpcTransportFactory()],
      preferredTransports: [options.binding],
    }),
  );
  const client = await factory.createFromUrl(options.baseUrl);
  const call = options.token ? { serviceParameters: { authorization: `Bearer ${options.token}` } } : {};
  const request = (message: DriverMessage): SendMessageRequest =>
    SendMessageRequest.fromJSON({
      // gRPC encodes a missing tenant as "undefined": always send it.
      tenant: "",
      message: {
        messageId: randomUUID(),
        role: "ROLE_USER",
        parts: wireParts(message),
        ...(message.contextId ? { contextId: message.contextId } : {}),
        ...(message.taskId ? { taskId: message.taskId } : {}),
        ...(message.metadata ? { metadata: message.metadata } : {}),
        ...(message.extensions ? { extensions: message.extensions } : {}),
      },
    });
  return {
    name: `SDK 1.3 ${options.binding}`,
    client,
    keepsAppend: true,
    route: () => Promise.resolve(`${client.transport.protocolName}/${client.protocolVersion}`),
    send: async (message) => {
      const result = await client.sendMessage(request(message), call);
      return "messageId" in result ? v1MessageReply(result) : v1TaskReply(result);
    },
    async *stream(message, streamOptions = {}) {
      for await (const event of client.sendMessageStream(request(message), { ...call, ...streamOptions }))
        yield v1Event(event);
    },
    cancel: async (taskId) => {
      const task = await client.cancelTask({ tenant: "", id: taskId, metadata: undefined }, call);
      return taskStateToJSON(task.status!.state);
    },
    getTask: async (taskId) => v1TaskReply(await client.getTask({ tenant: "", id: taskId }, call)),
    close: () => Promise.resolve(),
  };
}

// ---------------------------------------------------------------------------------------------
// @a2a-js/sdk 0.3.14

/** `input-required` -> `TASK_STATE_INPUT_REQUIRED`. */
const v03State = (state: string | undefined): string | undefined =>
  state === undefined ? undefined : `TASK_STATE_${state.toUpperCase().replaceAll("-", "_")}`;

const v03Wire = (parts: readonly V03Part[] | undefined): WirePart[] =>
  (parts ?? []).map((part) =>
    part.kind === "text" ? { text: part.text } : part.kind === "data" ? { data: part.data } : {},
  );

function v03TaskReply(task: V03Task): DriverReply {
  const parts = v03Wire((task.artifacts ?? []).flatMap((artifact) => artifact.parts));
  return {
    kind: "task",
    taskId: task.id,
    contextId: task.contextId,
    state: v03State(task.status.state),
    text: textOf(parts),
    data: dataOf(parts),
    statusText: textOf(v03Wire(task.status.message?.parts)),
  };
}

function v03MessageReply(message: V03Message): DriverReply {
  const parts = v03Wire(message.parts);
  return {
    kind: "message",
    taskId: message.taskId,
    contextId: message.contextId,
    state: undefined,
    text: textOf(parts),
    data: dataOf(parts),
    statusText: "",
  };
}

function v03Event(event: V03Task | V03Message | V03StatusUpdate | V03ArtifactUpdate): DriverEvent {
  switch (event.kind) {
    case "task":
      return { ...v03TaskReply(event), type: "task", text: "", data: [] };
    case "message":
      return { ...v03MessageReply(event), type: "message" };
    case "status-update": {
      const parts = v03Wire(event.status.message?.parts);
      return {
        type: "status",
        taskId: event.taskId,
        contextId: event.contextId,
        state: v03State(event.status.state),
        text: textOf(parts),
        data: dataOf(parts),
      };
    }
    case "artifact-update": {
      const parts = v03Wire(event.artifact.parts);
      return {
        type: "artifact",
        taskId: event.taskId,
        contextId: event.contextId,
        state: undefined,
        text: textOf(parts),
        data: dataOf(parts),
        append: event.append ?? false,
        lastChunk: event.lastChunk ?? false,
      };
    }
  }
}

export type V03Binding = "JSONRPC" | "HTTP+JSON";

/** The SDK 0.3.14 ClientFactory client on one binding (it reads the card without `A2A-Version`). */
export async function sdk03Driver(options: {
  baseUrl: string;
  binding: V03Binding;
  token?: string;
}): Promise<ClientDriver & { readonly client: V03Client }> {
  const factory = new ClientFactory03(
    ClientFactoryOptions03.createFrom(ClientFactoryOptions03.default, {
      preferredTransports: [options.binding],
    }),
  );
  const client = await factory.createFromUrl(options.baseUrl);
  const call = options.token ? { serviceParameters: { authorization: `Bearer ${options.token}` } } : {};
  const params = (message: DriverMessage) => {
    const wire: V03Message = {
      kind: "message",
      messageId: randomUUID(),
      role: "user",
      parts: [
        ...(message.text === undefined ? [] : [{ kind: "text" as const, text: message.text }]),
        ...(message.data ?? []).map((data) => ({ kind: "data" as const, data })),
      ],
      ...(message.contextId ? { contextId: message.contextId } : {}),
      ...(message.taskId ? { taskId: message.taskId } : {}),
      ...(message.metadata ? { metadata: message.metadata } : {}),
      ...(message.extensions ? { extensions: message.extensions } : {}),
    };
    return { message: wire };
  };
  return {
    name: `SDK 0.3.14 ${options.binding}`,
    client,
    // The 0.3.14 REST transport drops `append` from artifact updates (the wire carries it).
    keepsAppend: options.binding === "JSONRPC",
    // A 0.3.14 client speaks nothing but v0.3; its transport's class names the binding.
    route: () =>
      Promise.resolve(
        client.transport instanceof JsonRpcTransport03
          ? "JSONRPC/0.3"
          : client.transport instanceof RestTransport03
            ? "HTTP+JSON/0.3"
            : "unknown",
      ),
    send: async (message) => {
      const result = await client.sendMessage(params(message), call);
      return result.kind === "message" ? v03MessageReply(result) : v03TaskReply(result);
    },
    async *stream(message, streamOptions = {}) {
      for await (const event of client.sendMessageStream(params(message), { ...call, ...streamOptions }))
        yield v03Event(event);
    },
    cancel: async (taskId) => v03State((await client.cancelTask({ id: taskId }, call)).status.state)!,
    getTask: async (taskId) => v03TaskReply(await client.getTask({ id: taskId }, call)),
    close: () => Promise.resolve(),
  };
}

/** The text of a wire message's parts (for status messages read off raw tasks). */
export const messageText = (message: WireMessage | undefined): string => textOf(message?.parts);
