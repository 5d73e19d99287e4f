/**
 * The backends every storage suite runs against: SQLite in memory, SQLite on a real file, and a
 * real PostgreSQL server (a fresh database per call, created from the cluster's admin URL).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { Database } from "../../src/storage/database.js";
import { createPostgresDatabase } from "../setup/postgres-cluster.js";

export { createPostgresDatabase };

export interface DatabaseTarget {
  name: "sqlite-memory" | "sqlite-file" | "postgres";
  /** False when PostgreSQL is unavailable outside CI: the suite is skipped with a notice. */
  available: boolean;
  /** A URL to a brand-new, empty database. */
  createUrl(): Promise<string>;
}

export function postgresAdminUrl(): string | null {
  return inject("postgresUrl");
}

const tempDirs: string[] = [];

/** A fresh SQLite file path in a temporary directory (removed at process exit). */
export function tempSqlitePath(name = "omniforge.db"): string {
  const dir = mkdtempSync(join(tmpdir(), "omniforge-test-"));
  tempDirs.push(dir);
  return join(dir, name);
}

process.once("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export function databaseTargets(): DatabaseTarget[] {
  const adminUrl = postgresAdminUrl();
  return [
    { name: "sqlite-memory", available: true, createUrl: async () => "sqlite::memory:" },
    { name: "sqlite-file", available: true, createUrl: async () => `sqlite:///${tempSqlitePath()}` },
    {
      name: "postgres",
      available: adminUrl !== null,
      createUrl: async () => {
        if (adminUrl === null) throw new Error("PostgreSQL unavailable");
        return createPostgresDatabase(adminUrl);
      },
    },
  ];
}

/** A fresh, migrated database on `target`. Dispose it (`await using`). */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  const database = new Database(await target.createUrl());
  await database.initialize();
  return database;
}
