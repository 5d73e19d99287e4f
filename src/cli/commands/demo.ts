/** `omniforge demo`: the complete example with real agents on loopback. */
import type { Command } from "commander";
import { runDemo } from "../../demo/run-demo.js";
import { CliFailure, type CliIo } from "../cli-support.js";

export function addDemoCommand(program: Command, io: CliIo): void {
  program
    .command("demo")
    .description("Run the complete example with real agents on loopback and print the transcript")
    .option("--db <url>", "database URL (default: a SQLite file in the work dir)")
    .option(
      "--dir <path>",
      "work directory for the database, skill files and agent state (default: a new temp dir)",
    )
    .action(async (options: { db?: string; dir?: string }) => {
      const result = await runDemo({
        write: io.stdout,
        ...(options.db ? { databaseUrl: options.db } : {}),
        ...(options.dir ? { workDir: options.dir } : {}),
      });
      if (!result.ok) throw new CliFailure("the demo did not complete every step");
    });
}
