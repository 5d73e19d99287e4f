import { describe, expect, it } from "vitest";
import { MessageRole } from "../../src/conversation/models.js";
import { runCli } from "../../src/cli/program.js";
import { Database } from "../../src/storage/database.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { capture } from "../helpers/cli.js";

/** A SQLite file holding one thread of acme/alice with `count` messages "message 1".."message N". */
async function threadWithMessages(count: number): Promise<{ db: string; threadId: string }> {
  const db = `sqlite:///${tempSqlitePath()}`;
  await using database = new Database(db);
  await database.initialize();
  const repo = new SqlConversationRepository(database);
  const thread = await repo.createConversation({ tenantId: "acme", userId: "alice", title: "long" });
  for (let i = 1; i <= count; i++) {
    await repo.addMessage({
      conversationId: thread.id,
      tenantId: "acme",
      role: i % 2 === 1 ? MessageRole.USER : MessageRole.ASSISTANT,
      content: `message ${i}`,
      ...(i % 2 === 0 ? { agentId: "knowledge-agent" } : {}),
    });
  }
  return { db, threadId: thread.id };
}

const shown = (output: string) => [...output.matchAll(/: (message \d+)$/gm)].map((m) => m[1]);

describe("omniforge threads show", () => {
  it("--limit N shows the N newest messages, oldest first", async () => {
    const { db, threadId } = await threadWithMessages(8);
    const { io, out } = capture();
    expect(
      await runCli(["threads", "show", threadId, "--tenant", "acme", "--db", db, "--limit", "3"], io),
    ).toBe(0);
    expect(out()).toContain(`Thread ${threadId}`);
    expect(shown(out())).toEqual(["message 6", "message 7", "message 8"]);
    expect(out()).toContain("assistant[knowledge-agent]: message 8");
  });

  it("without --limit shows the whole of a short thread in order", async () => {
    const { db, threadId } = await threadWithMessages(4);
    const { io, out } = capture();
    expect(await runCli(["threads", "show", threadId, "--tenant", "acme", "--db", db], io)).toBe(0);
    expect(shown(out())).toEqual(["message 1", "message 2", "message 3", "message 4"]);
  });

  it("says in --help that --limit keeps the newest messages", async () => {
    const { io, out } = capture();
    expect(await runCli(["threads", "show", "--help"], io)).toBe(0);
    expect(out()).toMatch(/--limit <n>\s+show the newest <n> messages \(printed oldest first\)/);
  });
});
