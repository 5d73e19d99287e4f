/** `omniforge threads list|show`: inspect conversation threads. */
import type { Command } from "commander";
import { ThreadAccessError } from "../../errors.js";
import { SqlHandoffStore } from "../../storage/sql/sql-handoff-store.js";
import type { Database } from "../../storage/database.js";
import { SqlConversationRepository } from "../../storage/sql/sql-conversation-repository.js";
import { parsePositiveInt, withDatabase, type CliIo } from "../cli-support.js";
import { commandDatabaseUrl, databaseCommand } from "../config/config-options.js";

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
        if (list.length === 0) io.stdout(`No threads for tenant ${options.tenant}.\n`);
        for (const t of list) {
          io.stdout(
            `${t.id}  ${t.createdAt.toISOString()}  ${t.userId}  ${t.conversationType}  ${t.title || "(untitled)"}\n`,
          );
        }
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
  const thread = await repo.getConversation({ conversationId: threadId, tenantId: options.tenant });
  if (!thread) throw new ThreadAccessError(threadId);
  io.stdout(`Thread ${thread.id} (${thread.conversationType}) "${thread.title}" — user ${thread.userId}\n\n`);
  // The newest `limit` messages, in chronological order: the end of a thread is what one looks for.
  const messages = await repo.getRecentMessages({
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
}
