import { describe, expect, it } from "vitest";
import { ConfigurationError, ErrorCode } from "../../src/errors.js";
import { Database } from "../../src/storage/database.js";
import { parseDatabaseUrl } from "../../src/storage/database-url.js";
import { MIGRATIONS } from "../../src/storage/migrations/index.js";
import { databaseTargets, tempSqlitePath } from "../helpers/databases.js";
import { spawnWorker } from "../helpers/processes.js";

const ALL_MIGRATIONS = MIGRATIONS.map(([name]) => name);

describe("parseDatabaseUrl", () => {
  it.each([
    ["sqlite::memory:", { kind: "sqlite", filename: ":memory:" }],
    ["sqlite:///rel.db", { kind: "sqlite", filename: "rel.db" }],
    ["sqlite:///data/sub/rel.db", { kind: "sqlite", filename: "data/sub/rel.db" }],
    ["sqlite:////abs/x.db", { kind: "sqlite", filename: "/abs/x.db" }],
    ["sqlite+aiosqlite:///x.db", { kind: "sqlite", filename: "x.db" }],
    [
      "postgres://u:p@localhost:5432/db",
      { kind: "postgres", connectionString: "postgres://u:p@localhost:5432/db" },
    ],
    ["postgresql://localhost/db", { kind: "postgres", connectionString: "postgresql://localhost/db" }],
  ])("parses %s", (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });

  it.each([
    ["mysql://localhost/db", /scheme "mysql"/],
    ["redis://x", /scheme "redis"/],
    ["", /non-empty/],
    ["just-a-path.db", /no scheme/],
    ["sqlite://rel.db", /Malformed sqlite URL/],
    ["sqlite:///", /no database file name/],
    ["postgres:", /Malformed postgres URL/],
  ])("rejects %j with a clear error", (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(ConfigurationError);
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  it("never echoes a password from the URL in the error", () => {
    try {
      new Database("mysql://admin:hunter2secret@db/x");
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigurationError).code).toBe(ErrorCode.CONFIGURATION_ERROR);
      expect(String((error as Error).message)).not.toContain("hunter2secret");
    }
  });

  it("rejects bad config values", () => {
    expect(() => new Database("sqlite::memory:", { maxConnections: 0 })).toThrow(/maxConnections/);
    expect(() => new Database("sqlite::memory:", { busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
  });
});

describe("Database on SQLite", () => {
  it("runs in WAL mode with a busy timeout on a file", async () => {
    const path = tempSqlitePath();
    await using database = new Database(`sqlite:///${path}`);
    await database.initialize();
    const { sql } = await import("kysely");
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
    expect(mode.rows[0]?.journal_mode).toBe("wal");
    const timeout = await sql<{ timeout: number }>`pragma busy_timeout`.execute(database.db);
    expect(timeout.rows[0]?.timeout).toBe(5000);
  });

  it("creates the parent directory of a relative path", async () => {
    const path = tempSqlitePath("nested/dir/x.db");
    await using database = new Database(`sqlite+aiosqlite:///${path}`);
    await database.initialize();
    expect(database.filename).toBe(path);
  });

  it("close is idempotent (dispose, its deprecated alias, too) and supports await using", async () => {
    const database = new Database("sqlite::memory:");
    await database.initialize();
    await database.close();
    await database.close();
    await database.dispose();
    expect(() => database.db).toThrow(/Database has been closed/);
    let outside: Database | undefined;
    {
      await using scoped = new Database("sqlite::memory:");
      await scoped.initialize();
      outside = scoped;
    }
    expect(() => outside.db).toThrow(/Database has been closed/);
  });
});

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`migrations [${target.name}]`, () => {
    it("are idempotent: initialize twice, and twice on a second instance", async () => {
      const url = await target.createUrl();
      await using first = new Database(url);
      await first.initialize();
      await first.initialize();
      expect(await first.appliedMigrations()).toEqual(ALL_MIGRATIONS);
      if (target.name !== "sqlite-memory") {
        await using second = new Database(url);
        await second.initialize();
        expect(await second.appliedMigrations()).toEqual(ALL_MIGRATIONS);
      }
    });

    it("survive concurrent initialize calls on one instance", async () => {
      await using database = new Database(await target.createUrl());
      await Promise.all([database.initialize(), database.initialize(), database.initialize()]);
      expect(await database.appliedMigrations()).toEqual(ALL_MIGRATIONS);
    });

    // Several processes cannot share one in-memory database, so that case only runs on the others.
    const multiProcess = target.name === "sqlite-memory" ? [] : [target];
    it.each(multiProcess)("are safe when several processes start at once", async () => {
      const url = await target.createUrl();
      const workers = Array.from({ length: 4 }, () => spawnWorker("test/fixtures/migrate-worker.ts", [url]));
      await Promise.all(workers.map((w) => w.line(0)));
      for (const w of workers) w.child.stdin!.write("go\n");
      const outputs = await Promise.all(workers.map((w) => w.line(1)));
      for (const output of outputs) expect(JSON.parse(output)).toEqual(ALL_MIGRATIONS);
      await using database = new Database(url);
      await database.initialize();
      expect(await database.appliedMigrations()).toEqual(ALL_MIGRATIONS);
    });
  });
}
