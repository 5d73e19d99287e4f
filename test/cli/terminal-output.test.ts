/**
 * Text a tenant or an agent wrote reaches the operator's terminal only as visible escapes: no ESC,
 * NUL, BEL or bidi control is printed by `threads list`, `threads show` or the demo's transcript.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/program.js";
import { terminalSafe } from "../../src/cli/terminal-text.js";
import { formatTable } from "../../src/cli/table.js";
import { MessageRole } from "../../src/conversation/models.js";
import { Database } from "../../src/storage/database.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { LLM_TEST_MODEL } from "../helpers/llm-agent.js";
import { startOpenAICompatibleServer, streamTokens } from "../helpers/openai-compatible-server.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { capture } from "../helpers/cli.js";

const HOSTILE_TITLE = "a\u0000b\u001b[31mRED\u202eevil";
const HOSTILE_REPLY =
  "\u001b[2Jcleared\u001b]0;owned-title\u0007 \u009b31m \u2066iso\u2069 \u200f \u061c \r\u007f";

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Fails naming the first unsafe character printed. */
function expectTerminalSafe(output: string): void {
  const found = UNSAFE.exec(output);
  expect(found ? `U+${found[0].codePointAt(0)!.toString(16)} at ${found.index}` : "none").toBe("none");
}

describe("terminalSafe", () => {
  it("escapes controls, DEL, C1 and bidi controls visibly; keeps newlines, tabs and other text", () => {
    expect(terminalSafe(HOSTILE_TITLE)).toBe("a\\u{0}b\\u{1b}[31mRED\\u{202e}evil");
    expect(terminalSafe("line 1\n\tline 2 — é ✔ 日本")).toBe("line 1\n\tline 2 — é ✔ 日本");
    const escaped = terminalSafe(HOSTILE_REPLY);
    expectTerminalSafe(escaped);
    for (const shown of [
      "\\u{7}",
      "\\u{9b}",
      "\\u{2066}",
      "\\u{2069}",
      "\\u{200f}",
      "\\u{61c}",
      "\\u{d}",
      "\\u{7f}",
    ]) {
      expect(escaped).toContain(shown);
    }
  });

  it("a table cell stays on one line: its newlines and tabs are shown, not printed", () => {
    const table = formatTable(["A", "B"], [["x\ny\tz", "\u001b[2J"]]);
    expect(table).toBe("A        B\nx\\ny\\tz  \\u{1b}[2J\n");
  });
});

/** A thread with a hostile title, a hostile user message and a hostile agent reply. */
async function hostileThread(): Promise<{ db: string; threadId: string }> {
  const db = `sqlite:///${tempSqlitePath()}`;
  await using database = new Database(db);
  await database.initialize();
  const repo = new SqlConversationRepository(database);
  const thread = await repo.createConversation({ tenantId: "acme", userId: "alice", title: HOSTILE_TITLE });
  await repo.addMessage({
    conversationId: thread.id,
    tenantId: "acme",
    role: MessageRole.USER,
    content: "hi\u0007",
  });
  await repo.addMessage({
    conversationId: thread.id,
    tenantId: "acme",
    role: MessageRole.ASSISTANT,
    content: HOSTILE_REPLY,
    agentId: "knowledge-agent",
  });
  return { db, threadId: thread.id };
}

describe("the CLI prints tenant and agent text terminal-safe", () => {
  it("threads list: the hostile title is shown escaped, in a table", async () => {
    const { db, threadId } = await hostileThread();
    const { io, out } = capture();
    expect(await runCli(["threads", "list", "--tenant", "acme", "--db", db], io)).toBe(0);
    expectTerminalSafe(out());
    expect(out()).toMatch(/^ID\s+CREATED\s+USER\s+TYPE\s+TITLE\n/);
    expect(out()).toContain(`${threadId}  `);
    expect(out()).toContain("a\\u{0}b\\u{1b}[31mRED\\u{202e}evil");
  });

  it("threads show: the title, the user's message and the agent's reply are shown escaped", async () => {
    const { db, threadId } = await hostileThread();
    const { io, out } = capture();
    expect(await runCli(["threads", "show", threadId, "--tenant", "acme", "--db", db], io)).toBe(0);
    expectTerminalSafe(out());
    expect(out()).toContain('"a\\u{0}b\\u{1b}[31mRED\\u{202e}evil"');
    expect(out()).toContain("user: hi\\u{7}");
    expect(out()).toContain("assistant[knowledge-agent]: \\u{1b}[2Jcleared\\u{1b}]0;owned-title\\u{7}");
  });

  it("an error quoting a typed value is printed escaped", async () => {
    const { db } = await hostileThread();
    const { io, err } = capture();
    const code = await runCli(["threads", "show", "x\u001b]0;t\u0007", "--tenant", "acme", "--db", db], io);
    expect(code).toBe(1);
    expectTerminalSafe(err());
  });

  it("demo: a model's reply in the transcript is shown escaped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "omniforge-terminal-test-"));
    try {
      await using model = await startOpenAICompatibleServer({
        defaultScript: streamTokens([
          "\u001b[2J\u001b]0;owned-title\u0007",
          "Admins may cancel [tenants-and-rbac.md].",
        ]),
      });
      const out: string[] = [];
      const env = { OMNIFORGE_LLM_BASE_URL: model.baseUrl, OMNIFORGE_LLM_MODEL: LLM_TEST_MODEL };
      const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t), env };
      await runCli(["demo", "--dir", dir], io);
      expect(model.requests).toHaveLength(1);
      const transcript = out.join("");
      expectTerminalSafe(transcript);
      expect(transcript).toContain("\\u{1b}[2J\\u{1b}]0;owned-title\\u{7}");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
