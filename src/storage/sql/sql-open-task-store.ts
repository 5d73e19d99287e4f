/** Open tasks ({@link OpenTaskStore}) in the `open_tasks` table. */
import { timestamp } from "./sql-values.js";
import type { OpenTask, OpenTaskStore } from "../../orchestration/open-tasks.js";
import type { Database } from "../database.js";

export class SqlOpenTaskStore implements OpenTaskStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async find(ref: {
    tenantId: string;
    threadId: string;
    agentId: string;
    handoffId?: string;
  }): Promise<OpenTask | undefined> {
    const row = await this.#database.db
      .selectFrom("open_tasks")
      .selectAll()
      .where("tenant_id", "=", ref.tenantId)
      .where("thread_id", "=", ref.threadId)
      .where("agent_id", "=", ref.agentId)
      .executeTakeFirst();
    // A task opened in another handoff (or outside one) is not this turn's to continue.
    if (row === undefined || (row.handoff_id ?? undefined) !== ref.handoffId) return undefined;
    return {
      tenantId: row.tenant_id,
      threadId: row.thread_id,
      agentId: row.agent_id,
      ...(row.handoff_id ? { handoffId: row.handoff_id } : {}),
      taskId: row.task_id,
      ...(row.context_id ? { contextId: row.context_id } : {}),
      state: row.state,
      question: row.question,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async save(task: Omit<OpenTask, "createdAt" | "updatedAt">): Promise<void> {
    const now = timestamp();
    const values = {
      handoff_id: task.handoffId ?? null,
      task_id: task.taskId,
      context_id: task.contextId ?? null,
      state: task.state,
      question: task.question,
      updated_at: now,
    };
    await this.#database.db
      .insertInto("open_tasks")
      .values({
        tenant_id: task.tenantId,
        thread_id: task.threadId,
        agent_id: task.agentId,
        ...values,
        created_at: now,
      })
      .onConflict((conflict) => conflict.columns(["tenant_id", "thread_id", "agent_id"]).doUpdateSet(values))
      .execute();
  }

  async removeAgent(ref: { tenantId: string; agentId: string }): Promise<void> {
    await this.#database.db
      .deleteFrom("open_tasks")
      .where("tenant_id", "=", ref.tenantId)
      .where("agent_id", "=", ref.agentId)
      .execute();
  }

  async remove(ref: { tenantId: string; threadId: string; agentId: string; taskId?: string }): Promise<void> {
    let query = this.#database.db
      .deleteFrom("open_tasks")
      .where("tenant_id", "=", ref.tenantId)
      .where("thread_id", "=", ref.threadId)
      .where("agent_id", "=", ref.agentId);
    if (ref.taskId !== undefined) query = query.where("task_id", "=", ref.taskId);
    await query.execute();
  }
}
