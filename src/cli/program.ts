/**
 * The `omniforge` command. Built as a function so tests can run it in-process with their own
 * output streams. Each command lives in `commands/`.
 */
import { Command, CommanderError } from "commander";
import { isOrchestrationError } from "../errors.js";
import { CliFailure, packageVersion, type CliIo } from "./cli-support.js";
import { addAgentCommand } from "./commands/agent.js";
import { addConfigCommand } from "./commands/config.js";
import { addDemoCommand } from "./commands/demo.js";
import { addKeysCommand } from "./commands/keys.js";
import { addMigrateCommand } from "./commands/migrate.js";
import { addSecretsCommand } from "./commands/secrets.js";
import { addServeCommand } from "./commands/serve.js";
import { addThreadsCommand } from "./commands/threads.js";
import { terminalSafe } from "./terminal-text.js";

export { DEFAULT_DATABASE_URL, waitForShutdown, type CliIo } from "./cli-support.js";

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
};

export function createProgram(io: CliIo = processIo): Command {
  const program = new Command("omniforge")
    .description("Coordinate remote A2A agents: orchestrate, hand off, route.")
    .version(packageVersion(), "-V, --version", "print the version")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError();
  // Subcommands are made with program.command(), so they inherit the output and exit settings.
  for (const add of [
    addMigrateCommand,
    addDemoCommand,
    addAgentCommand,
    addServeCommand,
    addConfigCommand,
    addKeysCommand,
    addSecretsCommand,
    addThreadsCommand,
  ]) {
    add(program, io);
  }
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
    // A failure may quote an agent's or a tenant's text (an agent's error, a thread id typed).
    if (error instanceof CliFailure) {
      io.stderr(`omniforge: ${terminalSafe(error.message)}\n`);
      return 1;
    }
    const message = isOrchestrationError(error)
      ? `${error.code}: ${error.message}`
      : String((error as Error)?.message ?? error);
    io.stderr(`omniforge: ${terminalSafe(message)}\n`);
    return 1;
  }
}
