/**
 * Real A2A agents built with nothing but the official SDKs — `@a2a-js/sdk` 1.3 and 0.3.14 (the
 * `a2a-sdk-v03` alias) — on loopback ports the OS picks, one per binding and protocol version the
 * OmniForge client must reach:
 *
 * | kind              | SDK    | served                                                                |
 * |-------------------|--------|-----------------------------------------------------------------------|
 * | `v1-jsonrpc`      | 1.3    | v1.0 JSON-RPC (express `jsonRpcHandler`)                              |
 * | `v1-rest`         | 1.3    | v1.0 HTTP+JSON (express `restHandler`)                                |
 * | `v1-grpc`         | 1.3    | v1.0 gRPC (`@a2a-js/sdk/server/grpc`; card interface `127.0.0.1:PORT`) |
 * | `v1-legacy`       | 1.3    | v1.0 and v0.3 JSON-RPC + HTTP+JSON on one server (legacy compat)      |
 * | `v03-jsonrpc`     | 0.3.14 | v0.3 JSON-RPC                                                         |
 * | `v03-rest`        | 0.3.14 | v0.3 HTTP+JSON                                                        |
 *
 * The agents' behaviour lives in one protocol-neutral {@link ScriptedAgent} (chosen by the message
 * text, see {@link Command}); {@link executor13} and {@link executor03} publish it in each SDK's own
 * event shapes. Closing an agent frees its ports, drops its connections and releases whatever its
 * script still waits on, so suites never hang.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import * as grpc from "@grpc/grpc-js";
import { AgentCard as CardCodec, Role, TaskState } from "@a2a-js/sdk";
import type { AgentCard as A2AAgentCard, Message, Part } from "@a2a-js/sdk";
import {
  AgentEvent,
  DefaultRequestHandler,
  InMemoryTaskStore,
  UnauthenticatedUser,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from "@a2a-js/sdk/server";
import { UserBuilder, agentCardHandler, jsonRpcHandler, restHandler } from "@a2a-js/sdk/server/express";
import { A2AService, grpcService } from "@a2a-js/sdk/server/grpc";
import { duplicateInterfacesForLegacy } from "@a2a-js/sdk/compat/v0_3";
import type * as V03 from "a2a-sdk-v03";
import {
  DefaultRequestHandler as DefaultRequestHandler03,
  InMemoryTaskStore as InMemoryTaskStore03,
  type AgentExecutor as AgentExecutor03,
  type ExecutionEventBus as ExecutionEventBus03,
  type RequestContext as RequestContext03,
} from "a2a-sdk-v03/server";
import {
  UserBuilder as UserBuilder03,
  agentCardHandler as agentCardHandler03,
  jsonRpcHandler as jsonRpcHandler03,
  restHandler as restHandler03,
} from "a2a-sdk-v03/server/express";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { HANDOFF_EXTENSION_URI } from "../../src/a2a/handoff-extension.js";

// ---------------------------------------------------------------------------------------------
// The script: what the agent does, independent of SDK and protocol version.
// ---------------------------------------------------------------------------------------------

/** Task states in the script's own words; each executor maps them to its SDK's. */
export type ScriptState = "submitted" | "working" | "input-required" | "completed" | "canceled" | "failed";

/** One part of a reply: text or a JSON object. */
export type ScriptPart = { text: string } | { data: Record<string, unknown> };

/** What the agent received, whatever carried it. */
export interface ReceivedMessage {
  text: string;
  data: Record<string, unknown>[];
  metadata: Record<string, unknown> | undefined;
  contextId: string;
  /** The message's `taskId` as the executor got it (both SDKs fill in the task they assigned). */
  taskId: string;
  extensions: string[];
  /** The task the SDK assigned (new or continued). */
  assignedTaskId: string;
}

/** How the script speaks through an executor. */
export interface ScriptEmitter {
  /** A new task (SUBMITTED), or — for a message continuing a task — whatever the SDK wants first. */
  openTask(): void;
  status(state: ScriptState, parts?: ScriptPart[]): void;
  artifact(artifactId: string, parts: ScriptPart[], append: boolean, lastChunk: boolean): void;
  /** A bare message reply (no task). */
  message(parts: ScriptPart[]): void;
  finished(): void;
}

/**
 * The commands a message's text selects (the first word; `chunks:N:MS` takes arguments):
 *
 * - `chunks[:N[:MS]]` (the default): a task whose "answer" artifact arrives as N text chunks
 *   (`part0 ` … `partN-1 `, MS ms apart), then a "facts" artifact with one data part, COMPLETED.
 * - `echo`: a task whose artifact is `echo: <text>` and a data part `{ echo: <what was received> }`.
 * - `message`: a bare message with a text and a data part (no task).
 * - `slow`: up to 200 chunks 20 ms apart; stops as soon as the task is cancelled.
 * - `hang`: WORKING, then nothing until the agent closes.
 * - `ask`: ends the turn INPUT_REQUIRED asking for a name; the answer (same task) completes it.
 * - `fail`: the task ends FAILED.
 * - A `handoffRequest` data part is accepted (a message with `handoffAccept`); a `handoffCancel`
 *   is acknowledged; a message in a handoff (`metadata.omniforge.handoffId`) is a specialist turn:
 *   it asks which channel, and when the user's text names one (`#...`) it returns control
 *   (`handoffReturn` data part) and completes.
 */
export type Command = "chunks" | "echo" | "message" | "slow" | "hang" | "ask" | "fail";

/** The outcome of a cancelled `slow` task: how far it got before its work stopped. */
export interface StoppedWork {
  taskId: string;
  chunksSent: number;
  /** True when it stopped because the task was cancelled (not because it ran out of chunks). */
  cancelled: boolean;
}

const SLOW_CHUNKS = 200;
const SLOW_GAP_MS = 20;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

/** Resolves after `ms`, or at once when `signal` fires. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * The protocol-neutral agent every SDK agent of this file runs. It records what it received and
 * lets tests wait on what it did (a task's work stopping, a task finishing) instead of sleeping.
 */
export class ScriptedAgent {
  readonly received: ReceivedMessage[] = [];
  readonly handoffRequests: Record<string, unknown>[] = [];
  readonly handoffCancels: Record<string, unknown>[] = [];
  /**
   * Called before chunk `index` of a `chunks` task is sent (the test may hold the task there,
   * e.g. until a connection was cut).
   */
  beforeChunk: ((taskId: string, index: number) => Promise<void> | void) | undefined;
  readonly #running = new Map<string, AbortController>();
  readonly #stopped = new Map<string, Deferred<StoppedWork>>();
  readonly #finished = new Map<string, Deferred<ScriptState>>();
  readonly #closed = new AbortController();

  /** Resolves when the `slow` task `taskId` stopped working. */
  stopped(taskId: string): Promise<StoppedWork> {
    return this.#entry(this.#stopped, taskId).promise;
  }

  /** Resolves with the state a task's turn ended in, once the script has published it. */
  turnEnded(taskId: string): Promise<ScriptState> {
    return this.#entry(this.#finished, taskId).promise;
  }

  /** The last message received. */
  get last(): ReceivedMessage | undefined {
    return this.received.at(-1);
  }

  /** Releases every waiting task (hanging, slow); the agent is closing. */
  dispose(): void {
    this.#closed.abort();
    for (const controller of this.#running.values()) controller.abort();
  }

  /** Cancellation: stops the task's work (the executor then publishes CANCELED). */
  cancel(taskId: string): void {
    this.#running.get(taskId)?.abort();
  }

  async run(message: ReceivedMessage, emit: ScriptEmitter, continuesTask: boolean): Promise<void> {
    this.received.push(message);
    const taskId = message.assignedTaskId;
    const end = (state: ScriptState, parts?: ScriptPart[]): void => {
      emit.status(state, parts);
      emit.finished();
      this.#entry(this.#finished, taskId).resolve(state);
    };
    const request = message.data.find((entry) => "handoffRequest" in entry);
    if (request !== undefined) {
      this.handoffRequests.push(request.handoffRequest as Record<string, unknown>);
      emit.message([{ data: { handoffAccept: { accepted: true, estimatedDurationSeconds: 60 } } }]);
      emit.finished();
      return;
    }
    const cancel = message.data.find((entry) => "handoffCancel" in entry);
    if (cancel !== undefined) {
      this.handoffCancels.push(cancel.handoffCancel as Record<string, unknown>);
      emit.message([{ text: "handoff cancelled" }]);
      emit.finished();
      return;
    }
    const [word = "", ...args] = (message.text.trim().split(/\s+/)[0] ?? "").split(":");
    if (word === "message") {
      emit.message([{ text: "plain reply" }, { data: { ok: true } }]);
      emit.finished();
      return;
    }
    emit.openTask();
    const omniforge = message.metadata?.omniforge as Record<string, unknown> | undefined;
    if (typeof omniforge?.handoffId === "string") {
      emit.status("working");
      const channel = /#[\w-]+/.exec(message.text)?.[0];
      if (channel === undefined) {
        // The specialist asks: the turn ends INPUT_REQUIRED, and the answer continues this task.
        return end("input-required", [{ text: "Which Slack channel should the alerts go to?" }]);
      }
      emit.artifact("reply", [{ text: `Created the skill posting to ${channel}.` }], false, true);
      emit.artifact(
        "handoff",
        [
          {
            data: {
              handoffReturn: {
                completionStatus: "completed",
                resultSummary: `Slack alerts go to ${channel}`,
                artifactsCreated: ["skills/slack-alerts.md"],
              },
            },
          },
        ],
        false,
        true,
      );
      return end("completed");
    }
    if (continuesTask) {
      emit.status("working");
      emit.artifact("answer", [{ text: `Nice to meet you, ${message.text}` }], false, true);
      return end("completed");
    }
    switch (word as Command) {
      case "echo": {
        emit.status("working");
        const { assignedTaskId: _assigned, ...echo } = message;
        emit.artifact("echo", [{ text: `echo: ${message.text}` }, { data: { echo } }], false, true);
        return end("completed");
      }
      case "ask":
        return end("input-required", [{ text: "What is your name?" }]);
      case "fail":
        emit.status("working");
        return end("failed", [{ text: "it broke" }]);
      case "hang": {
        emit.status("working");
        const controller = this.#track(taskId);
        // No timer: nothing keeps the process alive while a task hangs.
        if (!controller.signal.aborted) {
          await new Promise((resolve) =>
            controller.signal.addEventListener("abort", resolve, { once: true }),
          );
        }
        this.#running.delete(taskId);
        return;
      }
      case "slow": {
        emit.status("working");
        const controller = this.#track(taskId);
        let sent = 0;
        while (sent < SLOW_CHUNKS && !controller.signal.aborted) {
          emit.artifact("answer", [{ text: `tick${sent} ` }], sent > 0, sent === SLOW_CHUNKS - 1);
          sent += 1;
          await pause(SLOW_GAP_MS, controller.signal);
        }
        this.#running.delete(taskId);
        const cancelled = controller.signal.aborted;
        this.#entry(this.#stopped, taskId).resolve({ taskId, chunksSent: sent, cancelled });
        // Cancelled: the executor's cancelTask has published CANCELED; nothing more is said.
        if (!cancelled) end("completed");
        return;
      }
      default: {
        const count = Number(args[0] ?? 3);
        const gap = Number(args[1] ?? 0);
        emit.status("working");
        const controller = this.#track(taskId);
        for (let index = 0; index < count; index++) {
          await this.beforeChunk?.(taskId, index);
          if (gap > 0) await pause(gap, controller.signal);
          if (controller.signal.aborted) {
            this.#running.delete(taskId);
            return;
          }
          emit.artifact("answer", [{ text: `part${index} ` }], index > 0, index === count - 1);
        }
        this.#running.delete(taskId);
        emit.artifact("facts", [{ data: { chunks: count, ok: true } }], false, true);
        return end("completed");
      }
    }
  }

  #track(taskId: string): AbortController {
    const controller = new AbortController();
    if (this.#closed.signal.aborted) controller.abort();
    this.#running.set(taskId, controller);
    return controller;
  }

  #entry<T>(map: Map<string, Deferred<T>>, taskId: string): Deferred<T> {
    let entry = map.get(taskId);
    if (entry === undefined) {
      entry = deferred<T>();
      map.set(taskId, entry);
    }
    return entry;
  }
}

// ---------------------------------------------------------------------------------------------
// Executors: the script in each SDK's event shapes.
// ---------------------------------------------------------------------------------------------

const STATE_13: Record<ScriptState, TaskState> = {
  submitted: TaskState.TASK_STATE_SUBMITTED,
  working: TaskState.TASK_STATE_WORKING,
  "input-required": TaskState.TASK_STATE_INPUT_REQUIRED,
  completed: TaskState.TASK_STATE_COMPLETED,
  canceled: TaskState.TASK_STATE_CANCELED,
  failed: TaskState.TASK_STATE_FAILED,
};

/** Complete proto objects (gRPC encodes a missing string as "undefined"). */
function part13(part: ScriptPart): Part {
  return "text" in part
    ? {
        content: { $case: "text", value: part.text },
        mediaType: "text/plain",
        filename: "",
        metadata: undefined,
      }
    : {
        content: { $case: "data", value: part.data },
        mediaType: "application/json",
        filename: "",
        metadata: undefined,
      };
}

function message13(contextId: string, taskId: string, parts: ScriptPart[]): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: parts.map(part13),
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function received13(ctx: RequestContext): ReceivedMessage {
  const message = ctx.userMessage;
  const text: string[] = [];
  const data: Record<string, unknown>[] = [];
  for (const part of message.parts) {
    if (part.content?.$case === "text") text.push(part.content.value);
    else if (part.content?.$case === "data") data.push(part.content.value as Record<string, unknown>);
  }
  return {
    text: text.join(""),
    data,
    metadata: message.metadata as Record<string, unknown> | undefined,
    contextId: message.contextId,
    taskId: message.taskId,
    extensions: [...message.extensions],
    assignedTaskId: ctx.taskId,
  };
}

/** The script as an `@a2a-js/sdk` 1.3 executor. */
export function executor13(script: ScriptedAgent): AgentExecutor {
  const contexts = new Map<string, string>();
  return {
    execute: async (ctx: RequestContext, bus: ExecutionEventBus) => {
      const { taskId, contextId } = ctx;
      contexts.set(taskId, contextId);
      const now = () => new Date().toISOString();
      const emit: ScriptEmitter = {
        openTask: () =>
          bus.publish(
            AgentEvent.task(
              // A message continuing a task must still publish the task first.
              ctx.task ?? {
                id: taskId,
                contextId,
                status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now() },
                artifacts: [],
                history: [ctx.userMessage],
                metadata: undefined,
              },
            ),
          ),
        status: (state, parts) =>
          bus.publish(
            AgentEvent.statusUpdate({
              taskId,
              contextId,
              status: {
                state: STATE_13[state],
                message: parts ? message13(contextId, taskId, parts) : undefined,
                timestamp: now(),
              },
              metadata: undefined,
            }),
          ),
        artifact: (artifactId, parts, append, lastChunk) =>
          bus.publish(
            AgentEvent.artifactUpdate({
              taskId,
              contextId,
              artifact: {
                artifactId,
                name: artifactId,
                description: "",
                parts: parts.map(part13),
                metadata: undefined,
                extensions: [],
              },
              append,
              lastChunk,
              metadata: undefined,
            }),
          ),
        message: (parts) => bus.publish(AgentEvent.message(message13(contextId, "", parts))),
        finished: () => bus.finished(),
      };
      await script.run(received13(ctx), emit, ctx.task !== undefined);
    },
    cancelTask: async (taskId: string, bus: ExecutionEventBus) => {
      script.cancel(taskId);
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: contexts.get(taskId) ?? "",
          status: {
            state: TaskState.TASK_STATE_CANCELED,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
          metadata: undefined,
        }),
      );
      bus.finished();
    },
  };
}

function part03(part: ScriptPart): V03.Part {
  return "text" in part ? { kind: "text", text: part.text } : { kind: "data", data: part.data };
}

function message03(contextId: string, taskId: string | undefined, parts: ScriptPart[]): V03.Message {
  return {
    kind: "message",
    messageId: randomUUID(),
    role: "agent",
    contextId,
    ...(taskId ? { taskId } : {}),
    parts: parts.map(part03),
  };
}

function received03(ctx: RequestContext03): ReceivedMessage {
  const message = ctx.userMessage;
  const text: string[] = [];
  const data: Record<string, unknown>[] = [];
  for (const part of message.parts) {
    if (part.kind === "text") text.push(part.text);
    else if (part.kind === "data") data.push(part.data);
  }
  return {
    text: text.join(""),
    data,
    metadata: message.metadata,
    contextId: message.contextId ?? "",
    taskId: message.taskId ?? "",
    extensions: [...(message.extensions ?? [])],
    assignedTaskId: ctx.taskId,
  };
}

const FINAL_03: ReadonlySet<ScriptState> = new Set(["input-required", "completed", "canceled", "failed"]);

/** The script as an `@a2a-js/sdk` 0.3.14 executor (plain v0.3 objects on the bus). */
export function executor03(script: ScriptedAgent): AgentExecutor03 {
  const contexts = new Map<string, string>();
  return {
    execute: async (ctx: RequestContext03, bus: ExecutionEventBus03) => {
      const { taskId, contextId } = ctx;
      contexts.set(taskId, contextId);
      const now = () => new Date().toISOString();
      const emit: ScriptEmitter = {
        // v0.3: a message continuing a task goes straight on with status updates.
        openTask: () => {
          if (ctx.task !== undefined) return;
          bus.publish({
            kind: "task",
            id: taskId,
            contextId,
            status: { state: "submitted", timestamp: now() },
            history: [ctx.userMessage],
            artifacts: [],
          });
        },
        status: (state, parts) =>
          bus.publish({
            kind: "status-update",
            taskId,
            contextId,
            status: {
              state,
              ...(parts ? { message: message03(contextId, taskId, parts) } : {}),
              timestamp: now(),
            },
            final: FINAL_03.has(state),
          }),
        artifact: (artifactId, parts, append, lastChunk) =>
          bus.publish({
            kind: "artifact-update",
            taskId,
            contextId,
            artifact: { artifactId, name: artifactId, parts: parts.map(part03) },
            append,
            lastChunk,
          }),
        message: (parts) => bus.publish(message03(contextId, undefined, parts)),
        finished: () => bus.finished(),
      };
      await script.run(received03(ctx), emit, ctx.task !== undefined);
    },
    cancelTask: async (taskId: string, bus: ExecutionEventBus03) => {
      script.cancel(taskId);
      bus.publish({
        kind: "status-update",
        taskId,
        contextId: contexts.get(taskId) ?? "",
        status: { state: "canceled", timestamp: new Date().toISOString() },
        final: true,
      });
      bus.finished();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Servers.
// ---------------------------------------------------------------------------------------------

/** Which SDK agent to start (see the table at the top of this file). */
export type SdkAgentKind = "v1-jsonrpc" | "v1-rest" | "v1-grpc" | "v1-legacy" | "v03-jsonrpc" | "v03-rest";

export const SDK_AGENT_KINDS: readonly SdkAgentKind[] = Object.freeze([
  "v1-jsonrpc",
  "v1-rest",
  "v1-grpc",
  "v1-legacy",
  "v03-jsonrpc",
  "v03-rest",
]);

export interface SdkAgentOptions {
  kind: SdkAgentKind;
  /** The agent's behaviour; default a new {@link ScriptedAgent}. */
  script?: ScriptedAgent;
  /** The OmniForge agent id on the returned card. Default: `sdk-<kind>`. */
  id?: string;
  /** Declare the OmniForge handoff extension on the A2A card. Default true. */
  handoff?: boolean;
  /**
   * Rewrites the A2A card JSON as served (the SDK's request handler keeps its own card), e.g. to
   * advertise `protocolVersion: "1.0.0"`. The card is then served as static JSON.
   */
  cardJson?: (card: Record<string, unknown>) => Record<string, unknown>;
  /** Serve the card only at the legacy `/.well-known/agent.json`. */
  legacyCardPathOnly?: boolean;
  /**
   * Sees every HTTP request before the SDK does (e.g. to cut a response's connection, or to hold
   * a request). The request reaches the SDK when the returned promise settles.
   */
  intercept?: (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;
  /**
   * Sees every gRPC call (`v1-grpc`) before the SDK does; the call proceeds when the returned
   * promise settles.
   */
  interceptGrpc?: (call: GrpcCall) => void | Promise<void>;
}

/** A gRPC call as the SDK's gRPC service sees it (server streams have `write`). */
export type GrpcCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

export interface SdkAgent extends AsyncDisposable {
  /** The agent's base URL (its A2A card is under it). */
  readonly url: string;
  /** The OmniForge card: `{ identity: { id, name }, service: { endpoint: url } }`. */
  readonly card: AgentCard;
  readonly kind: SdkAgentKind;
  readonly script: ScriptedAgent;
  /** Headers (or gRPC metadata) of the last A2A call — not card reads — lower-cased. */
  readonly lastHeaders: Record<string, string> | undefined;
  /** Streamed calls (SSE responses, gRPC server streams) still open at the agent. */
  readonly openStreams: number;
  /** Resolves once no streamed call is open at the agent. */
  streamsClosed(): Promise<void>;
  /** Drops every open connection (HTTP and gRPC), as a network failure would; the agent stays up. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Counts open streamed calls and tells waiters when none is left. */
class StreamCounter {
  #open = 0;
  #waiters: (() => void)[] = [];

  get open(): number {
    return this.#open;
  }

  /** Counts a stream until `onEnd` is called the first time. */
  opened(): () => void {
    this.#open += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#open -= 1;
      if (this.#open === 0) for (const wake of this.#waiters.splice(0)) wake();
    };
  }

  idle(): Promise<void> {
    return this.#open === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

const CARD_PATH = "/.well-known/agent-card.json";
const LEGACY_CARD_PATH = "/.well-known/agent.json";

function flatHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

interface HttpHost {
  url: string;
  app: express.Express;
  dropConnections(): void;
  close(): Promise<void>;
}

/** An express app on 127.0.0.1:0 behind node:http (so `intercept` sees the raw request). */
async function startHttp(
  intercept: SdkAgentOptions["intercept"],
  onA2ARequest: (headers: Record<string, string>) => void,
  streams: StreamCounter,
): Promise<HttpHost> {
  const app = express();
  app.use((request, response, next) => {
    if (request.path !== CARD_PATH && request.path !== LEGACY_CARD_PATH)
      onA2ARequest(flatHeaders(request.headers));
    if ((request.headers.accept ?? "").includes("text/event-stream"))
      response.once("close", streams.opened());
    next();
  });
  const server = createServer((request, response) => {
    if (intercept === undefined) {
      app(request, response);
      return;
    }
    Promise.resolve(intercept(request, response)).then(
      () => app(request, response),
      (error: unknown) => {
        response.destroy(error as Error);
      },
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    dropConnections: () => server.closeAllConnections(),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function serveCard(
  app: express.Express,
  options: SdkAgentOptions,
  json: () => Record<string, unknown>,
  sdkHandler: express.RequestHandler,
): void {
  const path = options.legacyCardPathOnly ? LEGACY_CARD_PATH : CARD_PATH;
  if (options.cardJson === undefined) {
    app.use(path, sdkHandler);
    return;
  }
  const rewrite = options.cardJson;
  app.get(path, (_request, response) => {
    response.json(rewrite(json()));
  });
}

function omniforgeCard(url: string, id: string): AgentCard {
  return { identity: { id, name: id }, service: { endpoint: url } };
}

/** Starts one SDK agent of `options.kind`. */
export async function startSdkAgent(options: SdkAgentOptions): Promise<SdkAgent> {
  const script = options.script ?? new ScriptedAgent();
  const id = options.id ?? `sdk-${options.kind}`;
  let lastHeaders: Record<string, string> | undefined;
  const record = (headers: Record<string, string>): void => {
    lastHeaders = headers;
  };
  const streams = new StreamCounter();
  const host = await startHttp(options.intercept, record, streams);
  let grpcServer: grpc.Server | undefined;
  try {
    if (options.kind.startsWith("v03-")) {
      serve03(host, options, script);
    } else {
      grpcServer = await serve13(host, options, script, record, streams);
    }
  } catch (error) {
    await host.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      script.dispose();
      grpcServer?.forceShutdown();
      await host.close();
    })());
  return {
    url: host.url,
    card: omniforgeCard(host.url, id),
    kind: options.kind,
    script,
    get lastHeaders() {
      return lastHeaders;
    },
    get openStreams() {
      return streams.open;
    },
    streamsClosed: () => streams.idle(),
    dropConnections: () => {
      host.dropConnections();
      if (grpcServer !== undefined) dropGrpcConnections(grpcServer);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function card13(interfaces: A2AAgentCard["supportedInterfaces"], handoff: boolean): A2AAgentCard {
  return CardCodec.fromJSON({
    name: "SDK 1.3 agent",
    description: "An agent built with the plain @a2a-js/sdk 1.3 server",
    version: "1.0.0",
    supportedInterfaces: interfaces,
    capabilities: {
      streaming: true,
      extensions: handoff ? [{ uri: HANDOFF_EXTENSION_URI, description: "OmniForge handoffs" }] : [],
    },
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain", "application/json"],
    skills: [{ id: "script", name: "Script", description: "Scripted replies", tags: ["test"] }],
  });
}

const iface = (url: string, protocolBinding: string, protocolVersion = "1.0") => ({
  url,
  protocolBinding,
  tenant: "",
  protocolVersion,
});

async function serve13(
  host: HttpHost,
  options: SdkAgentOptions,
  script: ScriptedAgent,
  record: (headers: Record<string, string>) => void,
  streams: StreamCounter,
): Promise<grpc.Server | undefined> {
  const { app, url } = host;
  let grpcServer: grpc.Server | undefined;
  let interfaces: A2AAgentCard["supportedInterfaces"];
  switch (options.kind) {
    case "v1-jsonrpc":
      interfaces = [iface(`${url}/a2a/jsonrpc`, "JSONRPC")];
      break;
    case "v1-rest":
      interfaces = [iface(`${url}/a2a/rest`, "HTTP+JSON")];
      break;
    case "v1-grpc": {
      const server = new grpc.Server();
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
          error ? reject(error) : resolve(bound),
        ),
      );
      grpcServer = server;
      interfaces = [iface(`127.0.0.1:${port}`, "GRPC")];
      break;
    }
    default:
      interfaces = duplicateInterfacesForLegacy(
        [iface(`${url}/a2a/jsonrpc`, "JSONRPC"), iface(`${url}/a2a/rest`, "HTTP+JSON")],
        ["JSONRPC", "HTTP+JSON"],
      );
  }
  const card = card13(interfaces, options.handoff ?? true);
  const requestHandler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor13(script));
  const legacyCompat = options.kind === "v1-legacy" ? { enabled: true } : undefined;
  serveCard(
    app,
    options,
    () => CardCodec.toJSON(card) as Record<string, unknown>,
    agentCardHandler({ agentCardProvider: requestHandler, ...(legacyCompat ? { legacyCompat } : {}) }),
  );
  const userBuilder = UserBuilder.noAuthentication;
  if (options.kind === "v1-jsonrpc" || options.kind === "v1-legacy") {
    app.use(
      "/a2a/jsonrpc",
      jsonRpcHandler({ requestHandler, userBuilder, ...(legacyCompat ? { legacyCompat } : {}) }),
    );
  }
  if (options.kind === "v1-rest" || options.kind === "v1-legacy") {
    app.use(
      "/a2a/rest",
      restHandler({ requestHandler, userBuilder, ...(legacyCompat ? { legacyCompat } : {}) }),
    );
  }
  grpcServer?.addService(
    A2AService,
    grpcService({
      requestHandler,
      userBuilder: async (call) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(call.metadata.getMap())) {
          headers[name.toLowerCase()] = typeof value === "string" ? value : value.toString("utf8");
        }
        record(headers);
        if ("write" in call) {
          // A server stream: open until it finishes or the client cancels it.
          const ended = streams.opened();
          for (const event of ["finish", "close", "cancelled", "error"]) call.once(event, ended);
        }
        await options.interceptGrpc?.(call);
        return new UnauthenticatedUser();
      },
    }),
  );
  return grpcServer;
}

/** Destroys every HTTP/2 session of a gRPC server (grpc-js keeps them in a private map). */
function dropGrpcConnections(server: grpc.Server): void {
  const sessions = (server as unknown as { sessions?: Map<{ destroy(): void }, unknown> }).sessions;
  if (sessions === undefined) throw new Error("this @grpc/grpc-js version keeps no session map");
  for (const session of sessions.keys()) session.destroy();
}

function serve03(host: HttpHost, options: SdkAgentOptions, script: ScriptedAgent): void {
  const { app, url } = host;
  const rest = options.kind === "v03-rest";
  const endpoint = rest ? `${url}/a2a/rest` : `${url}/a2a/jsonrpc`;
  const transport = rest ? "HTTP+JSON" : "JSONRPC";
  const card: V03.AgentCard = {
    name: "SDK 0.3.14 agent",
    description: "An agent built with the plain @a2a-js/sdk 0.3.14 server",
    version: "1.0.0",
    protocolVersion: "0.3.0",
    url: endpoint,
    preferredTransport: transport,
    additionalInterfaces: [{ url: endpoint, transport }],
    capabilities: {
      streaming: true,
      pushNotifications: false,
      ...((options.handoff ?? true)
        ? { extensions: [{ uri: HANDOFF_EXTENSION_URI, description: "OmniForge handoffs" }] }
        : {}),
    },
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain", "application/json"],
    skills: [{ id: "script", name: "Script", description: "Scripted replies", tags: ["test"] }],
  };
  const requestHandler = new DefaultRequestHandler03(card, new InMemoryTaskStore03(), executor03(script));
  serveCard(
    app,
    options,
    () => ({ ...card }) as unknown as Record<string, unknown>,
    agentCardHandler03({ agentCardProvider: requestHandler }),
  );
  const userBuilder = UserBuilder03.noAuthentication;
  if (rest) app.use("/a2a/rest", restHandler03({ requestHandler, userBuilder }));
  else app.use("/a2a/jsonrpc", jsonRpcHandler03({ requestHandler, userBuilder }));
}
