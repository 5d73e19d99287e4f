/**
 * The turn timeline (migration 0005): one row per event of a thread's turn, all of a turn's rows
 * written in one insert at its end. Ids, kinds, timings, outcomes and codes only — no message text.
 */
import { sql, type Kysely, type Migration } from "kysely";
import type { StorageBackend } from "../storage-backend.js";

export const turnTimeline: (backend: StorageBackend) => Migration = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("turn_events")
      .addColumn("tenant_id", "varchar(128)", (c) => c.notNull())
      .addColumn("thread_id", "varchar(64)", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("turn_id", "varchar(64)", (c) => c.notNull())
      // The event's place in its turn; 0 is the turn's first.
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("turn_trigger", "varchar(32)", (c) => c.notNull())
      .addColumn("turn_started_at", "varchar(32)", (c) => c.notNull())
      .addColumn("turn_duration_ms", sql`double precision`)
      .addColumn("kind", "varchar(32)", (c) => c.notNull())
      .addColumn("at_ms", sql`double precision`, (c) => c.notNull())
      .addColumn("agent_id", "varchar(128)")
      .addColumn("duration_ms", sql`double precision`)
      .addColumn("outcome", "varchar(16)")
      .addColumn("error_code", "varchar(64)")
      // JSON object: ids, counts, states, codes.
      .addColumn("detail", "text")
      .addPrimaryKeyConstraint("turn_events_pk", ["tenant_id", "thread_id", "turn_id", "seq"])
      .execute();
    await db.schema
      .createIndex("turn_events_tenant_thread_started")
      .on("turn_events")
      .columns(["tenant_id", "thread_id", "turn_started_at"])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("turn_events").ifExists().execute();
  },
});
