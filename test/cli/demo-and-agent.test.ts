import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { outcomeLabel, runDemo } from "../../src/demo/run-demo.js";
import { citationVerdict, citedSources, DEMO_QUESTIONS } from "../../src/demo/demo-citations.js";
import { Database } from "../../src/storage/database.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { LLM_AGENT_ID } from "../../src/agents/examples/index.js";
import { LLM_TEST_MODEL } from "../helpers/llm-agent.js";
import { startOpenAICompatibleServer, streamTokens } from "../helpers/openai-compatible-server.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "omniforge-demo-test-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the demo", () => {
  it("runs the complete example and every step passes", async () => {
    const workDir = tempDir();
    let transcript = "";
    const result = await runDemo({ workDir, write: (t) => (transcript += t) });
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => s.name)).toEqual([
      "delegation",
      "delegation cites the relevant sources",
      "first success skips a non-answer",
      "handoff accepted",
      "messages routed to the specialist",
      "handoff completed from the stream",
      "skill file written",
      "routing returned to the orchestrator",
      "the answer cites the relevant source",
      "thread stored",
    ]);
    expect(readFileSync(result.skillFile!, "utf8")).toContain("# Slack CPU Alerts");
    expect(transcript).toContain("↩ skill-creation-agent returned control (completed)");
    expect(transcript).toContain("Demo complete: every step did what it should.");
    // The crash question is answered from the notes on crash recovery, not from "What a handoff is".
    expect(transcript).toMatch(
      /✔ delegation cites the relevant sources: knowledge-agent cites handoffs\.md § Durability; research-agent cites durability-and-crash-recovery\.md § /,
    );
    expect(transcript).toContain("research-agent won citing rate-limiting.md § Token bucket");
    expect(transcript).toContain(
      "✔ the answer cites the relevant source: knowledge-agent cites tenants-and-rbac.md § Permissions per role",
    );
    // The knowledge agent has nothing on rate limits: it declined, or was cancelled once research won.
    expect(transcript).toMatch(/· knowledge-agent: \((declined|cancelled)\) in /);
    expect(transcript).not.toContain("(failed");
    expect(result.removedWorkDir).toBe(false);
    expect(existsSync(workDir)).toBe(true);
    // The database really holds the thread afterwards.
    await using database = new Database(result.databaseUrl);
    const messages = await new SqlConversationRepository(database).getMessages({
      conversationId: result.threadId,
      tenantId: "demo-tenant",
      limit: 100,
    });
    expect(messages.filter((m) => m.agentId === "skill-creation-agent")).toHaveLength(6);
  });

  it("removes the temp folder it made itself, whether it passed or failed", async () => {
    const passed = await runDemo({ write: () => {} });
    expect(passed.ok).toBe(true);
    expect(passed.workDir).toContain("omniforge-demo-");
    expect(passed.removedWorkDir).toBe(true);
    expect(existsSync(passed.workDir)).toBe(false);
    // A database the demo cannot use: the demo fails, and its temp folder still goes.
    const blocker = join(tempDir(), "not-a-directory");
    writeFileSync(blocker, "");
    const failed = await runDemo({ databaseUrl: `sqlite:///${blocker}/x.db`, write: () => {} });
    expect(failed.ok).toBe(false);
    expect(failed.removedWorkDir).toBe(true);
    expect(existsSync(failed.workDir)).toBe(false);
  });

  it("a citation of the wrong passage fails the check, naming what was cited and what was expected", () => {
    const answer = (...sources: string[]) =>
      `From the research notes (2 findings):\n\n${sources.map((s, i) => `${i + 1}. "..."\n   Source: ${s}\n\n`).join("")}Sources: ${sources.join("; ")}`;
    expect(citedSources(answer("a.md § One", "b.md § Two"))).toEqual(["a.md § One", "b.md § Two"]);
    const { cites } = DEMO_QUESTIONS.delegation;
    // What the newcomer saw: the knowledge agent quoting "What a handoff is", the research agent
    // quoting the failure modes of multi-agent systems.
    const before = citationVerdict(
      cites,
      new Map([
        ["knowledge-agent", answer("handoffs.md § What a handoff is", "handoffs.md § Durability")],
        ["research-agent", answer("multi-agent-systems.md § Typical failure modes")],
      ]),
    );
    expect(before).toEqual({
      ok: false,
      detail:
        "knowledge-agent cites handoffs.md § What a handoff is (expected handoffs.md § Durability); " +
        "research-agent cites multi-agent-systems.md § Typical failure modes (expected durability-and-crash-recovery.md)",
    });
    // A declined (or missing) answer cites nothing, which is no citation either.
    expect(
      citationVerdict(cites, new Map([["knowledge-agent", answer("handoffs.md § Durability")]])),
    ).toEqual({
      ok: false,
      detail:
        "knowledge-agent cites handoffs.md § Durability; research-agent cites nothing (expected durability-and-crash-recovery.md)",
    });
    // Any section of an expected file will do; a section is matched exactly, not by prefix.
    expect(
      citationVerdict(
        {
          "research-agent": "durability-and-crash-recovery.md",
          "knowledge-agent": "handoffs.md § Durability",
        },
        new Map([
          ["research-agent", answer("durability-and-crash-recovery.md § Write-ahead logging")],
          ["knowledge-agent", answer("handoffs.md § Durability and more")],
        ]),
      ).ok,
    ).toBe(false);
  });

  it("prints how each agent's call ended: ok, declined, cancelled (never 'failed') or failed with its code", () => {
    expect(outcomeLabel({ success: true })).toBe("ok");
    expect(outcomeLabel({ success: false, errorCode: "ABORTED" })).toBe("(cancelled)");
    expect(outcomeLabel({ success: false, errorCode: "AGENT_DECLINED" })).toBe("(declined)");
    expect(outcomeLabel({ success: false, errorCode: "AGENT_TIMEOUT" })).toBe("(failed: AGENT_TIMEOUT)");
  });

  it("omniforge demo exits 0 on success and 1 when a step fails", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
    expect(await runCli(["demo", "--dir", tempDir()], io)).toBe(0);
    expect(out.join("")).toContain("✔ thread stored");
    // A database the demo cannot use makes it fail loudly, not pass silently.
    const failing: string[] = [];
    const blocker = join(tempDir(), "not-a-directory");
    writeFileSync(blocker, "");
    const code = await runCli(["demo", "--db", `sqlite:///${blocker}/x.db`], {
      stdout: (t) => void failing.push(t),
      stderr: (t) => void err.push(t),
    });
    expect(code).toBe(1);
    expect(failing.join("")).toContain("Demo FAILED");
    expect(err.join("")).toContain("the demo did not complete every step");
  });
});

describe("the demo with an LLM endpoint configured", () => {
  it("runs the LLM agent as the orchestrator's default agent, configured from the environment", async () => {
    await using model = await startOpenAICompatibleServer({
      defaultScript: streamTokens([
        "Admins and operators ",
        "may cancel a handoff ",
        "[tenants-and-rbac.md].",
      ]),
    });
    const out: string[] = [];
    const env = { OMNIFORGE_LLM_BASE_URL: model.baseUrl, OMNIFORGE_LLM_MODEL: LLM_TEST_MODEL };
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t), env };
    expect(await runCli(["demo", "--dir", tempDir()], io)).toBe(0);
    const transcript = out.join("");
    expect(transcript).toContain(`agent ${LLM_AGENT_ID}`);
    expect(transcript).toContain(`✔ routing returned to the orchestrator: answered by ${LLM_AGENT_ID}`);
    expect(transcript).toContain(`${LLM_AGENT_ID}> Admins and operators may cancel a handoff`);
    // The BM25 agents still answer steps 1 and 1b; the model was asked exactly once, in step 5,
    // with the bundled docs' passages as context.
    expect(transcript).toContain("✔ delegation cites the relevant sources");
    expect(model.requests).toHaveLength(1);
    const prompt = model.requests[0]!.body.messages!.map((m) => m.content).join("\n");
    expect(model.requests[0]!.body.model).toBe(LLM_TEST_MODEL);
    expect(prompt).toContain(DEMO_QUESTIONS.backToOrchestrator.question);
    expect(prompt).toContain("Source: tenants-and-rbac.md");
  });

  it("says what is missing when only half of the endpoint is configured", async () => {
    const err: string[] = [];
    const env = { OMNIFORGE_LLM_BASE_URL: "http://127.0.0.1:9/v1" };
    const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t), env };
    expect(await runCli(["demo", "--dir", tempDir()], io)).toBe(1);
    expect(err.join("")).toMatch(/OMNIFORGE_LLM_MODEL/);
  });
});

describe("omniforge agent", () => {
  it("serves an example agent until SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "agent", "knowledge", "--port", "0"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    while (!/listening on (http:\/\/\S+)/.test(output)) await once(child.stdout, "data");
    const url = /listening on (http:\/\/\S+)/.exec(output)![1]!;
    const card = (await (await fetch(`${url}/.well-known/agent-card.json`)).json()) as { name: string };
    expect(card.name).toBe("Knowledge Base Agent");
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });

  it("rejects an unknown agent name", async () => {
    const err: string[] = [];
    expect(await runCli(["agent", "poet"], { stdout: () => {}, stderr: (t) => void err.push(t) })).not.toBe(
      0,
    );
    expect(err.join("")).toContain('unknown agent "poet"');
  });
});
