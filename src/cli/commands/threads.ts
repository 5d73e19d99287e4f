/** `omniforge threads list|show`: inspect conversation threads. */
import type { Command } from "commander";
import { ThreadAccessError } from "../../errors.js";
import { SqlHandoffStore } from "../../storage/sql/sql-handoff-store.js";
import type { Database } from "../../storage/database.js";
import { SqlConversationRepository } from "../../storage/sql/sql-conversation-repository.js";
import { parsePositiveInt, withDatabase, type CliIo } from "../cli-support.js";
import { commandDatabaseUrl, databaseCommand } from "../config/config-options.js";
import { formatTable } from "../table.js";
import { terminalSafe } from "../terminal-text.js";

export function addThreadsCommand(program: Command, io: CliIo): void {
  const threads = program.command("threads").description("Inspect conversation threads");
  databaseCommand(threads, "list")
    .description("List a tenant's threads, newest first")
    .requiredOption("--tenant <id>", "tenant id")
    .option("--user <id>", "only this user's threads")
    .option("--limit <n>", "how many", parsePositiveInt, 20)
    .action(async (options: { tenant: string; user?: string; limit: number }, self: Command) => {
      await withDatabase(commandDatabaseUrl(self, io), async (database) => {
        const repo = new SqlConversationRepository(database);
        const list = await repo.listConversations({
          tenantId: options.tenant,
          limit: options.limit,
          ...(options.user ? { userId: options.user } : {}),
        });
        if (list.length === 0) {
          io.stdout(`No threads for tenant ${terminalSafe(options.tenant)}.\n`);
          return;
        }
        const rows = list.map((t) => [
          t.id,
          t.createdAt.toISOString(),
          t.userId,
          t.conversationType,
          t.title || "(untitled)",
        ]);
        io.stdout(formatTable(["ID", "CREATED", "USER", "TYPE", "TITLE"], rows));
      });
    });
  databaseCommand(threads, "show <threadId>")
    .description("Show a thread's messages and handoff history")
    .requiredOption("--tenant <id>", "tenant id")
    .option("--limit <n>", "show the newest <n> messages (printed oldest first)", parsePositiveInt, 100)
    .action(async (threadId: string, options: { tenant: string; limit: number }, self: Command) => {
      await withDatabase(commandDatabaseUrl(self, io), (database) =>
        showThread(database, threadId, options, io),
      );
    });
}

/** Prints the thread's header, its messages, then its handoffs. */
async function showThread(
  database: Database,
  threadId: string,
  options: { tenant: string; limit: number },
  io: CliIo,
): Promise<void> {
  const repo = new SqlConversationRepository(database);
  // Titles, messages and handoff reasons are the tenant's and the agents' text.
  const say = (text: string) => io.stdout(terminalSafe(text));
  const thread = await repo.getConversation({ conversationId: threadId, tenantId: options.tenant });
  if (!thread) throw new ThreadAccessError(threadId);
  say(`Thread ${thread.id} (${thread.conversationType}) "${thread.title}" — user ${thread.userId}\n\n`);
  // The newest `limit` messages, in chronological order: the end of a thread is what one looks for.
  const messages = await repo.getRecentMessages({
    conversationId: threadId,
    tenantId: options.tenant,
    limit: options.limit,
  });
  for (const m of messages) {
    const who = m.role === "assistant" ? `assistant[${m.agentId ?? "?"}]` : m.role;
    say(`${m.createdAt.toISOString()}  ${who}: ${m.content}\n`);
  }
  const sessions = await new SqlHandoffStore(database).list(threadId, options.tenant);
  if (sessions.length > 0) say("\nHandoffs:\n");
  for (const s of sessions) {
    say(
      `  ${s.handoffId}  ${s.state.padEnd(9)}  ${s.sourceAgentId} -> ${s.targetAgentId}  ${s.handoffReason}\n`,
    );
  }
}
