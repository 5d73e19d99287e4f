import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { ErrorCode, ThreadAccessError } from "../../src/errors.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../../src/orchestration/stream-router.js";
import { CompletionStatus, DelegationStrategy, HandoffState } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { LOOPBACK } from "../helpers/network.js";

const TENANT = "acme";
const USER = "alice";

async function collect(events: AsyncIterable<RouterEvent>): Promise<RouterEvent[]> {
  const out: RouterEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe("StreamRouter", () => {
  let database: Database;
  let repo: SqlConversationRepository;
  let client: A2AClient;
  let orchestrator: OrchestrationManager;
  let handoffs: HandoffManager;
  let knowledge: RecordingAgent;
  let research: RecordingAgent;
  let skill: RecordingAgent;
  let gated: RecordingAgent;
  let releaseGate: () => void = () => {};
  let gateReached: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    repo = new SqlConversationRepository(database);
    client = new A2AClient({ network: LOOPBACK });
    orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
    handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
    knowledge = await startAgent({
      id: "knowledge-agent",
      reply: (ctx) => ["Docs say: ", `answer to ${ctx.text}`],
    });
    research = await startAgent({ id: "research-agent", reply: () => "Research says: 42" });
    skill = await startAgent({
      id: "skill-creation-agent",
      onHandoffRequest: async () => ({ accepted: true, estimatedDurationSeconds: 60 }),
      async *handle(ctx) {
        if (/done/i.test(ctx.text)) {
          yield "Skill saved. ";
          ctx.returnControl({
            completionStatus: CompletionStatus.COMPLETED,
            resultSummary: "Created slack-alerts",
            artifactsCreated: ["slack-alerts.md"],
          });
          yield "Handing you back.";
          return;
        }
        yield "Step 1: ";
        yield `what triggers "${ctx.text}"?`;
      },
    });
    gated = await startAgent({
      id: "gated-agent",
      async *handle(ctx) {
        yield "first chunk";
        let reached: () => void = () => {};
        gateReached = new Promise((r) => (reached = r));
        const gate = new Promise<void>((resolve) => {
          releaseGate = resolve;
          ctx.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        reached();
        await gate;
        yield " second chunk";
      },
    });
  });
  afterAll(async () => {
    await Promise.all([knowledge, research, skill, gated].map((a) => a?.close()));
    await client?.close();
    await database?.close();
  });

  const newThread = async () => (await repo.createConversation({ tenantId: TENANT, userId: USER })).id;
  const router = (defaultAgents = [knowledge.card], extra = {}) =>
    new StreamRouter({
      handoffManager: handoffs,
      orchestrationManager: orchestrator,
      defaultAgents,
      ...extra,
    });

  it("the seed's complete example end to end: delegate, hand off, route, return, route back", async () => {
    const threadId = await newThread();
    const ids = { threadId, tenantId: TENANT, userId: USER };

    // 1. Delegate to two agents and synthesize.
    const results = await orchestrator.delegateToAgents({
      ...ids,
      message: "How do alerts work?",
      targetAgentCards: [knowledge.card, research.card],
      strategy: DelegationStrategy.PARALLEL,
    });
    expect(orchestrator.synthesizeResponses(results)).toBe(
      "From knowledge-agent:\nDocs say: answer to How do alerts work?\n\nFrom research-agent:\nResearch says: 42",
    );

    // 2. Hand off to the skill agent.
    const acceptance = await handoffs.initiateHandoff({
      ...ids,
      sourceAgentId: "main-chatbot",
      targetAgentCard: skill.card,
      contextSummary: "User wants to create a skill for Slack alerts",
      handoffReason: "skill_creation_workflow",
    });
    expect(acceptance.accepted).toBe(true);
    const r = router();
    expect(await r.isHandoffActive({ threadId, tenantId: TENANT })).toBe(true);

    // 3. Route during the handoff: the specialist receives the message and streams its reply.
    const turn = await collect(r.routeEvents({ ...ids, message: "CPU above 90%" }));
    expect(turn[0]).toEqual({
      type: "route",
      target: "handoff",
      agentId: "skill-creation-agent",
      agentIds: ["skill-creation-agent"],
      handoffId: acceptance.handoffId,
    });
    expect(turn.filter((e) => e.type === "chunk").map((e) => (e as { text: string }).text)).toEqual([
      "Step 1: ",
      'what triggers "CPU above 90%"?',
    ]);
    expect(skill.received.at(-1)).toMatchObject({
      text: "CPU above 90%",
      threadId,
      tenantId: TENANT,
      userId: USER,
    });
    expect(skill.received.at(-1)?.handoff?.handoffId).toBe(acceptance.handoffId);
    expect(knowledge.received.filter((c) => c.text === "CPU above 90%")).toHaveLength(0);

    // 4. The specialist returns control in its stream; the router completes the handoff.
    const finalTurn = await collect(r.routeEvents({ ...ids, message: "done" }));
    expect(finalTurn.map((e) => e.type)).toEqual(["route", "chunk", "handoff_returned", "chunk", "done"]);
    expect(finalTurn[2]).toMatchObject({
      type: "handoff_returned",
      completionStatus: "completed",
      resultSummary: "Created slack-alerts",
      artifactsCreated: ["slack-alerts.md"],
    });
    expect(await r.isHandoffActive({ threadId, tenantId: TENANT })).toBe(false);
    const [session] = await handoffs.listHandoffs({ threadId, tenantId: TENANT });
    expect(session!.state).toBe(HandoffState.COMPLETED);

    // 5. Routing goes back to the orchestrator.
    let reply = "";
    for await (const chunk of r.routeMessage({ ...ids, message: "thanks" })) reply += chunk;
    expect(reply).toBe("Docs say: answer to thanks");

    // Every user message and reply is stored, with the agent that answered.
    const stored = (await repo.getMessages({ conversationId: threadId, tenantId: TENANT })).filter(
      (m) => m.role !== "system",
    );
    expect(stored.map((m) => [m.role, m.agentId ?? null, m.content])).toEqual([
      ["user", null, "CPU above 90%"],
      ["assistant", "skill-creation-agent", 'Step 1: what triggers "CPU above 90%"?'],
      ["user", null, "done"],
      ["assistant", "skill-creation-agent", "Skill saved. Handing you back."],
      ["user", null, "thanks"],
      ["assistant", "knowledge-agent", "Docs say: answer to thanks"],
    ]);
    // The handoff's notes read in order: started, then ended after the reply that returned control.
    const all = await repo.getMessages({ conversationId: threadId, tenantId: TENANT });
    const returning = all.findIndex((m) => m.content === "Skill saved. Handing you back.");
    expect(all[returning + 1]).toMatchObject({
      role: "system",
      content: "Handoff to skill-creation-agent ended (completed): Created slack-alerts",
    });
    expect(all[returning + 2]).toMatchObject({ role: "user", content: "thanks" });
  });

  it("with one default agent, chunks stream live (the first arrives before the agent finishes)", async () => {
    const threadId = await newThread();
    const events = router([gated.card]).routeEvents({
      threadId,
      tenantId: TENANT,
      userId: USER,
      message: "stream",
    });
    const seen: string[] = [];
    for await (const e of events) {
      if (e.type !== "chunk") continue;
      seen.push(e.text);
      if (seen.length === 1) {
        await gateReached;
        releaseGate();
      }
    }
    expect(seen).toEqual(["first chunk", " second chunk"]);
  });

  it("a consumer that stops early cancels the upstream request", async () => {
    const threadId = await newThread();
    const before = gated.received.length;
    for await (const chunk of router([gated.card]).routeMessage({
      threadId,
      tenantId: TENANT,
      userId: USER,
      message: "stop early",
    })) {
      expect(chunk).toBe("first chunk");
      break;
    }
    expect(gated.received.length).toBe(before + 1);
    await gated.aborted;
    expect(gated.wasAborted()).toBe(true);
  });

  it("several default agents: a delegation event with per-agent timings, then the synthesis", async () => {
    const threadId = await newThread();
    const events = await collect(
      router([knowledge.card, research.card]).routeEvents({
        threadId,
        tenantId: TENANT,
        userId: USER,
        message: "q",
      }),
    );
    expect(events.map((e) => e.type)).toEqual(["route", "delegation", "chunk", "done"]);
    const delegation = events[1] as Extract<RouterEvent, { type: "delegation" }>;
    expect(delegation.results.map((d) => [d.agentId, d.success])).toEqual([
      ["knowledge-agent", true],
      ["research-agent", true],
    ]);
    expect((events[3] as { agentId: string }).agentId).toBe("orchestrator");
  });

  it("an exit word cancels the active handoff and notes it", async () => {
    const threadId = await newThread();
    await handoffs.initiateHandoff({
      threadId,
      tenantId: TENANT,
      userId: USER,
      sourceAgentId: "main-chatbot",
      targetAgentCard: skill.card,
      contextSummary: "s",
      handoffReason: "r",
    });
    const before = skill.received.length;
    const events = await collect(
      router([knowledge.card], { exitCommands: ["exit", "cancel"] }).routeEvents({
        threadId,
        tenantId: TENANT,
        userId: USER,
        message: " Cancel ",
      }),
    );
    expect(events.map((e) => e.type)).toEqual(["handoff_cancelled", "chunk", "done"]);
    expect(skill.received.length).toBe(before);
    expect(await handoffs.isHandoffActive({ threadId, tenantId: TENANT })).toBe(false);
  });

  it("another tenant's thread is an error event (routeMessage throws ThreadAccessError) and nothing is stored", async () => {
    const threadId = await newThread();
    const events = await collect(
      router().routeEvents({ threadId, tenantId: "globex", userId: USER, message: "hi" }),
    );
    expect(events).toEqual([
      expect.objectContaining({ type: "error", code: ErrorCode.THREAD_ACCESS_DENIED }),
    ]);
    const consume = async () => {
      for await (const _ of router().routeMessage({
        threadId,
        tenantId: "globex",
        userId: USER,
        message: "hi",
      }))
        void _;
    };
    await expect(consume()).rejects.toBeInstanceOf(ThreadAccessError);
    expect(await repo.getMessages({ conversationId: threadId, tenantId: TENANT })).toEqual([]);
  });

  it("an unreachable specialist is an error event; the handoff stays active for a retry or cancel", async () => {
    const threadId = await newThread();
    const flaky = await startAgent({
      id: "flaky-specialist",
      onHandoffRequest: async () => ({ accepted: true }),
    });
    await handoffs.initiateHandoff({
      threadId,
      tenantId: TENANT,
      userId: USER,
      sourceAgentId: "main",
      targetAgentCard: flaky.card,
      contextSummary: "",
      handoffReason: "r",
    });
    await flaky.close();
    const events = await collect(
      router().routeEvents({ threadId, tenantId: TENANT, userId: USER, message: "hello?" }),
    );
    expect(events.at(-1)).toMatchObject({
      type: "error",
      code: ErrorCode.AGENT_UNAVAILABLE,
      agentId: "flaky-specialist",
    });
    expect(await handoffs.isHandoffActive({ threadId, tenantId: TENANT })).toBe(true);
  });

  it("rejects an empty message with a clear error", async () => {
    const threadId = await newThread();
    const events = await collect(
      router().routeEvents({ threadId, tenantId: TENANT, userId: USER, message: "  " }),
    );
    expect(events).toEqual([
      expect.objectContaining({
        type: "error",
        code: ErrorCode.INVALID_INPUT,
        message: "message: must not be empty",
      }),
    ]);
  });
});
