/**
 * The backends every storage suite runs against: SQLite in memory, SQLite on a real file, and a
 * real PostgreSQL server (a fresh database per call, created from the cluster's admin URL).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { Database } from "../../src/storage/database.js";

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

/** Creates an empty PostgreSQL database and returns its URL. */
export async function createPostgresDatabase(adminUrl: string): Promise<string> {
  const name = `omniforge_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
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
