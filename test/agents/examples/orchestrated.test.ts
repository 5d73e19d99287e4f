import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { ServedAgent } from "../../../src/a2a/server/serve-agent.js";
import { EXAMPLE_AGENTS } from "../../../src/agents/examples/index.js";
import { tenantSkillsFolder } from "../../../src/agents/examples/skill-file.js";
import { SqlConversationRepository } from "../../../src/storage/sql/sql-conversation-repository.js";
import { HandoffManager } from "../../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../../src/orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../../../src/orchestration/stream-router.js";
import { DelegationStrategy } from "../../../src/orchestration/types.js";
import { Database } from "../../../src/storage/database.js";
import { ErrorCode } from "../../../src/errors.js";
import { TENANT, TempDirs, USER, questionCount } from "../../helpers/examples.js";
import { LOOPBACK } from "../../helpers/network.js";

async function collect(events: AsyncIterable<RouterEvent>): Promise<RouterEvent[]> {
  const out: RouterEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const textOf = (events: RouterEvent[]): string =>
  events.map((event) => (event.type === "chunk" ? event.text : "")).join("");

describe("example agents behind the real OmniForge managers", () => {
  const dirs = new TempDirs();
  let database: Database;
  let repo: SqlConversationRepository;
  let client: A2AClient;
  let orchestrator: OrchestrationManager;
  let handoffs: HandoffManager;
  let knowledge: ServedAgent;
  let research: ServedAgent;
  let skills: ServedAgent;
  let skillsDir: string;
  let stateDir: string;

  beforeAll(async () => {
    database = new Database("sqlite::memory:");
    await database.initialize();
    repo = new SqlConversationRepository(database);
    client = new A2AClient({ network: LOOPBACK });
    orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
    handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
    const root = await dirs.make();
    skillsDir = path.join(root, "skills");
    stateDir = path.join(root, "state");
    [knowledge, research, skills] = await Promise.all([
      EXAMPLE_AGENTS.knowledge(),
      EXAMPLE_AGENTS.research(),
      EXAMPLE_AGENTS["skill-creation"]({ skillsDir, stateDir }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([knowledge, research, skills].map((agent) => agent?.close()));
    await client?.close();
    await database?.close();
    await dirs.cleanup();
  });

  const newThread = async (): Promise<string> =>
    (await repo.createConversation({ tenantId: TENANT, userId: USER })).id;

  it("SEQUENTIAL delegation: the knowledge agent, with nothing on it, declines and says what the research agent said", async () => {
    const threadId = await newThread();
    const results = await orchestrator.delegateToAgents({
      threadId,
      tenantId: TENANT,
      userId: USER,
      message: "How does BM25 ranking work in search?",
      targetAgentCards: [research.card, knowledge.card],
      strategy: DelegationStrategy.SEQUENTIAL,
    });
    expect(results.map((result) => [result.agentId, result.success, result.errorCode])).toEqual([
      ["research-agent", true, undefined],
      ["knowledge-agent", false, ErrorCode.AGENT_DECLINED],
    ]);
    expect(results[0]?.response).toContain("bm25.md §");
    expect(results[1]?.error).toMatch(
      /^Earlier in this chain, research-agent said: "From the research notes/,
    );
    expect(results[1]?.error).toContain("I found nothing about");
  });

  it('FIRST_SUCCESS: the knowledge agent\'s "I found nothing" does not win; the research agent does', async () => {
    const threadId = await newThread();
    const results = await orchestrator.delegateToAgents({
      threadId,
      tenantId: TENANT,
      userId: USER,
      message: "How does a token bucket rate limit work?",
      targetAgentCards: [knowledge.card, research.card],
      strategy: DelegationStrategy.FIRST_SUCCESS,
    });
    expect(results).toEqual([expect.objectContaining({ agentId: "research-agent", success: true })]);
    expect(results[0]?.response).toContain("rate-limiting.md §");
  });

  it("routes a full skill workflow through StreamRouter and completes the handoff from the stream", async () => {
    const threadId = await newThread();
    const ids = { threadId, tenantId: TENANT, userId: USER };
    const acceptance = await handoffs.initiateHandoff({
      ...ids,
      sourceAgentId: "main-chatbot",
      targetAgentCard: skills.card,
      contextSummary: "User wants to create a skill for Slack alerts",
      handoffReason: "skill_creation_workflow",
    });
    expect(acceptance).toMatchObject({ accepted: true, estimatedDurationSeconds: 300 });
    const router = new StreamRouter({
      handoffManager: handoffs,
      orchestrationManager: orchestrator,
      defaultAgents: [knowledge.card],
    });

    for (const [message, question] of [
      ["Let's go", /What exactly should this skill do\?/],
      ["Send an alert to #ops when CPU stays above 90 percent", /called\?/],
      ["CPU Alerts", /What steps/],
      ["Read the metric; Post to #ops", /When should "CPU Alerts" run\?/],
      ["cpu high", /Shall I save this skill\?/],
    ] as const) {
      const events = await collect(router.routeEvents({ ...ids, message }));
      expect(events[0]).toMatchObject({ type: "route", target: "handoff", agentId: "skill-creation-agent" });
      expect(questionCount(textOf(events))).toBe(1);
      expect(textOf(events)).toMatch(question);
    }
    const last = await collect(router.routeEvents({ ...ids, message: "yes" }));
    const file = path.join(skillsDir, tenantSkillsFolder(TENANT), "cpu-alerts.md");
    expect(last.find((event) => event.type === "handoff_returned")).toMatchObject({
      completionStatus: "completed",
      artifactsCreated: ["cpu-alerts.md"],
    });
    expect(await readFile(file, "utf8")).toContain("# CPU Alerts");
    expect(await handoffs.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();

    // Control is back: the next message goes to the default (knowledge) agent.
    const next = await collect(router.routeEvents({ ...ids, message: "What states can a handoff be in?" }));
    expect(next[0]).toMatchObject({ type: "route", target: "orchestrator", agentId: "knowledge-agent" });
    expect(textOf(next)).toContain("handoffs.md § Handoff states");
  });

  it("the router's exit word cancels the handoff and the agent forgets the thread", async () => {
    const threadId = await newThread();
    const ids = { threadId, tenantId: TENANT, userId: USER };
    const acceptance = await handoffs.initiateHandoff({
      ...ids,
      sourceAgentId: "main-chatbot",
      targetAgentCard: skills.card,
      contextSummary: "A skill for weekly reports",
      handoffReason: "skill_creation_workflow",
    });
    const router = new StreamRouter({
      handoffManager: handoffs,
      orchestrationManager: orchestrator,
      defaultAgents: [knowledge.card],
    });
    await collect(router.routeEvents({ ...ids, message: "hi" }));
    expect(await readdir(stateDir)).toContain(`${threadId}.json`);
    const cancelled = await collect(router.routeEvents({ ...ids, message: "cancel" }));
    expect(cancelled.find((event) => event.type === "handoff_cancelled")).toMatchObject({
      handoffId: acceptance.handoffId,
    });
    expect(await handoffs.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
    // The orchestrator's handoffCancel reached onHandoffCancel, which cleared the thread's state.
    expect(await readdir(stateDir)).not.toContain(`${threadId}.json`);
  });
});
