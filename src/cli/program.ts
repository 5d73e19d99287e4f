/**
 * The `omniforge` command. Built as a function so tests can run it in-process with their own
 * output streams.
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { SqlConversationRepository } from "../conversation/sql-conversation-repository.js";
import { ThreadAccessError, isOrchestrationError } from "../errors.js";
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
    const message = isOrchestrationError(error)
      ? `${error.code}: ${error.message}`
      : String((error as Error)?.message ?? error);
    io.stderr(`omniforge: ${message}\n`);
    return 1;
  }
}
