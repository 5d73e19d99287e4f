/**
 * The protocol-neutral heart of {@link serveAgent}: an `@a2a-js/sdk` AgentExecutor that turns an
 * OmniForge `handleMessage` async generator into A2A task events, answers the handoff extension's
 * request/cancel messages, and ties every running handler to an AbortSignal (CancelTask, client
 * disconnect, server shutdown). It needs no socket, so it can be driven directly in tests.
 */
import { randomUUID } from "node:crypto";
import { Part as PartCodec, Role, TaskState } from "@a2a-js/sdk";
import type { Message, Part, Task } from "@a2a-js/sdk";
import { AgentEvent } from "@a2a-js/sdk/server";
import type { AgentExecutor, ExecutionEventBus, RequestContext } from "@a2a-js/sdk/server";
import type { Logger } from "pino";
import {
  HANDOFF_EXTENSION_URI,
  findHandoffCancel,
  findHandoffRequest,
  findHandoffReturn,
  findPreviousResults,
  handoffAcceptSchema,
  handoffData,
  readOmniforgeMetadata,
  type HandoffAcceptPayload,
  type HandoffCancelPayload,
  type HandoffRequestPayload,
  type HandoffReturnPayload,
  type OmniforgeMetadata,
  type PreviousResult,
} from "../handoff-extension.js";
import type { WirePart } from "../wire.js";

/** What `handleMessage` yields: a text chunk, or a data object sent as a data part. */
export type AgentOutput = string | { data: Record<string, unknown> };

/** The handoff a message belongs to (when `metadata.omniforge.handoffId` is set). */
export interface AgentHandoffContext extends Partial<Omit<HandoffRequestPayload, "handoffId">> {
  handoffId: string;
}

/** Everything `handleMessage` gets about one incoming message. */
export interface AgentMessageContext {
  /** The message's text parts, joined with "\n". */
  readonly text: string;
  /** The message's parts as they came on the wire (`{text}`, `{data, mediaType}`, ...). */
  readonly parts: readonly WirePart[];
  /** The objects carried by the message's data parts. */
  readonly data: readonly Record<string, unknown>[];
  /** The A2A contextId (OmniForge sends the threadId). */
  readonly threadId: string;
  /** From `metadata.omniforge`; undefined when the caller sent none. */
  readonly tenantId: string | undefined;
  /** From `metadata.omniforge`; undefined when the caller sent none. */
  readonly userId: string | undefined;
  readonly taskId: string;
  readonly messageId: string;
  /** The message's metadata as sent. */
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  /** Earlier agents' answers in a sequential delegation (`previousResults` data part); [] when none. */
  readonly previousResults: readonly PreviousResult[];
  /**
   * The handoff in progress, when the message carries `metadata.omniforge.handoffId`: the id, plus
   * the accepted handoffRequest's fields when this server accepted it (same tenant).
   */
  readonly handoff: AgentHandoffContext | undefined;
  /** Aborted on CancelTask, client disconnect, handoff cancel or server shutdown. */
  readonly signal: AbortSignal;
  /** Hands control back to the orchestrator: emits a `handoffReturn` data part in the reply stream. */
  returnControl(ret: HandoffReturnPayload): void;
  /**
   * Asks the user a question: when the handler returns, the turn ends `TASK_STATE_INPUT_REQUIRED`
   * with `question` as its status message (what was yielded before stays the turn's reply). The
   * user's answer arrives as a new message on the same task: `ctx.taskId` is the same, `ctx.answerTo`
   * is the question, and `ctx.state` is what this turn left in it. A task takes one turn at a time:
   * a message for it while a turn is running is refused (A2A UnsupportedOperation).
   */
  askUser(question: string): void;
  /**
   * The question this message answers, when it continues a task whose previous turn asked
   * (`askUser`, or any agent's INPUT_REQUIRED turn); undefined for a new task.
   */
  readonly answerTo: string | undefined;
  /**
   * What the handler keeps between the turns of one task: a JSON object, saved with the task when a
   * turn asks (`askUser`) and handed back on the next turn — through the task store, so a task
   * waiting for input survives a restart on a database store. At most 64 KiB as JSON.
   */
  readonly state: Record<string, unknown>;
}

/** The user-supplied behaviour of an agent. */
export interface AgentHandlers {
  /** Produces the reply to one message, chunk by chunk. A thrown error fails the task with its message. */
  handleMessage(ctx: AgentMessageContext): AsyncIterable<AgentOutput>;
  /** Decides on a handoff request. Without it every handoff is refused. */
  onHandoffRequest?(
    request: HandoffRequestPayload,
    options: { signal: AbortSignal },
  ): Promise<HandoffAcceptPayload> | HandoffAcceptPayload;
  /** Told when the orchestrator cancels a handoff (running handlers of that handoff are aborted too). */
  onHandoffCancel?(cancel: HandoffCancelPayload): Promise<void> | void;
}

export interface OmniforgeAgentExecutorConfig extends AgentHandlers {
  logger?: Logger;
  /** How many accepted handoffs are remembered for `ctx.handoff` (oldest forgotten first). Default 10,000. */
  maxTrackedHandoffs?: number;
  /** The most one turn's reply may total (text and data, as UTF-8/JSON); past it the turn fails. Default 8 MiB. */
  maxReplyBytes?: number;
}

/** The most one turn's reply may total by default. */
export const DEFAULT_AGENT_MAX_REPLY_BYTES = 8 * 1024 * 1024;
/**
 * Chunks yielded within this long of the last one sent travel together in one artifact update (the
 * first goes at once): each update is a save of the whole task, so a reply yielded token by token
 * would otherwise cost the square of its length.
 */
const COALESCE_MS = 20;
/** ... unless this much is waiting, which goes at once. */
const COALESCE_BYTES = 32 * 1024;

/** Key in `ServerCallContext.state` under which an adapter puts an AbortSignal that fires on client disconnect. */
export const REQUEST_SIGNAL_STATE_KEY = "omniforge.requestSignal";

/** Key in a task's metadata under which a handler's `ctx.state` is kept between turns. */
export const HANDLER_STATE_METADATA_KEY = "omniforgeState";

/** The largest `ctx.state`, as JSON. */
export const MAX_HANDLER_STATE_BYTES = 64 * 1024;

type StopReason = "canceled" | "disconnected" | "shutdown" | "handoffCancelled";

interface RunningTask {
  readonly taskId: string;
  readonly contextId: string;
  readonly eventBus: ExecutionEventBus;
  readonly controller: AbortController;
  readonly handoffId: string | undefined;
  chunks: number;
  /** Parts yielded but not yet sent, and their size. */
  pending: Part[];
  pendingBytes: number;
  /** When the last artifact update went out (performance.now()). */
  lastFlush: number;
  flushTimer: NodeJS.Timeout | undefined;
  /** What the turn's reply totals so far. */
  replyBytes: number;
  returned: boolean;
  settled: boolean;
  question: string | undefined;
}

const ARTIFACT_ID = "response";
const ABORTED = Symbol("aborted");
const noop = (): void => {};

function textPart(text: string): Part {
  return {
    content: { $case: "text", value: text },
    mediaType: "text/plain",
    filename: "",
    metadata: undefined,
  };
}

function dataPart(data: Record<string, unknown>): Part {
  return {
    content: { $case: "data", value: data },
    mediaType: "application/json",
    filename: "",
    metadata: undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The text of a status message (an earlier turn's question). */
function statusText(message: Message | undefined): string {
  if (message === undefined) return "";
  return message.parts
    .map((part) => (part.content?.$case === "text" ? part.content.value : ""))
    .filter((text) => text !== "")
    .join("\n");
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) {
    promise.catch(noop);
    return Promise.resolve(ABORTED);
  }
  return new Promise<T | typeof ABORTED>((resolve, reject) => {
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * AgentExecutor for agents built with serveAgent. Event sequence of a normal turn: task
 * (SUBMITTED) -> status WORKING -> artifact chunks (append after the first; an empty closing chunk
 * carries lastChunk) -> status COMPLETED (or FAILED with the error message, or CANCELED).
 */
export class OmniforgeAgentExecutor implements AgentExecutor {
  readonly #handlers: AgentHandlers;
  readonly #logger: Logger | undefined;
  readonly #maxTrackedHandoffs: number;
  readonly #maxReplyBytes: number;
  readonly #running = new Map<string, RunningTask>();
  readonly #pendingHandoffRequests = new Set<AbortController>();
  readonly #handoffs = new Map<string, HandoffRequestPayload>();
  #closed = false;

  constructor(config: OmniforgeAgentExecutorConfig) {
    this.#handlers = {
      handleMessage: config.handleMessage,
      ...(config.onHandoffRequest ? { onHandoffRequest: config.onHandoffRequest } : {}),
      ...(config.onHandoffCancel ? { onHandoffCancel: config.onHandoffCancel } : {}),
    };
    this.#logger = config.logger;
    this.#maxTrackedHandoffs = config.maxTrackedHandoffs ?? 10_000;
    this.#maxReplyBytes = config.maxReplyBytes ?? DEFAULT_AGENT_MAX_REPLY_BYTES;
  }

  /** Number of handlers currently running. */
  get runningTasks(): number {
    return this.#running.size;
  }

  /** Runs one incoming message: a handoff request/cancel answer, or a task driven by handleMessage. */
  execute = async (requestContext: RequestContext, eventBus: ExecutionEventBus): Promise<void> => {
    const message = requestContext.userMessage;
    const parts = message.parts.map((part) => PartCodec.toJSON(part) as WirePart);
    const data: Record<string, unknown>[] = [];
    for (const part of parts) if (isRecord(part.data)) data.push(part.data);
    const requestSignal = requestContext.context.state.get(REQUEST_SIGNAL_STATE_KEY) as
      AbortSignal | undefined;
    try {
      if (this.#closed) {
        this.#reply(eventBus, requestContext.contextId, [textPart("Agent server is shutting down")], false);
        return;
      }
      if (await this.#answerHandoffMessage(data, requestContext.contextId, eventBus, requestSignal)) return;
      await this.#runTurn(requestContext, eventBus, parts, data, requestSignal);
    } finally {
      eventBus.finished();
    }
  };

  /** CancelTask: aborts the handler's signal and ends the task CANCELED at once. */
  cancelTask = async (taskId: string, _eventBus: ExecutionEventBus): Promise<void> => {
    const entry = this.#running.get(taskId);
    if (entry !== undefined) this.#stop(entry, "canceled");
  };

  /** Aborts every running handler and pending handoff decision; later messages are refused. */
  shutdown(): void {
    this.#closed = true;
    for (const entry of [...this.#running.values()]) this.#stop(entry, "shutdown");
    for (const controller of this.#pendingHandoffRequests)
      controller.abort(new Error("agent server closing"));
  }

  /** Handles handoffRequest / handoffCancel messages; returns false for an ordinary message. */
  async #answerHandoffMessage(
    data: Record<string, unknown>[],
    contextId: string,
    eventBus: ExecutionEventBus,
    requestSignal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (data.length === 0) return false;
    let request: HandoffRequestPayload | undefined;
    try {
      request = findHandoffRequest(data);
    } catch (error) {
      this.#replyAccept(eventBus, contextId, {
        accepted: false,
        rejectionReason: `invalid ${errorMessage(error)}`,
      });
      return true;
    }
    if (request !== undefined) {
      this.#replyAccept(eventBus, contextId, await this.#decideHandoff(request, requestSignal));
      return true;
    }
    let cancel: HandoffCancelPayload | undefined;
    try {
      cancel = findHandoffCancel(data);
    } catch (error) {
      this.#reply(eventBus, contextId, [textPart(`Invalid handoffCancel: ${errorMessage(error)}`)], true);
      return true;
    }
    if (cancel === undefined) return false;
    this.#handoffs.delete(cancel.handoffId);
    for (const entry of [...this.#running.values()]) {
      if (entry.handoffId === cancel.handoffId) this.#stop(entry, "handoffCancelled");
    }
    try {
      await this.#handlers.onHandoffCancel?.(cancel);
    } catch (error) {
      this.#logger?.warn({ handoffId: cancel.handoffId, err: errorMessage(error) }, "onHandoffCancel failed");
    }
    this.#logger?.info({ handoffId: cancel.handoffId }, "handoff cancelled");
    this.#reply(eventBus, contextId, [textPart(`Handoff ${cancel.handoffId} cancelled`)], true);
    return true;
  }

  async #decideHandoff(
    request: HandoffRequestPayload,
    requestSignal: AbortSignal | undefined,
  ): Promise<HandoffAcceptPayload> {
    const decide = this.#handlers.onHandoffRequest;
    if (decide === undefined)
      return { accepted: false, rejectionReason: "This agent does not accept handoffs" };
    const controller = new AbortController();
    const onRequestAbort = (): void => controller.abort(new Error("client disconnected"));
    requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
    if (requestSignal?.aborted) onRequestAbort();
    this.#pendingHandoffRequests.add(controller);
    try {
      const decision = await raceAbort(
        Promise.resolve().then(() => decide(request, { signal: controller.signal })),
        controller.signal,
      );
      if (decision === ABORTED) return { accepted: false, rejectionReason: "Handoff request aborted" };
      const parsed = handoffAcceptSchema.safeParse(decision);
      if (!parsed.success) {
        this.#logger?.warn({ handoffId: request.handoffId }, "onHandoffRequest returned an invalid decision");
        return { accepted: false, rejectionReason: "Agent returned an invalid handoff decision" };
      }
      if (parsed.data.accepted) this.#rememberHandoff(request);
      this.#logger?.info(
        { handoffId: request.handoffId, tenantId: request.tenantId, accepted: parsed.data.accepted },
        "handoff request answered",
      );
      return parsed.data;
    } catch (error) {
      this.#logger?.warn(
        { handoffId: request.handoffId, err: errorMessage(error) },
        "onHandoffRequest failed",
      );
      return { accepted: false, rejectionReason: `Handoff request failed: ${errorMessage(error)}` };
    } finally {
      requestSignal?.removeEventListener("abort", onRequestAbort);
      this.#pendingHandoffRequests.delete(controller);
    }
  }

  #rememberHandoff(request: HandoffRequestPayload): void {
    this.#handoffs.delete(request.handoffId);
    this.#handoffs.set(request.handoffId, request);
    while (this.#handoffs.size > this.#maxTrackedHandoffs) {
      const oldest = this.#handoffs.keys().next().value;
      if (oldest === undefined) break;
      this.#handoffs.delete(oldest);
    }
  }

  async #runTurn(
    requestContext: RequestContext,
    eventBus: ExecutionEventBus,
    parts: WirePart[],
    data: Record<string, unknown>[],
    requestSignal: AbortSignal | undefined,
  ): Promise<void> {
    const { taskId, contextId } = requestContext;
    const message = requestContext.userMessage;
    const now = new Date().toISOString();
    const task: Task = requestContext.task
      ? {
          ...requestContext.task,
          status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now },
        }
      : {
          id: taskId,
          contextId,
          status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now },
          artifacts: [],
          history: [message],
          metadata: undefined,
        };
    eventBus.publish(AgentEvent.task(task));
    eventBus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: now },
        metadata: undefined,
      }),
    );

    let omniforge: OmniforgeMetadata | undefined;
    let previousResults: PreviousResult[];
    try {
      omniforge = readOmniforgeMetadata(message.metadata);
      previousResults = findPreviousResults(data) ?? [];
    } catch (error) {
      this.#publishStatus(
        eventBus,
        taskId,
        contextId,
        TaskState.TASK_STATE_FAILED,
        `Invalid message: ${errorMessage(error)}`,
      );
      return;
    }

    const entry: RunningTask = {
      taskId,
      contextId,
      eventBus,
      controller: new AbortController(),
      handoffId: omniforge?.handoffId,
      chunks: 0,
      pending: [],
      pendingBytes: 0,
      lastFlush: Number.NEGATIVE_INFINITY,
      flushTimer: undefined,
      replyBytes: 0,
      returned: false,
      settled: false,
      question: undefined,
    };
    const previous = requestContext.task;
    const continues =
      previous !== undefined &&
      (previous.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED ||
        previous.status?.state === TaskState.TASK_STATE_AUTH_REQUIRED);
    const saved = continues ? previous.metadata?.[HANDLER_STATE_METADATA_KEY] : undefined;
    const hadReply = previous?.artifacts.some((artifact) => artifact.artifactId === ARTIFACT_ID) ?? false;
    const state: Record<string, unknown> = isRecord(saved) ? structuredClone(saved) : {};
    this.#running.set(taskId, entry);
    const onRequestAbort = (): void => this.#stop(entry, "disconnected");
    requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
    if (requestSignal?.aborted) onRequestAbort();

    const handoff = this.#handoffContext(omniforge);
    const ctx: AgentMessageContext = {
      text: parts
        .filter((part) => typeof part.text === "string")
        .map((part) => part.text)
        .join("\n"),
      parts,
      data,
      threadId: contextId,
      tenantId: omniforge?.tenantId,
      userId: omniforge?.userId,
      taskId,
      messageId: message.messageId,
      metadata: message.metadata,
      previousResults,
      handoff,
      signal: entry.controller.signal,
      returnControl: (ret) => this.#returnControl(entry, handoff, ret),
      askUser: (question) => {
        if (typeof question !== "string" || question.trim() === "") {
          throw new TypeError("ctx.askUser(question) needs a non-empty question");
        }
        entry.question = question;
      },
      answerTo: continues ? statusText(previous.status?.message) : undefined,
      state,
    };
    this.#logger?.debug(
      { taskId, contextId, tenantId: ctx.tenantId, handoffId: entry.handoffId },
      "agent turn started",
    );

    let iterator: AsyncIterator<AgentOutput> | undefined;
    try {
      iterator = this.#handlers.handleMessage(ctx)[Symbol.asyncIterator]();
      for (;;) {
        const step = await raceAbort(iterator.next(), entry.controller.signal);
        if (step === ABORTED || entry.settled) break;
        if (step.done) break;
        this.#emitOutput(entry, step.value);
      }
      if (!entry.settled) {
        // The closing chunk. A continued task whose turn said nothing still gets one (empty, not
        // appended): the reply artifact is the current turn's, never the previous turn's words.
        if (entry.chunks > 0 || entry.pending.length > 0 || hadReply) this.#flush(entry, true);
        if (entry.question === undefined) this.#settle(entry, TaskState.TASK_STATE_COMPLETED);
        else this.#ask(entry, entry.question, state);
      }
    } catch (error) {
      if (!entry.settled) {
        this.#logger?.warn({ taskId, contextId, err: errorMessage(error) }, "agent handler failed");
        this.#settle(entry, TaskState.TASK_STATE_FAILED, errorMessage(error));
      }
    } finally {
      requestSignal?.removeEventListener("abort", onRequestAbort);
      this.#running.delete(taskId);
      if (entry.controller.signal.aborted && iterator?.return !== undefined) {
        // The handler may still be busy; let its finally blocks run whenever it gets there.
        const stopped = iterator;
        Promise.resolve()
          .then(() => stopped.return?.(undefined))
          .catch(noop);
      }
    }
  }

  #handoffContext(omniforge: OmniforgeMetadata | undefined): AgentHandoffContext | undefined {
    const handoffId = omniforge?.handoffId;
    if (handoffId === undefined) return undefined;
    const request = this.#handoffs.get(handoffId);
    // A handoff accepted for one tenant is never revealed to another.
    if (request === undefined || request.tenantId !== omniforge?.tenantId) return { handoffId };
    return { ...request, handoffId };
  }

  #returnControl(
    entry: RunningTask,
    handoff: AgentHandoffContext | undefined,
    ret: HandoffReturnPayload,
  ): void {
    const payload = findHandoffReturn([handoffData.return(ret)]);
    if (payload === undefined || entry.settled || entry.returned) return;
    entry.returned = true;
    if (handoff !== undefined) this.#handoffs.delete(handoff.handoffId);
    this.#flush(entry, false);
    this.#publishChunk(entry, [dataPart(handoffData.return(payload))], false, [HANDOFF_EXTENSION_URI]);
    this.#logger?.info(
      { taskId: entry.taskId, handoffId: handoff?.handoffId, completionStatus: payload.completionStatus },
      "handoff returned",
    );
  }

  #emitOutput(entry: RunningTask, output: AgentOutput): void {
    let part: Part;
    let bytes: number;
    if (typeof output === "string") {
      if (output === "") return;
      part = textPart(output);
      bytes = Buffer.byteLength(output);
    } else if (isRecord(output) && isRecord(output.data)) {
      part = dataPart(output.data);
      bytes = Buffer.byteLength(JSON.stringify(output.data));
    } else {
      throw new TypeError("handleMessage must yield strings or { data: {...} } objects");
    }
    entry.replyBytes += bytes;
    if (entry.replyBytes > this.#maxReplyBytes) {
      throw new RangeError(
        `the reply is larger than ${this.#maxReplyBytes} bytes (serveAgent maxReplyBytes)`,
      );
    }
    this.#queue(entry, part, bytes);
  }

  /** Queues a part: sent at once when the last update is old enough or enough waits, else soon. */
  #queue(entry: RunningTask, part: Part, bytes: number): void {
    const last = entry.pending.at(-1);
    if (last?.content?.$case === "text" && part.content?.$case === "text") {
      last.content = { $case: "text", value: last.content.value + part.content.value };
    } else {
      entry.pending.push(part);
    }
    entry.pendingBytes += bytes;
    const waited = performance.now() - entry.lastFlush;
    if (waited >= COALESCE_MS || entry.pendingBytes >= COALESCE_BYTES) {
      this.#flush(entry, false);
    } else {
      entry.flushTimer ??= setTimeout(() => this.#flush(entry, false), COALESCE_MS - waited);
    }
  }

  /** Sends what is queued as one artifact update (the closing one with `lastChunk`, even when empty). */
  #flush(entry: RunningTask, lastChunk: boolean): void {
    clearTimeout(entry.flushTimer);
    entry.flushTimer = undefined;
    if (entry.settled || (entry.pending.length === 0 && !lastChunk)) return;
    const parts = entry.pending.length > 0 ? entry.pending : [textPart("")];
    entry.pending = [];
    entry.pendingBytes = 0;
    entry.lastFlush = performance.now();
    this.#publishChunk(entry, parts, lastChunk);
  }

  #publishChunk(entry: RunningTask, parts: Part[], lastChunk: boolean, extensions: string[] = []): void {
    entry.eventBus.publish(
      AgentEvent.artifactUpdate({
        taskId: entry.taskId,
        contextId: entry.contextId,
        artifact: {
          artifactId: ARTIFACT_ID,
          name: ARTIFACT_ID,
          description: "",
          parts,
          metadata: undefined,
          extensions,
        },
        append: entry.chunks > 0,
        lastChunk,
        metadata: undefined,
      }),
    );
    entry.chunks += 1;
  }

  /** Stops a running handler and ends its task at once (the handler is not waited for). */
  #stop(entry: RunningTask, reason: StopReason): void {
    if (entry.settled) return;
    entry.controller.abort(new Error(`task stopped: ${reason}`));
    this.#logger?.debug({ taskId: entry.taskId, reason }, "agent turn stopped");
    switch (reason) {
      case "shutdown":
        this.#settle(entry, TaskState.TASK_STATE_FAILED, "Agent server is shutting down");
        break;
      case "handoffCancelled":
        this.#settle(entry, TaskState.TASK_STATE_CANCELED, "Handoff cancelled");
        break;
      case "disconnected":
        this.#settle(entry, TaskState.TASK_STATE_CANCELED, "Client disconnected");
        break;
      default:
        this.#settle(entry, TaskState.TASK_STATE_CANCELED, "Task canceled");
    }
  }

  /** Ends the turn INPUT_REQUIRED with the question, keeping the handler's state with the task. */
  #ask(entry: RunningTask, question: string, state: Record<string, unknown>): void {
    const json = JSON.stringify(state);
    if (Buffer.byteLength(json) > MAX_HANDLER_STATE_BYTES) {
      throw new RangeError(`ctx.state is larger than ${MAX_HANDLER_STATE_BYTES} bytes as JSON`);
    }
    entry.settled = true;
    this.#publishStatus(
      entry.eventBus,
      entry.taskId,
      entry.contextId,
      TaskState.TASK_STATE_INPUT_REQUIRED,
      question,
      { [HANDLER_STATE_METADATA_KEY]: JSON.parse(json) as Record<string, unknown> },
    );
  }

  #settle(entry: RunningTask, state: TaskState, text?: string): void {
    if (entry.settled) return;
    // What was yielded before the turn ended goes out first.
    this.#flush(entry, false);
    entry.settled = true;
    this.#publishStatus(entry.eventBus, entry.taskId, entry.contextId, state, text);
  }

  #publishStatus(
    eventBus: ExecutionEventBus,
    taskId: string,
    contextId: string,
    state: TaskState,
    text?: string,
    metadata?: Record<string, unknown>,
  ): void {
    eventBus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: {
          state,
          message: text === undefined ? undefined : this.#message(contextId, taskId, [textPart(text)], []),
          timestamp: new Date().toISOString(),
        },
        metadata,
      }),
    );
  }

  #replyAccept(eventBus: ExecutionEventBus, contextId: string, accept: HandoffAcceptPayload): void {
    this.#reply(eventBus, contextId, [dataPart(handoffData.accept(accept))], true);
  }

  #reply(eventBus: ExecutionEventBus, contextId: string, parts: Part[], handoff: boolean): void {
    eventBus.publish(
      AgentEvent.message(this.#message(contextId, "", parts, handoff ? [HANDOFF_EXTENSION_URI] : [])),
    );
  }

  #message(contextId: string, taskId: string, parts: Part[], extensions: string[]): Message {
    return {
      messageId: randomUUID(),
      contextId,
      taskId,
      role: Role.ROLE_AGENT,
      parts,
      metadata: undefined,
      extensions,
      referenceTaskIds: [],
    };
  }
}
