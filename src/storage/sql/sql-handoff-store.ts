/**
 * Handoff sessions in SQL (SQLite or PostgreSQL): a partial unique index allows one live session
 * per thread, and every transition is an update guarded by the state it was read in.
 */
import type { AgentCard } from "../../a2a/agent-card.js";
import { ErrorCode, HandoffError, StorageError } from "../../errors.js";
import {
  HANDOFF_TRANSITIONS,
  LIVE_STATES,
  attachSealedCredentials,
  type HandoffSession,
  type HandoffStore,
  type HandoffTransition,
  type NewHandoffSession,
  type TransitionChanges,
} from "../../orchestration/handoff-store.js";
import { HandoffState } from "../../orchestration/types.js";
import { handoffCredentialsContext } from "../../a2a/agent-credentials.js";
import type { SecretKeyring } from "../../security/secret-keyring.js";
import type { Database } from "../database.js";
import type { HandoffSessionsTable } from "../schema.js";
import { parseJsonObject, timestamp } from "./sql-values.js";

export class SqlHandoffStore implements HandoffStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /**
   * Inserts a PENDING session. The unique index refuses a second live session on the thread:
   * that surfaces as HandoffError HANDOFF_ALREADY_ACTIVE, whichever process got there first.
   */
  async reserve(input: NewHandoffSession): Promise<HandoffSession> {
    const now = timestamp();
    const row: HandoffSessionsTable = {
      id: input.handoffId,
      tenant_id: input.tenantId,
      thread_id: input.threadId,
      user_id: input.userId,
      source_agent_id: input.sourceAgentId,
      target_agent_id: input.targetAgentCard.identity.id,
      target_agent_card: JSON.stringify(input.targetAgentCard),
      state: HandoffState.PENDING,
      context_summary: input.contextSummary,
      handoff_reason: input.handoffReason,
      estimated_duration_seconds: null,
      rejection_reason: null,
      result_summary: null,
      artifacts_created: "[]",
      idle_timeout_seconds: input.idleTimeoutSeconds,
      started_at: now,
      updated_at: now,
      last_activity_at: now,
      expires_at: timestamp(input.expiresAt),
      completed_at: null,
      version: 1,
      target_source: input.targetSource,
      target_credentials: input.targetCredentials?.ciphertext ?? null,
      target_credentials_key_id: input.targetCredentials?.keyId ?? null,
    };
    try {
      await this.#database.transaction(async (trx) => {
        await trx.insertInto("handoff_sessions").values(row).execute();
        await trx
          .insertInto("handoff_events")
          .values({
            handoff_id: row.id,
            tenant_id: row.tenant_id,
            thread_id: row.thread_id,
            from_state: null,
            to_state: HandoffState.PENDING,
            reason: input.handoffReason,
            created_at: now,
          })
          .execute();
      });
    } catch (error) {
      if (this.#database.backend.isUniqueViolation(error)) {
        throw new HandoffError(
          ErrorCode.HANDOFF_ALREADY_ACTIVE,
          `Thread ${input.threadId} already has an active handoff`,
          {
            cause: error,
            context: { threadId: input.threadId, tenantId: input.tenantId },
          },
        );
      }
      throw new StorageError("STORAGE_ERROR", "Could not reserve the thread for a handoff", { cause: error });
    }
    return toSession(row);
  }

  /** The live (pending or active) session of a thread, if any. */
  async getLive(threadId: string, tenantId: string): Promise<HandoffSession | null> {
    const row = await this.#database.db
      .selectFrom("handoff_sessions")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("thread_id", "=", threadId)
      .where("state", "in", LIVE_STATES)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  /** The tenant's live sessions whose specialist is `agentId`. */
  async listLiveTo(tenantId: string, agentId: string): Promise<HandoffSession[]> {
    const rows = await this.#database.db
      .selectFrom("handoff_sessions")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("target_agent_id", "=", agentId)
      .where("state", "in", LIVE_STATES)
      .execute();
    return rows.map(toSession);
  }

  async get(handoffId: string, tenantId: string): Promise<HandoffSession | null> {
    const row = await this.#database.db
      .selectFrom("handoff_sessions")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", handoffId)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  /** Every session of a thread, oldest first. */
  async list(threadId: string, tenantId: string): Promise<HandoffSession[]> {
    const rows = await this.#database.db
      .selectFrom("handoff_sessions")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("thread_id", "=", threadId)
      .orderBy("started_at", "asc")
      .orderBy("id", "asc")
      .execute();
    return rows.map(toSession);
  }

  async transitions(handoffId: string, tenantId: string): Promise<HandoffTransition[]> {
    const rows = await this.#database.db
      .selectFrom("handoff_events")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("handoff_id", "=", handoffId)
      .orderBy("seq", "asc")
      .execute();
    return rows.map((row) => ({
      handoffId: row.handoff_id,
      fromState: row.from_state as HandoffState | null,
      toState: row.to_state as HandoffState,
      ...(row.reason !== null ? { reason: row.reason } : {}),
      at: new Date(row.created_at),
    }));
  }

  /**
   * Moves `session` to `to` if it is still in the state it was read in (the update is guarded by that state). Returns
   * the updated session, or null when another actor moved it first. Throws
   * INVALID_HANDOFF_TRANSITION when the state machine forbids the move.
   */
  async transition(
    session: HandoffSession,
    to: HandoffState,
    changes: TransitionChanges = {},
    reason?: string,
  ): Promise<HandoffSession | null> {
    if (!HANDOFF_TRANSITIONS[session.state].includes(to)) {
      throw new HandoffError(
        ErrorCode.INVALID_HANDOFF_TRANSITION,
        `Handoff ${session.handoffId} cannot move from ${session.state} to ${to}`,
        { context: { handoffId: session.handoffId, threadId: session.threadId, from: session.state, to } },
      );
    }
    const nowDate = new Date();
    const now = timestamp(nowDate);
    const terminal = !LIVE_STATES.includes(to);
    const expiresAt = changes.expiresAt ?? new Date(nowDate.getTime() + session.idleTimeoutSeconds * 1000);
    return this.#database.transaction(async (trx) => {
      const result = await trx
        .updateTable("handoff_sessions")
        .set((eb) => ({
          state: to,
          updated_at: now,
          last_activity_at: now,
          expires_at: timestamp(terminal ? nowDate : expiresAt),
          version: eb("version", "+", 1),
          ...(terminal ? { completed_at: now } : {}),
          ...(changes.estimatedDurationSeconds !== undefined
            ? { estimated_duration_seconds: changes.estimatedDurationSeconds }
            : {}),
          ...(changes.rejectionReason !== undefined ? { rejection_reason: changes.rejectionReason } : {}),
          ...(changes.resultSummary !== undefined ? { result_summary: changes.resultSummary } : {}),
          ...(changes.artifactsCreated !== undefined
            ? { artifacts_created: JSON.stringify(changes.artifactsCreated) }
            : {}),
        }))
        .where("id", "=", session.handoffId)
        .where("tenant_id", "=", session.tenantId)
        .where("state", "=", session.state)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return null;
      await trx
        .insertInto("handoff_events")
        .values({
          handoff_id: session.handoffId,
          tenant_id: session.tenantId,
          thread_id: session.threadId,
          from_state: session.state,
          to_state: to,
          reason: reason ?? null,
          created_at: now,
        })
        .execute();
      const row = await trx
        .selectFrom("handoff_sessions")
        .selectAll()
        .where("id", "=", session.handoffId)
        .where("tenant_id", "=", session.tenantId)
        .executeTakeFirstOrThrow();
      return toSession(row);
    });
  }

  /** Records activity (a routed message) on an active session, pushing its idle expiry back. */
  async touch(session: HandoffSession): Promise<void> {
    const now = new Date();
    await this.#database.db
      .updateTable("handoff_sessions")
      .set({
        last_activity_at: timestamp(now),
        expires_at: timestamp(new Date(now.getTime() + session.idleTimeoutSeconds * 1000)),
      })
      .where("id", "=", session.handoffId)
      .where("tenant_id", "=", session.tenantId)
      .where("state", "=", HandoffState.ACTIVE)
      .execute();
  }

  /**
   * Re-seals, with the keyring's current key, every session credential sealed with an older key
   * (after a key rotation). Returns how many sessions changed.
   */
  async resealCredentials(keyring: SecretKeyring): Promise<number> {
    const rows = await this.#database.db
      .selectFrom("handoff_sessions")
      .select(["id", "tenant_id", "target_credentials", "target_credentials_key_id"])
      .where("target_credentials", "is not", null)
      .where("target_credentials_key_id", "!=", keyring.currentKeyId)
      .execute();
    let changed = 0;
    for (const row of rows) {
      if (row.target_credentials === null || row.target_credentials_key_id === null) continue;
      const context = handoffCredentialsContext(row.tenant_id, row.id);
      const plain = keyring.open(
        { keyId: row.target_credentials_key_id, ciphertext: row.target_credentials },
        context,
      );
      const sealed = keyring.seal(plain, context);
      await this.#database.db
        .updateTable("handoff_sessions")
        .set({ target_credentials: sealed.ciphertext, target_credentials_key_id: sealed.keyId })
        .where("id", "=", row.id)
        .where("tenant_id", "=", row.tenant_id)
        .execute();
      changed++;
    }
    return changed;
  }

  /** Live sessions (any tenant) past their deadline at `now`: expiry candidates, oldest first. */
  async listExpired(now: Date, limit = 500): Promise<HandoffSession[]> {
    const rows = await this.#database.db
      .selectFrom("handoff_sessions")
      .selectAll()
      .where("state", "in", LIVE_STATES)
      .where("expires_at", "<", timestamp(now))
      .orderBy("expires_at", "asc")
      .limit(limit)
      .execute();
    return rows.map(toSession);
  }
}

function toSession(row: HandoffSessionsTable): HandoffSession {
  const session: HandoffSession = {
    handoffId: row.id,
    threadId: row.thread_id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    sourceAgentId: row.source_agent_id,
    targetAgentId: row.target_agent_id,
    state: row.state as HandoffState,
    contextSummary: row.context_summary,
    handoffReason: row.handoff_reason,
    startedAt: new Date(row.started_at),
    updatedAt: new Date(row.updated_at),
    lastActivityAt: new Date(row.last_activity_at),
    expiresAt: new Date(row.expires_at),
    artifactsCreated: JSON.parse(row.artifacts_created) as string[],
    idleTimeoutSeconds: Number(row.idle_timeout_seconds),
    targetAgentCard: parseJsonObject(row.target_agent_card) as unknown as AgentCard,
    targetSource: row.target_source === "directory" ? "directory" : "card",
  };
  if (row.target_credentials !== null && row.target_credentials_key_id !== null) {
    attachSealedCredentials(session, {
      keyId: row.target_credentials_key_id,
      ciphertext: row.target_credentials,
    });
  }
  if (row.completed_at !== null) session.completedAt = new Date(row.completed_at);
  if (row.estimated_duration_seconds !== null)
    session.estimatedDurationSeconds = Number(row.estimated_duration_seconds);
  if (row.rejection_reason !== null) session.rejectionReason = row.rejection_reason;
  if (row.result_summary !== null) session.resultSummary = row.result_summary;
  return session;
}
