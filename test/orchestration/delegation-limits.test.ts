/**
 * What one delegation may bring back in all is bounded, not only each agent's reply: with many
 * agents answering large replies, those past the budget are failed results, and memory stays
 * bounded by the budget.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { ErrorCode } from "../../src/errors.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { DelegationStrategy } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { LOOPBACK } from "../helpers/network.js";

const MIB = 1024 * 1024;
const BUDGET = 5 * MIB;

describe("delegation reply budget", () => {
  let database: Database;
  let repo: SqlConversationRepository;
  let client: A2AClient;
  let orchestrator: OrchestrationManager;
  const agents: RecordingAgent[] = [];

  beforeAll(async () => {
    database = new Database("sqlite::memory:");
    await database.initialize();
    repo = new SqlConversationRepository(database);
    client = new A2AClient({ network: LOOPBACK });
    orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
    for (let i = 0; i < 5; i++)
      agents.push(await startAgent({ id: `big-${i}`, reply: () => "x".repeat(MIB) }));
  });
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await client?.close();
    await database?.close();
  });

  it.each([DelegationStrategy.PARALLEL, DelegationStrategy.SEQUENTIAL])(
    "%s: agents whose replies would pass the total are failed results, the rest succeed",
    async (strategy) => {
      const threadId = (await repo.createConversation({ tenantId: "t", userId: "u" })).id;
      const results = await orchestrator.delegateToAgents({
        threadId,
        tenantId: "t",
        userId: "u",
        message: "big answers please",
        targetAgentCards: agents.map((agent) => agent.card),
        strategy,
        maxTotalReplyBytes: BUDGET,
      });
      expect(results).toHaveLength(5);
      const succeeded = results.filter((r) => r.success);
      const refused = results.filter((r) => !r.success);
      // Each reply weighs more than its 1 MiB of text on the wire; the budget counts the wire.
      expect(succeeded.length).toBeGreaterThanOrEqual(1);
      expect(succeeded.length * MIB).toBeLessThanOrEqual(BUDGET);
      expect(succeeded.every((r) => r.response?.length === MIB)).toBe(true);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(new Set(refused.map((r) => r.errorCode))).toEqual(new Set([ErrorCode.AGENT_RESPONSE_TOO_LARGE]));
      expect(refused[0]?.error).toMatch(/passed the 5242880 bytes its call shares with others/);
    },
  );

  it("refuses a budget that is not a positive integer, naming it", async () => {
    const threadId = (await repo.createConversation({ tenantId: "t", userId: "u" })).id;
    await expect(
      orchestrator.delegateToAgents({
        threadId,
        tenantId: "t",
        userId: "u",
        message: "hi",
        targetAgentCards: [agents[0]!.card],
        maxTotalReplyBytes: 0,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.DELEGATION_INVALID, field: "maxTotalReplyBytes" });
  });
});
