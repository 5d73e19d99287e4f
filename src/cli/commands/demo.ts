/** `omniforge demo`: the complete example with real agents on loopback. */
import type { Command } from "commander";
import { runDemo } from "../../demo/run-demo.js";
import { CliFailure, type CliIo } from "../cli-support.js";
import { addSettingOptions, commandConfig } from "../config/config-options.js";
import type { SettingKey } from "../config/settings.js";
import { llmSettings } from "../llm-settings.js";
import { terminalSafeWriter } from "../terminal-text.js";

/** The demo runs the LLM agent when an endpoint is configured (flag, env, config file). */
const DEMO_SETTINGS: readonly SettingKey[] = ["llmBaseUrl", "llmApiKey", "llmModel"];

export function addDemoCommand(program: Command, io: CliIo): void {
  const command = program
    .command("demo")
    .description(
      "Run the complete example with real agents on loopback and print the transcript " +
        "(with OMNIFORGE_LLM_BASE_URL and OMNIFORGE_LLM_MODEL set, the LLM agent answers step 5)",
    )
    .option("--db <url>", "database URL (default: a SQLite file in the work dir)")
    .option(
      "--dir <path>",
      "work directory for the database, skill files and agent state (default: a new temp dir)",
    );
  addSettingOptions(command, DEMO_SETTINGS).action(
    async (options: { db?: string; dir?: string }, self: Command) => {
      const llm = llmSettings(commandConfig(self, DEMO_SETTINGS, io).values);
      const result = await runDemo({
        // The transcript holds the agents' and the model's replies.
        write: terminalSafeWriter(io.stdout),
        ...(options.db ? { databaseUrl: options.db } : {}),
        ...(options.dir ? { workDir: options.dir } : {}),
        ...(llm ? { llm } : {}),
      });
      if (!result.ok) throw new CliFailure("the demo did not complete every step");
    },
  );
}
