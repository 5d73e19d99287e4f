/**
 * Versioned schema migrations, in order. Never edit a migration that has shipped: add a new one.
 */
import { sql, type Kysely, type Migration } from "kysely";
import type { StorageBackend } from "../storage-backend.js";
import { turnTimeline } from "./0005-turn-timeline.js";
import { tenantRouting } from "./0006-tenant-routing.js";

type MigrationFactory = (backend: StorageBackend) => Migration;

const initial: MigrationFactory = (backend) => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("conversations")
      .addColumn("id", "varchar(64)", (c) => c.primaryKey())
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("user_id", "varchar(128)", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("conversation_type", "varchar(32)", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("metadata", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(32)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("conversations_tenant_user_created")
      .on("conversations")
      .columns(["tenant_id", "user_id", "created_at"])
      .execute();
    await db.schema
      .createIndex("conversations_tenant_created")
      .on("conversations")
      .columns(["tenant_id", "created_at"])
      .execute();

    await db.schema
      .createTable("messages")
      .addColumn("seq", backend.autoIncrementType, (c) => backend.autoIncrement(c))
      .addColumn("id", "varchar(64)", (c) => c.notNull().unique())
      .addColumn("conversation_id", "varchar(64)", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("role", "varchar(16)", (c) => c.notNull())
      .addColumn("content", "text", (c) => c.notNull())
      .addColumn("agent_id", "varchar(128)")
      .addColumn("metadata", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(32)", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("messages_tenant_conversation_seq")
      .on("messages")
      .columns(["tenant_id", "conversation_id", "seq"])
      .execute();

    await db.schema
      .createTable("handoff_sessions")
      .addColumn("id", "varchar(64)", (c) => c.primaryKey())
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("thread_id", "varchar(64)", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("user_id", "varchar(128)", (c) => c.notNull())
      .addColumn("source_agent_id", "varchar(128)", (c) => c.notNull())
      .addColumn("target_agent_id", "varchar(128)", (c) => c.notNull())
      .addColumn("target_agent_card", "text", (c) => c.notNull())
      .addColumn("state", "varchar(16)", (c) => c.notNull())
      .addColumn("context_summary", "text", (c) => c.notNull())
      .addColumn("handoff_reason", "text", (c) => c.notNull())
      .addColumn("estimated_duration_seconds", "integer")
      .addColumn("rejection_reason", "text")
      .addColumn("result_summary", "text")
      .addColumn("artifacts_created", "text", (c) => c.notNull())
      .addColumn("idle_timeout_seconds", "integer", (c) => c.notNull())
      .addColumn("started_at", "varchar(32)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
      .addColumn("last_activity_at", "varchar(32)", (c) => c.notNull())
      // When a live session lapses: idle limit for ACTIVE, answer deadline for PENDING.
      .addColumn("expires_at", "varchar(32)", (c) => c.notNull())
      .addColumn("completed_at", "varchar(32)")
      .addColumn("version", "integer", (c) => c.notNull())
      .execute();
    // The database, not the application, guarantees one live handoff per thread: this holds
    // across processes and replicas.
    await db.schema
      .createIndex("handoff_sessions_one_live_per_thread")
      .on("handoff_sessions")
      .columns(["tenant_id", "thread_id"])
      .unique()
      .where(sql.ref("state"), "in", ["pending", "active"])
      .execute();
    await db.schema
      .createIndex("handoff_sessions_state_expires")
      .on("handoff_sessions")
      .columns(["state", "expires_at"])
      .execute();
    await db.schema
      .createIndex("handoff_sessions_tenant_thread_started")
      .on("handoff_sessions")
      .columns(["tenant_id", "thread_id", "started_at"])
      .execute();

    await db.schema
      .createTable("handoff_events")
      .addColumn("seq", backend.autoIncrementType, (c) => backend.autoIncrement(c))
      .addColumn("handoff_id", "varchar(64)", (c) =>
        c.notNull().references("handoff_sessions.id").onDelete("cascade"),
      )
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("thread_id", "varchar(64)", (c) => c.notNull())
      .addColumn("from_state", "varchar(16)")
      .addColumn("to_state", "varchar(16)", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("created_at", "varchar(32)", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("handoff_events_tenant_handoff")
      .on("handoff_events")
      .columns(["tenant_id", "handoff_id", "seq"])
      .execute();

    await db.schema
      .createTable("delegation_records")
      .addColumn("id", "varchar(64)", (c) => c.primaryKey())
      .addColumn("delegation_id", "varchar(64)", (c) => c.notNull())
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("thread_id", "varchar(64)", (c) => c.notNull())
      .addColumn("user_id", "varchar(128)", (c) => c.notNull())
      .addColumn("agent_id", "varchar(128)", (c) => c.notNull())
      .addColumn("strategy", "varchar(32)", (c) => c.notNull())
      .addColumn("success", "integer", (c) => c.notNull())
      .addColumn("error_code", "varchar(64)")
      .addColumn("latency_ms", sql`double precision`, (c) => c.notNull())
      .addColumn("created_at", "varchar(32)", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("delegation_records_tenant_thread_created")
      .on("delegation_records")
      .columns(["tenant_id", "thread_id", "created_at"])
      .execute();

    await db.schema
      .createTable("role_assignments")
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("user_id", "varchar(128)", (c) => c.notNull())
      .addColumn("role", "varchar(32)", (c) => c.notNull())
      .addColumn("created_at", "varchar(32)", (c) => c.notNull())
      .addPrimaryKeyConstraint("role_assignments_pk", ["tenant_id", "user_id", "role"])
      .execute();

    await db.schema
      .createTable("api_keys")
      .addColumn("id", "varchar(64)", (c) => c.primaryKey())
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("user_id", "varchar(128)", (c) => c.notNull())
      .addColumn("role", "varchar(32)", (c) => c.notNull())
      .addColumn("name", "varchar(256)", (c) => c.notNull())
      .addColumn("key_hash", "varchar(128)", (c) => c.notNull().unique())
      .addColumn("prefix", "varchar(32)", (c) => c.notNull())
      .addColumn("created_at", "varchar(32)", (c) => c.notNull())
      .addColumn("revoked_at", "varchar(32)")
      .addColumn("last_used_at", "varchar(32)")
      .execute();
    await db.schema
      .createIndex("api_keys_tenant")
      .on("api_keys")
      .columns(["tenant_id", "created_at"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of [
      "api_keys",
      "role_assignments",
      "delegation_records",
      "handoff_events",
      "handoff_sessions",
      "messages",
      "conversations",
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
});

/** The gateway's per-tenant agent registry: agents a tenant registered on top of the static ones. */
const tenantAgents: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("tenant_agents")
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("agent_id", "varchar(128)", (c) => c.notNull())
      .addColumn("card", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(32)", (c) => c.notNull())
      .addPrimaryKeyConstraint("tenant_agents_pk", ["tenant_id", "agent_id"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("tenant_agents").ifExists().execute();
  },
});

/**
 * Tenants sealed, replicas stateless: credentials encrypted beside their key id (in the tenant
 * directory and in handoff sessions), the audit trail of every agent call (replacing
 * `delegation_records`, whose rows move over as kind "delegation"), and shared rate-limit counters.
 */
const sealedTenants: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("tenant_agents").addColumn("credentials", "text").execute();
    await db.schema.alterTable("tenant_agents").addColumn("credentials_key_id", "varchar(64)").execute();
    await db.schema.alterTable("tenant_agents").addColumn("updated_at", "varchar(32)").execute();

    await db.schema
      .alterTable("handoff_sessions")
      .addColumn("target_source", "varchar(16)", (c) => c.notNull().defaultTo("card"))
      .execute();
    await db.schema.alterTable("handoff_sessions").addColumn("target_credentials", "text").execute();
    await db.schema
      .alterTable("handoff_sessions")
      .addColumn("target_credentials_key_id", "varchar(64)")
      .execute();

    await db.schema
      .createTable("agent_calls")
      .addColumn("id", "varchar(64)", (c) => c.primaryKey())
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("thread_id", "varchar(64)", (c) => c.notNull())
      .addColumn("user_id", "varchar(128)", (c) => c.notNull())
      .addColumn("agent_id", "varchar(128)", (c) => c.notNull())
      .addColumn("kind", "varchar(32)", (c) => c.notNull())
      .addColumn("outcome", "varchar(16)", (c) => c.notNull())
      .addColumn("success", "integer", (c) => c.notNull())
      .addColumn("error_code", "varchar(64)")
      .addColumn("latency_ms", sql`double precision`, (c) => c.notNull())
      .addColumn("delegation_id", "varchar(64)")
      .addColumn("strategy", "varchar(32)")
      .addColumn("handoff_id", "varchar(64)")
      .addColumn("created_at", "varchar(32)", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("agent_calls_tenant_thread_created")
      .on("agent_calls")
      .columns(["tenant_id", "thread_id", "created_at"])
      .execute();
    await db.schema
      .createIndex("agent_calls_tenant_created")
      .on("agent_calls")
      .columns(["tenant_id", "created_at"])
      .execute();
    await sql`insert into agent_calls (id, tenant_id, thread_id, user_id, agent_id, kind, outcome, success,
        error_code, latency_ms, delegation_id, strategy, handoff_id, created_at)
      select id, tenant_id, thread_id, user_id, agent_id, 'delegation',
        case when success = 1 then 'success' else 'failure' end, success,
        error_code, latency_ms, delegation_id, strategy, null, created_at
      from delegation_records`.execute(db);
    await db.schema.dropTable("delegation_records").execute();

    await db.schema
      .createTable("rate_limits")
      .addColumn("key", "varchar(300)", (c) => c.primaryKey())
      .addColumn("window_start", "bigint", (c) => c.notNull())
      .addColumn("count", "integer", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("rate_limits_window").on("rate_limits").column("window_start").execute();
  },
  async down() {
    throw new Error(
      "0003_sealed_tenants cannot be reverted (delegation_records was merged into agent_calls)",
    );
  },
});

/**
 * Tasks that wait for input: the task an agent left open in a thread (INPUT_REQUIRED or
 * AUTH_REQUIRED), per tenant, thread and agent, so the next message continues it on any replica;
 * and the tasks of agents served with `serveAgent` on a database (the SDK's DatabaseTaskStore
 * layout, under OmniForge's migrations).
 */
const openTasks: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("open_tasks")
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("thread_id", "varchar(64)", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("agent_id", "varchar(128)", (c) => c.notNull())
      .addColumn("handoff_id", "varchar(64)")
      .addColumn("task_id", "varchar(255)", (c) => c.notNull())
      .addColumn("context_id", "varchar(255)")
      .addColumn("state", "varchar(32)", (c) => c.notNull())
      .addColumn("question", "text", (c) => c.notNull())
      .addColumn("created_at", "varchar(32)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
      .addPrimaryKeyConstraint("open_tasks_pk", ["tenant_id", "thread_id", "agent_id"])
      .execute();

    await db.schema
      .createTable("a2a_tasks")
      .addColumn("tenant", "varchar(255)", (c) => c.notNull())
      .addColumn("owner", "varchar(255)", (c) => c.notNull())
      .addColumn("id", "varchar(255)", (c) => c.notNull())
      .addColumn("context_id", "varchar(255)", (c) => c.notNull())
      .addColumn("status_last_updated", "bigint", (c) => c.notNull())
      .addColumn("status_state", "varchar(64)")
      .addColumn("status", "text")
      .addColumn("artifacts", "text")
      .addColumn("history", "text")
      .addColumn("metadata", "text")
      .addColumn("protocol_version", "varchar(32)")
      .addPrimaryKeyConstraint("a2a_tasks_pk", ["tenant", "owner", "id"])
      .execute();
    await db.schema
      .createIndex("a2a_tasks_scope_updated")
      .on("a2a_tasks")
      .columns(["tenant", "owner", "status_last_updated", "id"])
      .execute();
    await db.schema
      .createIndex("a2a_tasks_scope_context")
      .on("a2a_tasks")
      .columns(["tenant", "owner", "context_id", "status_last_updated", "id"])
      .execute();
    await db.schema.createIndex("a2a_tasks_updated").on("a2a_tasks").column("status_last_updated").execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("a2a_tasks").ifExists().execute();
    await db.schema.dropTable("open_tasks").ifExists().execute();
  },
});

/** Migration name -> factory, in the order they apply (names sort lexicographically). */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, factory: MigrationFactory]> = [
  ["0001_initial", initial],
  ["0002_tenant_agents", tenantAgents],
  ["0003_sealed_tenants", sealedTenants],
  ["0004_open_tasks", openTasks],
  ["0005_turn_timeline", turnTimeline],
  ["0006_tenant_routing", tenantRouting],
];
