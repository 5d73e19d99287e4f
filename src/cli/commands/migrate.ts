/** `omniforge migrate`: create or upgrade the tables. */
import type { Command } from "commander";
import { Database } from "../../storage/database.js";
import { DEFAULT_DATABASE_URL, type CliIo } from "../cli-support.js";

export function addMigrateCommand(program: Command, io: CliIo): void {
  program
    .command("migrate")
    .description("Create or upgrade the OmniForge tables in a database (idempotent)")
    .option(
      "--db <url>",
      "database URL: sqlite:///file.db, sqlite::memory:, postgres://...",
      DEFAULT_DATABASE_URL,
    )
    .action(async (options: { db: string }) => {
      const database = new Database(options.db);
      try {
        await database.initialize();
        const applied = await database.appliedMigrations();
        io.stdout(
          `Database ready (${database.kind}): ${applied.length} migration(s) applied: ${applied.join(", ")}\n`,
        );
      } finally {
        await database.close();
      }
    });
}
