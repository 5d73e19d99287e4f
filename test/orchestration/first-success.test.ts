import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { ErrorCode } from "../../src/errors.js";
import { AgentCallKind } from "../../src/orchestration/agent-call-audit.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { DelegationStrategy } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { LOOPBACK } from "../helpers/network.js";

const TENANT = "acme";
const USER = "alice";

/** An agent that has no answer: its task ends REJECTED with `reason`. */
function declining(id: string, reason: string, delayMs = 0) {
  return startAgent({
    id,
    async *handle(ctx) {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      ctx.decline(reason);
      yield* [];
    },
  });
}

describe("FIRST_SUCCESS: a non-answer is no win, a loser is cancelled", () => {
  let database: Database;
  let repo: SqlConversationRepository;
  let client: A2AClient;
  let orchestrator: OrchestrationManager;
  let threadId: string;
  const logLines: Array<{ level: number; msg: string; agentId?: string }> = [];
  const agents: RecordingAgent[] = [];

  async function agent(started: Promise<RecordingAgent>): Promise<RecordingAgent> {
    const a = await started;
    agents.push(a);
    return a;
  }

  beforeAll(async () => {
    database = new Database("sqlite::memory:");
    await database.initialize();
    repo = new SqlConversationRepository(database);
    client = new A2AClient({ network: LOOPBACK });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    orchestrator = new OrchestrationManager({
      a2aClient: client,
      conversationRepo: repo,
      logger: pino({ level: "debug" }, sink),
    });
    threadId = (await repo.createConversation({ tenantId: TENANT, userId: USER })).id;
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await client.close();
    await database.close();
  });

  const base = () => ({ threadId, tenantId: TENANT, userId: USER });

  it("an agent that declines first does not win: the race goes on to one that answers", async () => {
    const nothing = await agent(declining("nothing", "I found nothing about it, so I won't guess."));
    const slow = await agent(startAgent({ id: "slow-answer", delayMs: 150 }));
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "q",
      targetAgentCards: [nothing.card, slow.card],
      strategy: DelegationStrategy.FIRST_SUCCESS,
      timeoutMs: 5_000,
    });
    expect(results).toEqual([
      expect.objectContaining({ agentId: "slow-answer", success: true, response: "slow-answer: q" }),
    ]);
    const [row] = (await orchestrator.auditStore!.list({ tenantId: TENANT, agentId: "nothing" })) ?? [];
    expect(row).toMatchObject({ outcome: "failure", errorCode: ErrorCode.AGENT_DECLINED });
  });

  it("when every agent declines, each is success: false with AGENT_DECLINED and its reason", async () => {
    const a = await agent(declining("decline-a", "Nothing in my notes."));
    const b = await agent(declining("decline-b", "Not my topic.", 30));
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "q",
      targetAgentCards: [a.card, b.card],
      strategy: DelegationStrategy.FIRST_SUCCESS,
    });
    expect(results).toEqual([
      expect.objectContaining({
        agentId: "decline-a",
        success: false,
        errorCode: ErrorCode.AGENT_DECLINED,
        error: "Nothing in my notes.",
      }),
      expect.objectContaining({
        agentId: "decline-b",
        success: false,
        errorCode: ErrorCode.AGENT_DECLINED,
        error: "Not my topic.",
      }),
    ]);
    expect(orchestrator.synthesizeResponses(results)).toBe("All sub-agents failed to provide responses.");
  });

  it("PARALLEL (the non-streaming path) reports a decline as AGENT_DECLINED too", async () => {
    const a = await agent(declining("decline-unary", "Nothing here."));
    const ok = await agent(startAgent({ id: "answers-unary" }));
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "q",
      targetAgentCards: [a.card, ok.card],
      strategy: DelegationStrategy.PARALLEL,
    });
    expect(results.map((r) => [r.agentId, r.success, r.errorCode, r.error])).toEqual([
      ["decline-unary", false, ErrorCode.AGENT_DECLINED, "Nothing here."],
      ["answers-unary", true, undefined, undefined],
    ]);
  });

  it("losers are audited as cancelled with the time they ran, and logged without a warning", async () => {
    const loser = await agent(startAgent({ id: "loser", hang: true }));
    const winner = await agent(startAgent({ id: "winner", delayMs: 80 }));
    logLines.length = 0;
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "race",
      targetAgentCards: [loser.card, winner.card],
      strategy: DelegationStrategy.FIRST_SUCCESS,
      timeoutMs: 5_000,
    });
    expect(results.map((r) => r.agentId)).toEqual(["winner"]);
    await loser.aborted;
    const rows = await orchestrator.auditStore!.list({
      tenantId: TENANT,
      threadId,
      kind: AgentCallKind.DELEGATION,
      limit: 2,
    });
    const loserRow = rows.find((row) => row.agentId === "loser");
    expect(loserRow).toMatchObject({ outcome: "cancelled", success: false, errorCode: ErrorCode.ABORTED });
    // It ran until the winner answered, not "0 ms".
    expect(loserRow!.latencyMs).toBeGreaterThanOrEqual(50);
    expect(rows.find((row) => row.agentId === "winner")).toMatchObject({ outcome: "success" });
    // No WARN (level 40) for a call stopped on purpose; a debug line says what happened.
    expect(logLines.filter((line) => line.level >= 40)).toEqual([]);
    expect(logLines).toContainEqual(
      expect.objectContaining({ msg: "agent call cancelled", agentId: "loser" }),
    );
  });

  it("streamAgent: a declining agent's reason is its reply, the result AGENT_DECLINED, no throw", async () => {
    const a = await agent(declining("decline-stream", "I found nothing about that."));
    const stream = orchestrator.streamAgent({ ...base(), message: "q", agentCard: a.card });
    const texts: string[] = [];
    let next = await stream.next();
    while (!next.done) {
      if (next.value.type === "text") texts.push(next.value.text);
      next = await stream.next();
    }
    expect(texts.join("")).toBe("I found nothing about that.");
    expect(next.value).toMatchObject({
      agentId: "decline-stream",
      success: false,
      errorCode: ErrorCode.AGENT_DECLINED,
      response: "I found nothing about that.",
    });
  });
});
