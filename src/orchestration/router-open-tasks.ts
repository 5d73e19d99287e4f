/**
 * The router's side of open tasks: a turn continues the task its agent left waiting for input,
 * and afterwards the thread remembers the task the agent left waiting, or forgets one it finished.
 */
import { ErrorCode, isOrchestrationError } from "../errors.js";
import type { HandoffSession } from "./handoff-manager.js";
import { OPEN_TASK_LIMITS, type OpenTask, type OpenTaskStore } from "./open-tasks.js";
import type { AgentStreamItem, DelegationResult } from "./orchestration-manager.js";
import type { ThreadRef } from "./router-replies.js";

/** An agent's reply stream, as the orchestration manager streams it. */
export type AgentStream = AsyncGenerator<AgentStreamItem, DelegationResult, undefined>;

/** What an agent asked when it left its task waiting for input. */
export type InputRequest = Extract<AgentStreamItem, { type: "input_required" }>;

/** One agent's turn in a thread, as far as its open task is concerned. */
export interface OpenTaskTurn {
  input: ThreadRef;
  agentId: string;
  /** The handoff whose specialist answers, if any. */
  session?: Pick<HandoffSession, "handoffId">;
  /** The task this turn continued, if any. */
  open: OpenTask | undefined;
}

/** Open-task bookkeeping over an optional store: without one, every turn starts a new task. */
export class RouterOpenTasks {
  readonly #store: OpenTaskStore | undefined;

  constructor(store: OpenTaskStore | undefined) {
    this.#store = store;
  }

  /** The task `agentId` left waiting in this thread (in this handoff, or outside any), if any. */
  async find(
    input: ThreadRef,
    ref: { agentId: string; handoffId: string | undefined },
  ): Promise<OpenTask | undefined> {
    if (this.#store === undefined) return undefined;
    return this.#store.find({
      tenantId: input.tenantId,
      threadId: input.threadId,
      agentId: ref.agentId,
      ...(ref.handoffId ? { handoffId: ref.handoffId } : {}),
    });
  }

  /**
   * The agent's reply stream, continuing `open`'s task when there is one. An agent that no longer
   * knows the task (or will not take it on: finished, expired, restarted without its store) refuses
   * before it says anything; then the task is forgotten and the message goes out as a new task.
   */
  async *continuing(
    open: OpenTask | undefined,
    start: (taskId: string | undefined) => AgentStream,
  ): AgentStream {
    if (open === undefined) return yield* start(undefined);
    const stream = start(open.taskId);
    let first: IteratorResult<AgentStreamItem, DelegationResult>;
    try {
      first = await stream.next();
    } catch (error) {
      if (!isOrchestrationError(error) || error.code !== ErrorCode.AGENT_PROTOCOL_ERROR) throw error;
      await this.#store?.remove({ ...open, taskId: open.taskId });
      return yield* start(undefined);
    }
    if (first.done) return first.value;
    yield first.value;
    return yield* stream;
  }

  /** After a turn: the task the agent left waiting is remembered; one it finished is forgotten. */
  async settle(turn: OpenTaskTurn, asked: InputRequest | undefined): Promise<void> {
    if (this.#store === undefined) return;
    const ref = { tenantId: turn.input.tenantId, threadId: turn.input.threadId, agentId: turn.agentId };
    // A task id no store could keep (the agent chose it) cannot be continued: the next message
    // goes out as a new task rather than the turn failing.
    if (asked !== undefined && keepable(asked.taskId)) {
      const contextId = asked.contextId;
      await this.#store.save({
        ...ref,
        ...(turn.session ? { handoffId: turn.session.handoffId } : {}),
        taskId: asked.taskId,
        ...(contextId && keepable(contextId) ? { contextId } : {}),
        state: asked.state,
        question: asked.question.slice(0, OPEN_TASK_LIMITS.questionLength).replaceAll("\u0000", "\uFFFD"),
      });
    } else if (asked !== undefined || turn.open !== undefined) {
      await this.#store.remove({ ...ref, ...(turn.open ? { taskId: turn.open.taskId } : {}) });
    }
  }

  /** Forgets the agent's open task in the thread (its handoff was cancelled). */
  async forget(ref: ThreadRef & { agentId: string }): Promise<void> {
    await this.#store?.remove(ref);
  }

  /** Forgets every task the agent left open in the tenant's threads (the agent was removed). */
  async forgetAgent(ref: { tenantId: string; agentId: string }): Promise<void> {
    await this.#store?.removeAgent(ref);
  }
}

/** An id an agent chose that a store can keep as it is (no NUL: PostgreSQL text cannot hold one). */
function keepable(id: string): boolean {
  return id.length <= OPEN_TASK_LIMITS.idLength && !id.includes("\u0000");
}
