/** The audit trail ({@link AgentCallAudit}) in the `agent_calls` table. */
import { randomUUID } from "node:crypto";
import { timestamp } from "./sql-values.js";
import type {
  AgentCallAudit,
  AgentCallKind,
  AgentCallOutcome,
  AgentCallQuery,
  AgentCallRecord,
  NewAgentCallRecord,
} from "../../orchestration/agent-call-audit.js";
import type { DelegationStrategy } from "../../orchestration/types.js";
import type { Database } from "../database.js";

const DEFAULT_LIMIT = 100;

export class SqlAgentCallAudit implements AgentCallAudit {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async record(records: readonly NewAgentCallRecord[]): Promise<void> {
    if (records.length === 0) return;
    const now = timestamp();
    await this.#database.db
      .insertInto("agent_calls")
      .values(
        records.map((r) => ({
          id: randomUUID(),
          tenant_id: r.tenantId,
          thread_id: r.threadId,
          user_id: r.userId,
          agent_id: r.agentId,
          kind: r.kind,
          outcome: r.outcome,
          success: r.outcome === "success" ? 1 : 0,
          error_code: r.errorCode ?? null,
          latency_ms: r.latencyMs,
          delegation_id: r.delegationId ?? null,
          strategy: r.strategy ?? null,
          handoff_id: r.handoffId ?? null,
          created_at: now,
        })),
      )
      .execute();
  }

  async list(query: AgentCallQuery): Promise<AgentCallRecord[]> {
    let select = this.#database.db
      .selectFrom("agent_calls")
      .selectAll()
      .where("tenant_id", "=", query.tenantId);
    if (query.threadId !== undefined) select = select.where("thread_id", "=", query.threadId);
    if (query.agentId !== undefined) select = select.where("agent_id", "=", query.agentId);
    if (query.kind !== undefined) select = select.where("kind", "=", query.kind);
    if (query.before !== undefined) select = select.where("created_at", "<", timestamp(query.before));
    const rows = await select
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(query.limit ?? DEFAULT_LIMIT)
      .execute();
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      threadId: row.thread_id,
      userId: row.user_id,
      agentId: row.agent_id,
      kind: row.kind as AgentCallKind,
      outcome: row.outcome as AgentCallOutcome,
      success: Number(row.success) === 1,
      ...(row.error_code !== null ? { errorCode: row.error_code } : {}),
      latencyMs: Number(row.latency_ms),
      ...(row.delegation_id !== null ? { delegationId: row.delegation_id } : {}),
      ...(row.strategy !== null ? { strategy: row.strategy as DelegationStrategy } : {}),
      ...(row.handoff_id !== null ? { handoffId: row.handoff_id } : {}),
      createdAt: new Date(row.created_at),
    }));
  }
}
