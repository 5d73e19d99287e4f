/**
 * The `omniforge` command. Built as a function so tests can run it in-process with their own
 * output streams.
 */
import { Command, CommanderError } from "commander";
import { isOrchestrationError } from "../errors.js";
import { Database } from "../storage/database.js";

export const DEFAULT_DATABASE_URL = "sqlite:///omniforge.db";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export function createProgram(io: CliIo = processIo): Command {
  const program = new Command("omniforge")
    .description("Coordinate remote A2A agents: orchestrate, hand off, route.")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError();

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
        await database.dispose();
      }
    });

  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message = isOrchestrationError(error)
      ? `${error.code}: ${error.message}`
      : String((error as Error)?.message ?? error);
    io.stderr(`omniforge: ${message}\n`);
    return 1;
  }
}
