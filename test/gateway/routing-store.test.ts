/**
 * SqlTenantRouting on every backend (SQLite in memory and on a file, PostgreSQL): a tenant's
 * routing setting is off until stored, replaced whole, kept per tenant; the directory version moves
 * when the tenant registers or removes an agent, and only then.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SqlAgentDirectory } from "../../src/storage/sql/sql-agent-directory.js";
import { DEFAULT_TENANT_ROUTING, SqlTenantRouting } from "../../src/storage/sql/sql-tenant-routing.js";
import type { Database } from "../../src/storage/database.js";
import { databaseTargets, openDatabase } from "../helpers/databases.js";

for (const target of databaseTargets()) {
  describe.runIf(target.available)(`SqlTenantRouting [${target.name}]`, () => {
    let database: Database | undefined;
    afterEach(async () => {
      await database?.close();
    });

    it("a setting is off until stored, then replaced whole and kept per tenant", async () => {
      database = await openDatabase(target);
      const store = new SqlTenantRouting(database);
      expect(await store.get("acme")).toEqual(DEFAULT_TENANT_ROUTING);
      const stored = await store.put(
        "acme",
        { enabled: true, maxAgents: 2, minScore: 0.35, fallback: "ask" },
        "alice",
      );
      expect(stored).toMatchObject({
        enabled: true,
        maxAgents: 2,
        minScore: 0.35,
        fallback: "ask",
        updatedBy: "alice",
      });
      expect(stored.updatedAt).toBeInstanceOf(Date);
      await store.put("acme", { enabled: false, maxAgents: 1, minScore: 0, fallback: "defaults" }, "bob");
      expect(await store.get("acme")).toMatchObject({
        enabled: false,
        maxAgents: 1,
        fallback: "defaults",
        updatedBy: "bob",
      });
      expect(await store.get("globex")).toEqual(DEFAULT_TENANT_ROUTING);
    });

    it("the directory version changes when the tenant's agents change, not another tenant's", async () => {
      database = await openDatabase(target);
      const store = new SqlTenantRouting(database);
      const directory = new SqlAgentDirectory({ database });
      const card = (id: string) => ({
        identity: { id, name: id },
        service: { endpoint: "https://agents.example/a" },
      });
      const empty = await store.directoryVersion("acme");
      await directory.register("acme", card("alpha"));
      const one = await store.directoryVersion("acme");
      expect(one).not.toBe(empty);
      await directory.register("globex", card("alpha"));
      expect(await store.directoryVersion("acme")).toBe(one);
      await directory.remove("acme", "alpha");
      expect(await store.directoryVersion("acme")).not.toBe(one);
    });
  });
}
