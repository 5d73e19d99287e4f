/**
 * The `omniforge` command. Built as a function so tests can run it in-process with their own
 * output streams.
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { join } from "node:path";
import {
  EXAMPLE_AGENTS,
  startKnowledgeAgent,
  startResearchAgent,
  startSkillCreationAgent,
} from "../agents/examples/index.js";
import type { ServedAgent } from "../agents/serve-agent.js";
import { runDemo } from "../demo/run-demo.js";
import { SqlConversationRepository } from "../conversation/sql-conversation-repository.js";
import { ThreadAccessError, ValidationError, isOrchestrationError } from "../errors.js";
import { SqlHandoffStore } from "../orchestration/handoff-store.js";
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

  program
    .command("agent <name>")
    .description(`Run one example agent until interrupted (${Object.keys(EXAMPLE_AGENTS).join(", ")})`)
    .option("--port <n>", "port (0 = any free port)", parsePort, 0)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--dir <path>", "skill-creation: where skill files and state go", ".omniforge")
    .action(async (name: string, options: { port: number; host: string; dir: string }) => {
      const agent = await startExampleAgent(name, options);
      io.stdout(`${agent.card.identity.name} (${agent.card.identity.id}) listening on ${agent.url}\n`);
      io.stdout(`A2A card: ${agent.url}/.well-known/agent-card.json — Ctrl+C to stop\n`);
      await waitForShutdown();
      await agent.close();
    });

  const threads = program.command("threads").description("Inspect conversation threads");
  threads
    .command("list")
    .description("List a tenant's threads, newest first")
    .requiredOption("--tenant <id>", "tenant id")
    .option("--user <id>", "only this user's threads")
    .option("--limit <n>", "how many", parsePositiveInt, 20)
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .action(async (options: { tenant: string; user?: string; limit: number; db: string }) => {
      await withDatabase(options.db, async (database) => {
        const repo = new SqlConversationRepository(database);
        const list = await repo.listConversations({
          tenantId: options.tenant,
          limit: options.limit,
          ...(options.user ? { userId: options.user } : {}),
        });
        if (list.length === 0) io.stdout(`No threads for tenant ${options.tenant}.\n`);
        for (const t of list) {
          io.stdout(
            `${t.id}  ${t.createdAt.toISOString()}  ${t.userId}  ${t.conversationType}  ${t.title || "(untitled)"}\n`,
          );
        }
      });
    });
  threads
    .command("show <threadId>")
    .description("Show a thread's messages and handoff history")
    .requiredOption("--tenant <id>", "tenant id")
    .option("--limit <n>", "how many messages", parsePositiveInt, 100)
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .action(async (threadId: string, options: { tenant: string; limit: number; db: string }) => {
      await withDatabase(options.db, async (database) => {
        const repo = new SqlConversationRepository(database);
        const thread = await repo.getConversation({ conversationId: threadId, tenantId: options.tenant });
        if (!thread) throw new ThreadAccessError(threadId);
        io.stdout(
          `Thread ${thread.id} (${thread.conversationType}) "${thread.title}" — user ${thread.userId}\n\n`,
        );
        const messages = await repo.getMessages({
          conversationId: threadId,
          tenantId: options.tenant,
          limit: options.limit,
        });
        for (const m of messages) {
          const who = m.role === "assistant" ? `assistant[${m.agentId ?? "?"}]` : m.role;
          io.stdout(`${m.createdAt.toISOString()}  ${who}: ${m.content}\n`);
        }
        const sessions = await new SqlHandoffStore(database).list(threadId, options.tenant);
        if (sessions.length > 0) io.stdout("\nHandoffs:\n");
        for (const s of sessions) {
          io.stdout(
            `  ${s.handoffId}  ${s.state.padEnd(9)}  ${s.sourceAgentId} -> ${s.targetAgentId}  ${s.handoffReason}\n`,
          );
        }
      });
    });

  return program;
}

/** A command failed with a message already explained to the user. */
class CliFailure extends Error {}

async function startExampleAgent(
  name: string,
  options: { port: number; host: string; dir: string },
): Promise<ServedAgent> {
  const base = { port: options.port, host: options.host };
  switch (name) {
    case "knowledge":
      return startKnowledgeAgent(base);
    case "research":
      return startResearchAgent(base);
    case "skill-creation":
      return startSkillCreationAgent({
        ...base,
        skillsDir: join(options.dir, "skills"),
        stateDir: join(options.dir, "skill-state"),
      });
    default:
      throw new ValidationError(
        "name",
        `unknown agent "${name}"; choose ${Object.keys(EXAMPLE_AGENTS).join(", ")}`,
      );
  }
}

/** Resolves on SIGINT or SIGTERM. */
export function waitForShutdown(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError("must be a port number (0-65535)");
  return n;
}

async function withDatabase(url: string, fn: (database: Database) => Promise<void>): Promise<void> {
  const database = new Database(url);
  try {
    await database.initialize();
    await fn(database);
  } finally {
    await database.dispose();
  }
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliFailure) {
      io.stderr(`omniforge: ${error.message}\n`);
      return 1;
    }
    const message = isOrchestrationError(error)
      ? `${error.code}: ${error.message}`
      : String((error as Error)?.message ?? error);
    io.stderr(`omniforge: ${message}\n`);
    return 1;
  }
}
