import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { Database } from "../../src/storage/database.js";
import { MIGRATIONS } from "../../src/storage/migrations/index.js";
import { postgresAdminUrl, createPostgresDatabase, tempSqlitePath } from "../helpers/databases.js";
import { capture } from "../helpers/cli.js";

const run = promisify(execFile);
const ALL_MIGRATIONS = MIGRATIONS.map(([name]) => name);
const READY = `${ALL_MIGRATIONS.length} migration(s) applied: ${ALL_MIGRATIONS.join(", ")}`;

describe("omniforge migrate", () => {
  it("migrates a SQLite file, and again idempotently", async () => {
    const path = tempSqlitePath();
    for (let i = 0; i < 2; i++) {
      const { io, out } = capture();
      expect(await runCli(["migrate", "--db", `sqlite:///${path}`], io)).toBe(0);
      expect(out()).toContain(`Database ready (sqlite): ${READY}`);
    }
    await using database = new Database(`sqlite:///${path}`);
    expect(await database.appliedMigrations()).toEqual(ALL_MIGRATIONS);
  });

  it.skipIf(postgresAdminUrl() === null)("migrates PostgreSQL", async () => {
    const url = await createPostgresDatabase(postgresAdminUrl()!);
    const { io, out } = capture();
    expect(await runCli(["migrate", "--db", url], io)).toBe(0);
    expect(out()).toContain("Database ready (postgres)");
  });

  it("fails with a clear message and exit code 1 on a bad URL", async () => {
    const { io, err } = capture();
    expect(await runCli(["migrate", "--db", "mysql://x/y"], io)).toBe(1);
    expect(err()).toBe(
      'omniforge: invalid configuration: --db: unsupported scheme "mysql"; ' +
        "must be a database URL: sqlite:///file.db, sqlite::memory:, postgres://user:pass@host/db\n",
    );
  });

  it("runs as a real process through the bin entry", async () => {
    const path = tempSqlitePath();
    const { stdout } = await run(process.execPath, [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "migrate",
      "--db",
      `sqlite:///${path}`,
    ]);
    expect(stdout).toContain(READY);
    const help = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "--help"]);
    expect(help.stdout).toContain("migrate");
  });
});
