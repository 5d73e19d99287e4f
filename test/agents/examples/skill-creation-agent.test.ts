import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import { HANDOFF_EXTENSION_URI, handoffData } from "../../../src/a2a/handoff-extension.js";
import type { ServedAgent } from "../../../src/a2a/server/serve-agent.js";
import { startSkillCreationAgent } from "../../../src/agents/examples/index.js";
import { tenantSkillsFolder } from "../../../src/agents/examples/skill-file.js";
import { ErrorCode } from "../../../src/errors.js";
import {
  TENANT,
  TempDirs,
  USER,
  questionCount,
  requestHandoff,
  streamTurn,
  type StreamedReply,
} from "../../helpers/examples.js";
import { LOOPBACK } from "../../helpers/network.js";

const SUMMARY = "User wants to create a skill for Slack alerts when a deploy fails";

interface StoredState {
  phase: string;
  awaiting: string;
  handoffId: string;
  draft: { name?: string; purpose?: string; steps: string[]; triggers: string[] };
}

describe("skill creation agent", () => {
  const client = new A2AClient({ network: LOOPBACK });
  const dirs = new TempDirs();
  let skillsDir: string;
  /** Where TENANT's skills go: every tenant has its own folder. */
  let tenantDir: string;
  let stateDir: string;
  let agent: ServedAgent;

  beforeEach(async () => {
    const root = await dirs.make("omniforge-skills-");
    skillsDir = path.join(root, "skills");
    tenantDir = path.join(skillsDir, tenantSkillsFolder(TENANT));
    stateDir = path.join(root, "state");
    agent = await startSkillCreationAgent({ skillsDir, stateDir });
  });
  afterEach(async () => {
    await agent.close();
    await dirs.cleanup();
  });
  afterAll(async () => {
    await client.close();
  });

  /** One workflow on one thread, driven as the stream router drives it. */
  async function open(contextSummary = SUMMARY, tenantId = TENANT) {
    const threadId = randomUUID();
    const { handoffId, accept } = await requestHandoff(client, agent.card, {
      threadId,
      contextSummary,
      tenantId,
    });
    expect(accept).toEqual({ accepted: true, estimatedDurationSeconds: 300 });
    const say = (text: string, target: ServedAgent = agent): Promise<StreamedReply> =>
      streamTurn(client, target.card, { text, threadId, handoffId, tenantId });
    const state = async (): Promise<StoredState> =>
      JSON.parse(await readFile(path.join(stateDir, `${threadId}.json`), "utf8")) as StoredState;
    return { threadId, handoffId, say, state };
  }

  /** Asserts the reply continues the workflow with exactly one question and no handoffReturn. */
  function expectOneQuestion(reply: StreamedReply, about: RegExp): void {
    expect(reply.state).toBe("TASK_STATE_COMPLETED");
    expect(questionCount(reply.text), reply.text).toBe(1);
    expect(reply.text).toMatch(about);
    expect(reply.handoffReturn).toBeUndefined();
  }

  it("declares the handoff extension and its identity", async () => {
    expect(agent.card.identity).toMatchObject({ id: "skill-creation-agent", name: "Skill Creator" });
    expect(agent.card.capabilities?.handoff).toBe(true);
    expect(await client.supportsExtension(agent.card, HANDOFF_EXTENSION_URI)).toBe(true);
  });

  it("runs the whole workflow, one question per turn, writes the skill and returns control", async () => {
    const { say, state, handoffId } = await open();

    const first = await say("Hi");
    expectOneQuestion(first, /What exactly should this skill do\?/);
    expect(first.text).toContain("Slack alerts when a deploy fails"); // the handoff's contextSummary
    expect(await state()).toMatchObject({ phase: "gathering_requirements", awaiting: "purpose", handoffId });

    expectOneQuestion(
      await say("Post a message to the #deploys channel whenever a production deploy fails"),
      /What should the skill be called\?/,
    );
    expectOneQuestion(
      await say("Deploy Failure Alerts"),
      /What steps should "Deploy Failure Alerts" follow\?/,
    );
    const triggers = await say(
      "1. Read the failed deploy's service and commit\n2. Post a message to #deploys with a link to the logs\n3. Mention the on-call engineer",
    );
    expectOneQuestion(triggers, /When should "Deploy Failure Alerts" run\?/);
    expect(await state()).toMatchObject({ phase: "defining_triggers", awaiting: "triggers" });

    const draft = await say("deploy failed, rollback started");
    expectOneQuestion(draft, /Shall I save this skill\?/);
    // The lead, the draft, then the question (however serveAgent grouped the chunks on the wire).
    expect(draft.text.indexOf("# Deploy Failure Alerts")).toBeGreaterThan(0);
    expect(draft.text.indexOf("Shall I save this skill?")).toBeGreaterThan(
      draft.text.indexOf("- rollback started"),
    );
    expect(draft.text).toContain("# Deploy Failure Alerts");
    expect(draft.text).toContain("1. Read the failed deploy's service and commit");
    expect(draft.text).toContain("- rollback started");
    expect(await state()).toMatchObject({ phase: "confirming", awaiting: "confirmation" });

    // Adjust inline, then through "no" -> which part -> the new value.
    const renamed = await say("change the name to Deploy Failure Pager");
    expectOneQuestion(renamed, /Shall I save this skill\?/);
    expect(renamed.text).toContain("# Deploy Failure Pager");
    expectOneQuestion(await say("no"), /What would you like to change/);
    expectOneQuestion(await say("the triggers"), /When should "Deploy Failure Pager" run\?/);
    const redrafted = await say("deploy failed; pipeline turned red");
    expectOneQuestion(redrafted, /Shall I save this skill\?/);
    expect(redrafted.text).toContain("- pipeline turned red");
    expect(redrafted.text).not.toContain("rollback started");
    expect(await readdir(tenantDir).catch(() => [])).toEqual([]); // nothing saved before confirmation

    const done = await say("looks good");
    expect(done.state).toBe("TASK_STATE_COMPLETED");
    expect(questionCount(done.text)).toBe(0);
    const file = path.join(tenantDir, "deploy-failure-pager.md");
    expect(done.handoffReturn).toEqual({
      completionStatus: "completed",
      resultSummary: 'Created skill "Deploy Failure Pager" (3 steps, 2 triggers) as deploy-failure-pager.md',
      // The tenant's name for its skill, never the server's path.
      artifactsCreated: [path.basename(file)],
    });
    expect(done.text).toContain("deploy-failure-pager.md");

    const content = await readFile(file, "utf8");
    expect(content).toMatch(/^---\nname: "Deploy Failure Pager"\n/);
    expect(content).toContain(
      'description: "Post a message to the #deploys channel whenever a production deploy fails"',
    );
    expect(content).toContain('triggers:\n  - "deploy failed"\n  - "pipeline turned red"\n');
    expect(content).toContain('created_by: "skill-creation-agent"');
    expect(content).toContain(
      [
        "# Deploy Failure Pager",
        "",
        "Post a message to the #deploys channel whenever a production deploy fails",
        "",
        "## Triggers",
        "",
        "- deploy failed",
        "- pipeline turned red",
        "",
        "## Steps",
        "",
        "1. Read the failed deploy's service and commit",
        "2. Post a message to #deploys with a link to the logs",
        "3. Mention the on-call engineer",
        "",
      ].join("\n"),
    );
    expect(await state()).toMatchObject({ phase: "completed" });
    expect(await readdir(tenantDir)).toEqual(["deploy-failure-pager.md"]); // no temp files left

    // A repeated turn of the finished handoff repeats the return (it may have been lost) ...
    const again = await say("hello");
    expect(again.handoffReturn).toEqual(done.handoffReturn);
    expect(await readdir(tenantDir)).toEqual(["deploy-failure-pager.md"]);
  });

  it('"as described" keeps the handoff summary as the description', async () => {
    const { say, state } = await open();
    await say("start");
    expectOneQuestion(await say("as described"), /called\?/);
    expect((await state()).draft.purpose).toBe(SUMMARY);
  });

  it("re-asks the same single question when an answer is unusable", async () => {
    const { say, state } = await open();
    await say("hi");
    await say("Alert on failed deploys");
    const bad = await say("../../..");
    expectOneQuestion(bad, /needs at least one letter or digit[\s\S]*What should the skill be called\?/);
    expect(await state()).toMatchObject({ awaiting: "name" });
    const unclear = await say("Slack Alerts").then(() => say("   "));
    expectOneQuestion(unclear, /at least one step[\s\S]*What steps should "Slack Alerts" follow\?/);
  });

  it('"cancel" in its own turn returns control as cancelled and saves nothing', async () => {
    const { say, state } = await open();
    await say("hi");
    await say("Alert on failed deploys");
    const cancelled = await say("cancel");
    expect(cancelled.handoffReturn).toEqual({
      completionStatus: "cancelled",
      resultSummary: "Skill creation cancelled by the user; no skill was saved.",
      artifactsCreated: [],
    });
    expect(questionCount(cancelled.text)).toBe(0);
    expect(await state()).toMatchObject({ phase: "cancelled" });
    expect(await readdir(tenantDir).catch(() => [])).toEqual([]);
  });

  it("a handoffCancel from the orchestrator clears the thread's state", async () => {
    const { say, threadId, handoffId } = await open();
    await say("hi");
    await say("Alert on failed deploys");
    expect(await readdir(stateDir)).toEqual([`${threadId}.json`]);
    const result = await client.sendMessage(agent.card, {
      data: [handoffData.cancel({ handoffId, reason: "User cancelled skill creation" })],
      contextId: threadId,
      metadata: { omniforge: { tenantId: TENANT, userId: USER, threadId } },
      extensions: [HANDOFF_EXTENSION_URI],
    });
    expect(result.text).toContain("cancelled");
    expect(await readdir(stateDir)).toEqual([]);
    // Without a handoff or stored state the agent explains how to reach it.
    const after = await streamTurn(client, agent.card, { text: "Alert me", threadId });
    expect(after.text).toMatch(/works? through handoffs/);
  });

  it("survives a restart mid-workflow: a new agent on the same dirs continues the thread", async () => {
    const { say } = await open();
    await say("hi");
    await say("Summarize yesterday's incidents for the morning standup");
    expectOneQuestion(await say("Incident Digest"), /What steps should "Incident Digest" follow\?/);
    await agent.close();

    agent = await startSkillCreationAgent({ skillsDir, stateDir });
    const restarted = agent;
    // The new process never saw the handoff request: it continues from the stored state.
    expectOneQuestion(
      await say(
        "Collect incidents from the last 24 hours; Group them by service; Post the digest",
        restarted,
      ),
      /When should "Incident Digest" run\?/,
    );
    expectOneQuestion(await say("every weekday at 9am, standup", restarted), /Shall I save this skill\?/);
    const done = await say("yes", restarted);
    const file = path.join(tenantDir, "incident-digest.md");
    expect(done.handoffReturn).toMatchObject({
      completionStatus: "completed",
      artifactsCreated: [path.basename(file)],
    });
    const content = await readFile(file, "utf8");
    expect(content).toContain('description: "Summarize yesterday\'s incidents for the morning standup"');
    expect(content).toContain(
      "1. Collect incidents from the last 24 hours\n2. Group them by service\n3. Post the digest",
    );
  });

  it("names files safely: no path traversal, and an existing skill is never overwritten", async () => {
    await mkdir(tenantDir, { recursive: true });
    await writeFile(path.join(tenantDir, "etc-passwd.md"), "existing skill\n");
    const files: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { say } = await open();
      await say("hi");
      await say("Try to escape the skills directory");
      await say("../../etc/passwd");
      await say("do nothing");
      await say("never");
      const done = await say("confirm");
      files.push(...(done.handoffReturn?.artifactsCreated ?? []));
    }
    expect(files).toEqual(["etc-passwd-2.md", "etc-passwd-3.md"]);
    expect(await readFile(path.join(tenantDir, "etc-passwd.md"), "utf8")).toBe("existing skill\n");
    expect((await readdir(tenantDir)).sort()).toEqual([
      "etc-passwd-2.md",
      "etc-passwd-3.md",
      "etc-passwd.md",
    ]);
    expect(await readFile(path.join(tenantDir, files[0] ?? ""), "utf8")).toContain(
      'name: "../../etc/passwd"',
    );
  });

  it("keeps each tenant's skills in its own folder: a same-named skill never shows another tenant's", async () => {
    const saved: string[] = [];
    for (const tenantId of [TENANT, "globex"]) {
      const { say } = await open(SUMMARY, tenantId);
      await say("hi");
      await say("Rotate the on-call");
      await say("rotation");
      await say("do it");
      await say("weekly");
      saved.push(...((await say("confirm")).handoffReturn?.artifactsCreated ?? []));
    }
    expect(saved).toEqual(["rotation.md", "rotation.md"]);
    for (const tenantId of [TENANT, "globex"]) {
      expect(
        await readFile(path.join(skillsDir, tenantSkillsFolder(tenantId), "rotation.md"), "utf8"),
      ).toContain('name: "rotation"');
    }
  });

  it("refuses a handoff without a contextSummary or with a non-UUID thread, with a reason", async () => {
    const blank = await requestHandoff(client, agent.card, { threadId: randomUUID(), contextSummary: "   " });
    expect(blank.accept).toEqual({
      accepted: false,
      rejectionReason: "The Skill Creator needs a contextSummary describing the skill to create",
    });
    const badThread = await requestHandoff(client, agent.card, {
      threadId: "../../etc",
      contextSummary: SUMMARY,
    });
    expect(badThread.accept).toMatchObject({
      accepted: false,
      rejectionReason: expect.stringContaining("UUID"),
    });
    expect(await readdir(stateDir).catch(() => [])).toEqual([]);
  });

  it("without a handoff it explains that it works through handoffs", async () => {
    const reply = await streamTurn(client, agent.card, {
      text: "Create a skill for me",
      threadId: randomUUID(),
    });
    expect(reply.text).toMatch(/^I'm the Skill Creator\. I work through handoffs/);
    expect(reply.handoffReturn).toBeUndefined();
  });

  it("never shows or advances another tenant's workflow on the same thread", async () => {
    const { say, threadId, state } = await open();
    await say("hi");
    const foreign = await streamTurn(client, agent.card, {
      text: "Steal it",
      threadId,
      tenantId: "other-tenant",
    });
    expect(foreign.text).toMatch(/work through handoffs/);
    expect(await state()).toMatchObject({ awaiting: "purpose" });
  });

  it("rejects a configuration without skillsDir, naming the field", async () => {
    await expect(
      startSkillCreationAgent({ stateDir } as unknown as Parameters<typeof startSkillCreationAgent>[0]),
    ).rejects.toMatchObject({
      code: ErrorCode.CONFIGURATION_ERROR,
      context: { field: "config.skillsDir" },
    });
  });
});
