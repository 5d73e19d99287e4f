/**
 * Tasks that wait for the user. When an agent ends a turn asking for input (A2A
 * `TASK_STATE_INPUT_REQUIRED`, or `AUTH_REQUIRED`), the thread remembers the open task — per tenant,
 * thread and agent, and per handoff when a specialist asked — so the user's next message in that
 * thread continues the same task, on whichever replica it lands, after a restart too. The router
 * writes it through this interface; the SQL implementation lives with storage.
 */

/** What an open task may hold: ids an agent chose are kept only if they fit; a question is cut. */
export const OPEN_TASK_LIMITS = Object.freeze({ idLength: 255, questionLength: 2_000 });

/** One task an agent left open in a thread. */
export interface OpenTask {
  tenantId: string;
  threadId: string;
  agentId: string;
  /** The handoff whose specialist asked; undefined when a default agent asked. */
  handoffId?: string;
  taskId: string;
  contextId?: string;
  /** `TASK_STATE_INPUT_REQUIRED` or `TASK_STATE_AUTH_REQUIRED`. */
  state: string;
  /** What the agent asked. */
  question: string;
  createdAt: string;
  updatedAt: string;
}

/** Where open tasks are kept. Every method is scoped by tenant and thread. */
export interface OpenTaskStore {
  /** The task `agentId` left open in the thread (for `handoffId`, or outside any handoff), if any. */
  find(ref: {
    tenantId: string;
    threadId: string;
    agentId: string;
    handoffId?: string;
  }): Promise<OpenTask | undefined>;
  /** Records (or replaces) the agent's open task in the thread. */
  save(task: Omit<OpenTask, "createdAt" | "updatedAt">): Promise<void>;
  /** Forgets the agent's open task in the thread — only `taskId`'s, when given (another turn may have opened a new one). */
  remove(ref: { tenantId: string; threadId: string; agentId: string; taskId?: string }): Promise<void>;
  /** Forgets every task the agent left open in the tenant's threads (the agent was removed). */
  removeAgent(ref: { tenantId: string; agentId: string }): Promise<void>;
}
