/**
 * Per-tenant routing settings in `tenant_routing` (migration 0006), and the tenant directory's
 * version: what a replica needs to decide a tenant's route exactly as every other replica does,
 * from the database alone.
 */
import { sql } from "kysely";
import type { Database } from "../database.js";

/** A tenant's routing setting (routing off when the tenant never set one). */
export interface TenantRoutingSetting {
  enabled: boolean;
  maxAgents: number;
  minScore: number;
  fallback: "defaults" | "ask";
  updatedAt?: Date;
  updatedBy?: string;
}

export const DEFAULT_TENANT_ROUTING: Readonly<TenantRoutingSetting> = Object.freeze({
  enabled: false,
  maxAgents: 1,
  minScore: 0,
  fallback: "defaults",
});

export class SqlTenantRouting {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /** The tenant's setting, or the default (off). */
  async get(tenantId: string): Promise<TenantRoutingSetting> {
    const row = await this.#database.db
      .selectFrom("tenant_routing")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!row) return { ...DEFAULT_TENANT_ROUTING };
    return {
      enabled: Number(row.enabled) === 1,
      maxAgents: Number(row.max_agents),
      minScore: Number(row.min_score),
      fallback: row.fallback === "ask" ? "ask" : "defaults",
      updatedAt: new Date(row.updated_at),
      updatedBy: row.updated_by,
    };
  }

  /** Stores the tenant's setting (insert or replace) and returns it as stored. */
  async put(
    tenantId: string,
    setting: Omit<TenantRoutingSetting, "updatedAt" | "updatedBy">,
    userId: string,
  ): Promise<TenantRoutingSetting> {
    const row = {
      tenant_id: tenantId,
      enabled: setting.enabled ? 1 : 0,
      max_agents: setting.maxAgents,
      min_score: setting.minScore,
      fallback: setting.fallback,
      updated_at: new Date().toISOString(),
      updated_by: userId,
    };
    const { tenant_id: _, ...changes } = row;
    await this.#database.db
      .insertInto("tenant_routing")
      .values(row)
      .onConflict((oc) => oc.column("tenant_id").doUpdateSet(changes))
      .execute();
    return this.get(tenantId);
  }

  /**
   * A version of the tenant's registered agents: it changes when one is registered, removed or
   * re-sealed, so a cache keyed by it sees a new agent at once, on every replica.
   */
  async directoryVersion(tenantId: string): Promise<string> {
    const row = await this.#database.db
      .selectFrom("tenant_agents")
      .select([
        sql<number>`count(*)`.as("n"),
        sql<string | null>`max(coalesce(updated_at, created_at))`.as("latest"),
      ])
      .where("tenant_id", "=", tenantId)
      .executeTakeFirstOrThrow();
    return `${Number(row.n)}:${row.latest ?? ""}`;
  }
}
