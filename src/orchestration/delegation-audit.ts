/** Audit records of delegations: one row per agent result. */
import { randomUUID } from "node:crypto";
import { timestamp } from "../conversation/sql-conversation-repository.js";
import type { Database } from "../storage/database.js";
import type { DelegationStrategy } from "./types.js";

export interface DelegationAuditRecord {
  delegationId: string;
  tenantId: string;
  threadId: string;
  userId: string;
  agentId: string;
  strategy: DelegationStrategy;
  success: boolean;
  errorCode?: string;
  latencyMs: number;
  createdAt: Date;
}

/** Where delegation audit records go. */
export interface DelegationAuditStore {
  record(records: readonly Omit<DelegationAuditRecord, "createdAt">[]): Promise<void>;
  list(input: { tenantId: string; threadId?: string; limit?: number }): Promise<DelegationAuditRecord[]>;
}

export class SqlDelegationAuditStore implements DelegationAuditStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async record(records: readonly Omit<DelegationAuditRecord, "createdAt">[]): Promise<void> {
    if (records.length === 0) return;
    const now = timestamp();
    await this.#database.db
      .insertInto("delegation_records")
      .values(
        records.map((r) => ({
          id: randomUUID(),
          delegation_id: r.delegationId,
          tenant_id: r.tenantId,
          thread_id: r.threadId,
          user_id: r.userId,
          agent_id: r.agentId,
          strategy: r.strategy,
          success: r.success ? 1 : 0,
          error_code: r.errorCode ?? null,
          latency_ms: r.latencyMs,
          created_at: now,
        })),
      )
      .execute();
  }

  /** Newest first. */
  async list(input: {
    tenantId: string;
    threadId?: string;
    limit?: number;
  }): Promise<DelegationAuditRecord[]> {
    let query = this.#database.db
      .selectFrom("delegation_records")
      .selectAll()
      .where("tenant_id", "=", input.tenantId);
    if (input.threadId !== undefined) query = query.where("thread_id", "=", input.threadId);
    const rows = await query
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(input.limit ?? 100)
      .execute();
    return rows.map((row) => ({
      delegationId: row.delegation_id,
      tenantId: row.tenant_id,
      threadId: row.thread_id,
      userId: row.user_id,
      agentId: row.agent_id,
      strategy: row.strategy as DelegationStrategy,
      success: Number(row.success) === 1,
      ...(row.error_code !== null ? { errorCode: row.error_code } : {}),
      latencyMs: Number(row.latency_ms),
      createdAt: new Date(row.created_at),
    }));
  }
}
