/**
 * The SDK's request handler with one rule of serveAgent's turn model: a task takes one turn at a
 * time. A message naming a task continues it only while the task waits for input (its last turn
 * asked); a message for a task that is still working — a double-submitted answer, a retry racing
 * the first attempt — is refused with UnsupportedOperationError. Otherwise the SDK would run a second
 * handler on the same task and event bus: the second one would start without the saved `ctx.state`,
 * and its events would end the first one's reply.
 */
import { TaskState } from "@a2a-js/sdk";
import type {
  AgentCard,
  CancelTaskRequest,
  GetTaskRequest,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
} from "@a2a-js/sdk";
import {
  DefaultRequestHandler,
  resolveUserScope,
  type AgentExecutor,
  type ServerCallContext,
  type TaskStore,
} from "@a2a-js/sdk/server";
import { TaskNotFoundError, UnsupportedOperationError } from "@a2a-js/sdk/errors";
import { ErrorCode } from "../../errors.js";
import { OmniforgeDataKey } from "../handoff-extension.js";
import { isObject } from "../wire.js";
import { HANDLER_STATE_METADATA_KEY } from "./agent-turn.js";
import { BoundedTaskStore } from "./task-stores.js";

/** States of a task whose turn is still running. */
const RUNNING_STATES: ReadonlySet<TaskState | undefined> = new Set([
  TaskState.TASK_STATE_SUBMITTED,
  TaskState.TASK_STATE_WORKING,
]);

const noop = (): void => {};

export class TurnTakingRequestHandler extends DefaultRequestHandler {
  readonly #tasks: TaskStore;
  /** Tasks a message of this process is continuing right now (tenant, owner, task id). */
  readonly #continuing = new Set<string>();

  constructor(card: AgentCard, tasks: TaskStore, executor: AgentExecutor) {
    // No event bus outlives its turn: a task waiting for input is continued from the task store,
    // the same way on this process, after a restart, or on another replica.
    super(card, tasks, executor, undefined, undefined, undefined, undefined, undefined, {
      keepBusAliveStates: [],
    });
    this.#tasks = tasks;
  }

  override async sendMessage(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): Promise<Message | Task> {
    const release = await this.#claim(params, context);
    try {
      const result = await super.sendMessage(params, context);
      return "messageId" in result ? result : withoutState(result);
    } finally {
      release();
    }
  }

  override async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return withoutState(await super.getTask(params, context));
  }

  override async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    return withoutState(await super.cancelTask(params, context));
  }

  override async listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    // Anonymous callers share one owner: listing would show each of them everyone's tasks.
    if (context.user?.isAuthenticated !== true) {
      throw new UnsupportedOperationError(
        "ListTasks needs a named caller (serveAgent's authenticate must return the caller's name)",
      );
    }
    const page = await super.listTasks(params, context);
    return { ...page, tasks: page.tasks.map(withoutState) };
  }

  override async *resubscribe(
    params: SubscribeToTaskRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    for await (const event of super.resubscribe(params, context)) yield eventWithoutState(event);
  }

  override async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const release = await this.#claim(params, context);
    try {
      for await (const event of super.sendMessageStream(params, context)) yield eventWithoutState(event);
    } finally {
      release();
    }
  }

  /**
   * Refuses a message that would start a turn while the in-memory store is full of running tasks:
   * none of them can be removed, so a new one would only grow memory past `maxStoredBytes`.
   */
  #checkRoom(params: SendMessageRequest): void {
    const tasks = this.#tasks;
    if (!(tasks instanceof BoundedTaskStore) || !tasks.full || !startsTurn(params)) return;
    throw new UnsupportedOperationError(
      `${ErrorCode.LIMIT_EXCEEDED}: this agent's running tasks fill its task store ` +
        `(serveAgent tasks.maxStoredBytes ${tasks.maxStoredBytes} bytes, tasks.maxTasks ${tasks.maxTasks}); ` +
        "send the message again once some have finished",
    );
  }

  /**
   * Claims the task a message continues, or refuses the message when another turn of it is running
   * (here, or — as the task store shows — on another replica). Unknown and finished tasks are left
   * to the SDK's own errors.
   */
  async #claim(params: SendMessageRequest, context: ServerCallContext): Promise<() => void> {
    this.#checkRoom(params);
    const taskId = params.message?.taskId;
    if (!taskId) return noop;
    const key = `${context.tenant ?? ""}\u0000${resolveUserScope(context)}\u0000${taskId}`;
    // Claimed before the store is read, so two messages racing in this process cannot both pass.
    if (this.#continuing.has(key)) throw busy(taskId);
    this.#continuing.add(key);
    const release = (): void => {
      this.#continuing.delete(key);
    };
    try {
      const task = await this.#tasks.load(taskId, context);
      if (task !== undefined && RUNNING_STATES.has(task.status?.state)) throw busy(taskId);
      // A task begun for one OmniForge tenant is not another's to continue: it is not found.
      if (task !== undefined && tenantOf(task.history[0]?.metadata) !== tenantOf(params.message?.metadata)) {
        throw new TaskNotFoundError(`Task not found: ${taskId}`);
      }
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }
}

/** Keys of the data parts that answer a handoff without starting a turn (no task is stored). */
const HANDOFF_MESSAGE_KEYS: readonly string[] = [
  OmniforgeDataKey.HANDOFF_REQUEST,
  OmniforgeDataKey.HANDOFF_CANCEL,
];

function startsTurn(params: SendMessageRequest): boolean {
  return !(params.message?.parts ?? []).some((part) => {
    const data: unknown = part.content?.$case === "data" ? part.content.value : undefined;
    return isObject(data) && HANDOFF_MESSAGE_KEYS.some((key) => key in data);
  });
}

function busy(taskId: string): UnsupportedOperationError {
  return new UnsupportedOperationError(
    `Task ${taskId} is still working on an earlier message; send the next one once it asks for input`,
  );
}

/**
 * What a handler keeps between turns (`ctx.state`) is the agent's own: it lives in the task's
 * metadata in the store, and is taken out of everything a client is sent.
 */
function withoutMetadataState<T extends { metadata?: Record<string, unknown> | undefined }>(value: T): T {
  const metadata = value.metadata;
  if (metadata === undefined || !(HANDLER_STATE_METADATA_KEY in metadata)) return value;
  const { [HANDLER_STATE_METADATA_KEY]: _hidden, ...rest } = metadata;
  return { ...value, metadata: Object.keys(rest).length > 0 ? rest : undefined };
}

function withoutState(task: Task): Task {
  return withoutMetadataState(task);
}

function eventWithoutState(event: StreamResponse): StreamResponse {
  const payload = event.payload;
  if (payload?.$case === "task")
    return { ...event, payload: { $case: "task", value: withoutState(payload.value) } };
  if (payload?.$case === "statusUpdate") {
    return { ...event, payload: { $case: "statusUpdate", value: withoutMetadataState(payload.value) } };
  }
  return event;
}

/** The OmniForge tenant a message says it speaks for (`metadata.omniforge.tenantId`), if any. */
function tenantOf(metadata: Record<string, unknown> | undefined): string | undefined {
  const omniforge = metadata?.omniforge;
  if (omniforge === null || typeof omniforge !== "object") return undefined;
  const tenantId = (omniforge as { tenantId?: unknown }).tenantId;
  return typeof tenantId === "string" ? tenantId : undefined;
}
