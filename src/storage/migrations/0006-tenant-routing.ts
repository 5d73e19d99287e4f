/**
 * Routing by skills per tenant (migration 0006): whether the gateway's router picks the agent for a
 * tenant's messages, and how (at most how many agents, the lowest score that fits, what to do when
 * none fits). One row per tenant that changed it; no row means routing is off.
 */
import { sql, type Kysely, type Migration } from "kysely";
import type { StorageBackend } from "../storage-backend.js";

export const tenantRouting: (backend: StorageBackend) => Migration = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("tenant_routing")
      .addColumn("tenant_id", "varchar(128)", (c) => c.primaryKey())
      .addColumn("enabled", "integer", (c) => c.notNull())
      .addColumn("max_agents", "integer", (c) => c.notNull())
      .addColumn("min_score", sql`double precision`, (c) => c.notNull())
      .addColumn("fallback", "varchar(16)", (c) => c.notNull())
      .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
      .addColumn("updated_by", "varchar(128)", (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("tenant_routing").ifExists().execute();
  },
});
