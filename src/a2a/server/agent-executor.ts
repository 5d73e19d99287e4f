/**
 * The protocol-neutral heart of {@link serveAgent}: an `@a2a-js/sdk` AgentExecutor that turns an
 * OmniForge `handleMessage` async generator into A2A task events, answers the handoff extension's
 * request/cancel messages, and ties every running handler to an AbortSignal (CancelTask, client
 * disconnect, server shutdown). It needs no socket, so it can be driven directly in tests. One
 * turn's events are `AgentTurn`'s (agent-turn.ts); its reply artifact is `ReplyQueue`'s.
 */
import { Part as PartCodec, TaskState } from "@a2a-js/sdk";
import type { Part } from "@a2a-js/sdk";
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
import { isObject, type WirePart } from "../wire.js";
import type {
  AgentHandlers,
  AgentHandoffContext,
  AgentMessageContext,
  AgentOutput,
} from "./agent-handlers.js";
import {
  AgentTurn,
  agentMessage,
  continuationOf,
  publishStatus,
  publishTurnStart,
  type Continuation,
} from "./agent-turn.js";
import { dataPart, textPart } from "./reply-queue.js";

export interface OmniforgeAgentExecutorConfig extends AgentHandlers {
  logger?: Logger;
  /** How many accepted handoffs are remembered for `ctx.handoff` (oldest forgotten first). Default 10,000. */
  maxTrackedHandoffs?: number;
  /** The most one turn's reply may total (text and data, as UTF-8/JSON); past it the turn fails. Default 8 MiB. */
  maxReplyBytes?: number;
}

/** The most one turn's reply may total by default. */
export const DEFAULT_AGENT_MAX_REPLY_BYTES = 8 * 1024 * 1024;

/** Key in `ServerCallContext.state` under which an adapter puts an AbortSignal that fires on client disconnect. */
export const REQUEST_SIGNAL_STATE_KEY = "omniforge.requestSignal";

/** What a turn's `ctx` is built from, besides the turn itself. */
interface MessageContextInput {
  readonly requestContext: RequestContext;
  readonly parts: WirePart[];
  readonly data: Record<string, unknown>[];
  readonly omniforge: OmniforgeMetadata | undefined;
  readonly previousResults: PreviousResult[];
  readonly continuation: Continuation;
}

const ABORTED = Symbol("aborted");
const noop = (): void => {};

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

/** A turn's handler: its iterator, and whether it is over (ran to its end, threw, or was released). */
interface HandlerRun {
  iterator: AsyncIterator<AgentOutput> | undefined;
  ended: boolean;
}

/**
 * Ends a handler whose turn ended without it (a failure, CancelTask, a client gone): aborts
 * `ctx.signal` (listeners run now: an HTTP request to a model is cut) and calls the iterator's
 * `return()` at once, so a generator paused at a `yield` runs its finally blocks right away; one
 * still busy runs them when its current step ends.
 */
function releaseHandler(turn: AgentTurn, handler: HandlerRun, reason: unknown): void {
  if (!turn.controller.signal.aborted) turn.controller.abort(reason);
  if (handler.ended) return;
  handler.ended = true;
  const iterator = handler.iterator;
  if (iterator?.return === undefined) return;
  try {
    Promise.resolve(iterator.return(undefined)).catch(noop);
  } catch {
    // A return() that throws at once has nothing more to release.
  }
}

/**
 * AgentExecutor for agents built with serveAgent. Event sequence of a normal turn: task
 * (SUBMITTED) -> status WORKING -> artifact chunks (append after the first; an empty closing chunk
 * carries lastChunk) -> status COMPLETED (or FAILED with the error message, REJECTED with the reason
 * of a handler that called `ctx.decline`, or CANCELED).
 */
export class OmniforgeAgentExecutor implements AgentExecutor {
  readonly #handlers: AgentHandlers;
  readonly #logger: Logger | undefined;
  readonly #maxTrackedHandoffs: number;
  readonly #maxReplyBytes: number;
  readonly #running = new Map<string, AgentTurn>();
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
    for (const part of parts) if (isObject(part.data)) data.push(part.data);
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
    const turn = this.#running.get(taskId);
    if (turn !== undefined) turn.stop("canceled");
  };

  /** Aborts every running handler and pending handoff decision; later messages are refused. */
  shutdown(): void {
    this.#closed = true;
    for (const turn of [...this.#running.values()]) turn.stop("shutdown");
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
    for (const turn of [...this.#running.values()]) {
      if (turn.handoffId === cancel.handoffId) turn.stop("handoffCancelled");
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
    publishTurnStart(requestContext, eventBus);

    const envelope = readEnvelope(requestContext, data, eventBus);
    if (envelope === undefined) return;
    const { omniforge, previousResults } = envelope;

    const turn = new AgentTurn({
      taskId,
      contextId,
      eventBus,
      handoffId: omniforge?.handoffId,
      maxReplyBytes: this.#maxReplyBytes,
      logger: this.#logger,
    });
    const continuation = continuationOf(requestContext.task);
    this.#running.set(taskId, turn);
    const onRequestAbort = (): void => turn.stop("disconnected");
    requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
    if (requestSignal?.aborted) onRequestAbort();

    const ctx = this.#messageContext(turn, {
      requestContext,
      parts,
      data,
      omniforge,
      previousResults,
      continuation,
    });
    this.#logger?.debug(
      { taskId, contextId, tenantId: ctx.tenantId, handoffId: turn.handoffId },
      "agent turn started",
    );

    const handler: HandlerRun = { iterator: undefined, ended: false };
    try {
      const iterator = this.#handlers.handleMessage(ctx)[Symbol.asyncIterator]();
      handler.iterator = iterator;
      for (;;) {
        const step = await raceAbort(
          iterator.next().catch((error: unknown) => {
            handler.ended = true; // a handler that threw is over: nothing to return()
            throw error;
          }),
          turn.controller.signal,
        );
        if (step === ABORTED || turn.settled) break;
        if (step.done) {
          handler.ended = true;
          break;
        }
        turn.reply.push(step.value);
      }
      if (!turn.settled) {
        // The closing chunk. A continued task whose turn said nothing still gets one (empty, not
        // appended): the reply artifact is the current turn's, never the previous turn's words.
        if (turn.reply.started || continuation.hadReply) turn.reply.flush(true);
        if (turn.declined !== undefined) turn.settle(TaskState.TASK_STATE_REJECTED, turn.declined);
        else if (turn.question === undefined) turn.settle(TaskState.TASK_STATE_COMPLETED);
        else turn.ask(turn.question, continuation.state);
      }
    } catch (error) {
      if (!turn.settled) {
        // Released before the failure is published, so the handler's resources (a model request
        // waiting on ctx.signal) go now, not when the handler notices on its own.
        releaseHandler(turn, handler, error);
        this.#logger?.warn({ taskId, contextId, err: errorMessage(error) }, "agent handler failed");
        turn.settle(TaskState.TASK_STATE_FAILED, errorMessage(error));
      }
    } finally {
      requestSignal?.removeEventListener("abort", onRequestAbort);
      this.#running.delete(taskId);
      if (!handler.ended) releaseHandler(turn, handler, new Error("agent turn ended"));
    }
  }

  /** The `ctx` a turn's handler gets. */
  #messageContext(turn: AgentTurn, input: MessageContextInput): AgentMessageContext {
    const { requestContext, parts, omniforge, continuation } = input;
    const message = requestContext.userMessage;
    const handoff = this.#handoffContext(omniforge);
    return {
      text: parts
        .filter((part) => typeof part.text === "string")
        .map((part) => part.text)
        .join("\n"),
      parts,
      data: input.data,
      threadId: requestContext.contextId,
      tenantId: omniforge?.tenantId,
      userId: omniforge?.userId,
      taskId: requestContext.taskId,
      messageId: message.messageId,
      metadata: message.metadata,
      previousResults: input.previousResults,
      handoff,
      signal: turn.controller.signal,
      returnControl: (ret) => this.#returnControl(turn, handoff, ret),
      askUser: (question) => {
        if (typeof question !== "string" || question.trim() === "") {
          throw new TypeError("ctx.askUser(question) needs a non-empty question");
        }
        turn.question = question;
      },
      decline: (reason) => {
        if (typeof reason !== "string" || reason.trim() === "") {
          throw new TypeError("ctx.decline(reason) needs a non-empty reason");
        }
        turn.declined = reason;
      },
      answerTo: continuation.answerTo,
      state: continuation.state,
    };
  }

  #handoffContext(omniforge: OmniforgeMetadata | undefined): AgentHandoffContext | undefined {
    const handoffId = omniforge?.handoffId;
    if (handoffId === undefined) return undefined;
    const request = this.#handoffs.get(handoffId);
    // A handoff accepted for one tenant is never revealed to another.
    if (request === undefined || request.tenantId !== omniforge?.tenantId) return { handoffId };
    return { ...request, handoffId };
  }

  #returnControl(turn: AgentTurn, handoff: AgentHandoffContext | undefined, ret: HandoffReturnPayload): void {
    const payload = findHandoffReturn([handoffData.return(ret)]);
    if (payload === undefined || turn.settled || turn.returned) return;
    turn.returned = true;
    if (handoff !== undefined) this.#handoffs.delete(handoff.handoffId);
    turn.reply.flush(false);
    turn.reply.publish([dataPart(handoffData.return(payload))], false, [HANDOFF_EXTENSION_URI]);
    this.#logger?.info(
      { taskId: turn.taskId, handoffId: handoff?.handoffId, completionStatus: payload.completionStatus },
      "handoff returned",
    );
  }

  #replyAccept(eventBus: ExecutionEventBus, contextId: string, accept: HandoffAcceptPayload): void {
    this.#reply(eventBus, contextId, [dataPart(handoffData.accept(accept))], true);
  }

  #reply(eventBus: ExecutionEventBus, contextId: string, parts: Part[], handoff: boolean): void {
    eventBus.publish(
      AgentEvent.message(
        agentMessage({ contextId, taskId: "", parts, extensions: handoff ? [HANDOFF_EXTENSION_URI] : [] }),
      ),
    );
  }
}

/**
 * OmniForge's metadata and the chain's earlier answers, read off the message; a message that
 * carries them malformed ends the turn FAILED (undefined).
 */
function readEnvelope(
  requestContext: RequestContext,
  data: Record<string, unknown>[],
  eventBus: ExecutionEventBus,
): { omniforge: OmniforgeMetadata | undefined; previousResults: PreviousResult[] } | undefined {
  try {
    return {
      omniforge: readOmniforgeMetadata(requestContext.userMessage.metadata),
      previousResults: findPreviousResults(data) ?? [],
    };
  } catch (error) {
    const { taskId, contextId } = requestContext;
    publishStatus(eventBus, {
      taskId,
      contextId,
      state: TaskState.TASK_STATE_FAILED,
      text: `Invalid message: ${errorMessage(error)}`,
    });
    return undefined;
  }
}
