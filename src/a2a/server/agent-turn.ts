/**
 * One turn of a task on a served agent: the events that open it, what it takes over from a previous
 * turn that asked for input, and how it ends (completed, failed, stopped, or asking the user).
 */
import { randomUUID } from "node:crypto";
import { Role, TaskState } from "@a2a-js/sdk";
import type { Message, Part, Task } from "@a2a-js/sdk";
import { AgentEvent } from "@a2a-js/sdk/server";
import type { ExecutionEventBus, RequestContext } from "@a2a-js/sdk/server";
import type { Logger } from "pino";
import { isObject } from "../wire.js";
import { REPLY_ARTIFACT_ID, ReplyQueue, textPart } from "./reply-queue.js";

/** Key in a task's metadata under which a handler's `ctx.state` is kept between turns. */
export const HANDLER_STATE_METADATA_KEY = "omniforgeState";

/** The largest `ctx.state`, as JSON. */
export const MAX_HANDLER_STATE_BYTES = 64 * 1024;

export type StopReason = "canceled" | "disconnected" | "shutdown" | "handoffCancelled";

export interface AgentMessageOptions {
  contextId: string;
  /** "" for a message that belongs to no task. */
  taskId: string;
  parts: Part[];
  extensions: string[];
}

/** A message from the agent. */
export function agentMessage(options: AgentMessageOptions): Message {
  return {
    messageId: randomUUID(),
    contextId: options.contextId,
    taskId: options.taskId,
    role: Role.ROLE_AGENT,
    parts: options.parts,
    metadata: undefined,
    extensions: options.extensions,
    referenceTaskIds: [],
  };
}

export interface StatusOptions {
  taskId: string;
  contextId: string;
  state: TaskState;
  /** The status message's text; none when undefined. */
  text?: string | undefined;
  metadata?: Record<string, unknown>;
}

export function publishStatus(eventBus: ExecutionEventBus, options: StatusOptions): void {
  const { taskId, contextId, text } = options;
  eventBus.publish(
    AgentEvent.statusUpdate({
      taskId,
      contextId,
      status: {
        state: options.state,
        message:
          text === undefined
            ? undefined
            : agentMessage({ contextId, taskId, parts: [textPart(text)], extensions: [] }),
        timestamp: new Date().toISOString(),
      },
      metadata: options.metadata,
    }),
  );
}

/** Opens a turn: the task (SUBMITTED; a continued task as it was, with the new status), then WORKING. */
export function publishTurnStart(requestContext: RequestContext, eventBus: ExecutionEventBus): void {
  const { taskId, contextId } = requestContext;
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
        history: [requestContext.userMessage],
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
}

/** What a turn takes over from the task's previous turn. */
export interface Continuation {
  /** The question the previous turn asked, when it waited for input; undefined otherwise. */
  readonly answerTo: string | undefined;
  /** The handler's state the previous turn saved when it asked; {} otherwise. */
  readonly state: Record<string, unknown>;
  /** True when an earlier turn sent a reply artifact (this turn's reply replaces it). */
  readonly hadReply: boolean;
}

/** The text of a status message (an earlier turn's question). */
function statusText(message: Message | undefined): string {
  if (message === undefined) return "";
  return message.parts
    .map((part) => (part.content?.$case === "text" ? part.content.value : ""))
    .filter((text) => text !== "")
    .join("\n");
}

export function continuationOf(previous: Task | undefined): Continuation {
  const continues =
    previous !== undefined &&
    (previous.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED ||
      previous.status?.state === TaskState.TASK_STATE_AUTH_REQUIRED);
  const saved = continues ? previous.metadata?.[HANDLER_STATE_METADATA_KEY] : undefined;
  const hadReply = previous?.artifacts.some((artifact) => artifact.artifactId === REPLY_ARTIFACT_ID) ?? false;
  return {
    answerTo: continues ? statusText(previous.status?.message) : undefined,
    state: isObject(saved) ? structuredClone(saved) : {},
    hadReply,
  };
}

export interface AgentTurnConfig {
  readonly taskId: string;
  readonly contextId: string;
  readonly eventBus: ExecutionEventBus;
  /** The handoff the turn's message belongs to, if any. */
  readonly handoffId: string | undefined;
  readonly maxReplyBytes: number;
  readonly logger: Logger | undefined;
}

/** A running turn: its abort controller, its reply, and the ways it ends (each at most once). */
export class AgentTurn {
  readonly taskId: string;
  readonly contextId: string;
  readonly eventBus: ExecutionEventBus;
  readonly handoffId: string | undefined;
  readonly controller = new AbortController();
  readonly reply: ReplyQueue;
  /** True once the handler handed control back (`returnControl`). */
  returned = false;
  /** What the handler asked (`askUser`), when it did. */
  question: string | undefined;
  /** Why the handler declined (`decline`), when it did: the turn ends REJECTED. */
  declined: string | undefined;
  readonly #logger: Logger | undefined;

  constructor(config: AgentTurnConfig) {
    this.taskId = config.taskId;
    this.contextId = config.contextId;
    this.eventBus = config.eventBus;
    this.handoffId = config.handoffId;
    this.#logger = config.logger;
    this.reply = new ReplyQueue({
      eventBus: config.eventBus,
      taskId: config.taskId,
      contextId: config.contextId,
      maxReplyBytes: config.maxReplyBytes,
    });
  }

  /** True once the turn has ended. */
  get settled(): boolean {
    return this.reply.closed;
  }

  /** Stops a running handler and ends its task at once (the handler is not waited for). */
  stop(reason: StopReason): void {
    if (this.settled) return;
    this.controller.abort(new Error(`task stopped: ${reason}`));
    this.#logger?.debug({ taskId: this.taskId, reason }, "agent turn stopped");
    switch (reason) {
      case "shutdown":
        this.settle(TaskState.TASK_STATE_FAILED, "Agent server is shutting down");
        break;
      case "handoffCancelled":
        this.settle(TaskState.TASK_STATE_CANCELED, "Handoff cancelled");
        break;
      case "disconnected":
        this.settle(TaskState.TASK_STATE_CANCELED, "Client disconnected");
        break;
      default:
        this.settle(TaskState.TASK_STATE_CANCELED, "Task canceled");
    }
  }

  /** Ends the turn INPUT_REQUIRED with the question, keeping the handler's state with the task. */
  ask(question: string, state: Record<string, unknown>): void {
    const json = JSON.stringify(state);
    if (Buffer.byteLength(json) > MAX_HANDLER_STATE_BYTES) {
      throw new RangeError(`ctx.state is larger than ${MAX_HANDLER_STATE_BYTES} bytes as JSON`);
    }
    this.reply.close();
    publishStatus(this.eventBus, {
      taskId: this.taskId,
      contextId: this.contextId,
      state: TaskState.TASK_STATE_INPUT_REQUIRED,
      text: question,
      metadata: { [HANDLER_STATE_METADATA_KEY]: JSON.parse(json) as Record<string, unknown> },
    });
  }

  settle(state: TaskState, text?: string): void {
    if (this.settled) return;
    // What was yielded before the turn ended goes out first.
    this.reply.flush(false);
    this.reply.close();
    publishStatus(this.eventBus, { taskId: this.taskId, contextId: this.contextId, state, text });
  }
}
