/** `omniforge migrate`: create or upgrade the tables. */
import type { Command } from "commander";
import { Database } from "../../storage/database.js";
import type { CliIo } from "../cli-support.js";
import { commandDatabaseUrl, databaseCommand } from "../config/config-options.js";

export function addMigrateCommand(program: Command, io: CliIo): void {
  databaseCommand(program, "migrate")
    .description("Create or upgrade the OmniForge tables in a database (idempotent)")
    .action(async (_options: unknown, self: Command) => {
      const database = new Database(commandDatabaseUrl(self, io));
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
