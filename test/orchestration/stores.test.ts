/**
 * Orchestration depends on the stores it declares (HandoffStore, AgentCallAudit, OpenTaskStore),
 * not on SQL: a repository that offers them (SqlConversationRepository) is enough; one that does
 * not needs each store passed in, and says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { ConversationRepository } from "../../src/conversation/conversation-repository.js";
import { ConfigurationError } from "../../src/errors.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { storesOf } from "../../src/orchestration/stores.js";
import { Database } from "../../src/storage/database.js";
import { SqlAgentCallAudit } from "../../src/storage/sql/sql-agent-call-audit.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { SqlHandoffStore } from "../../src/storage/sql/sql-handoff-store.js";
import { SqlTurnTimelineStore } from "../../src/storage/sql/sql-turn-timeline-store.js";
import type { TurnRecord } from "../../src/orchestration/turn-timeline.js";
import { databaseTargets, openDatabase } from "../helpers/databases.js";
import { LOOPBACK } from "../helpers/network.js";

const STORE_METHODS = new Set<PropertyKey>(["handoffStore", "agentCallAudit", "openTaskStore"]);

/** `repo` as a repository that keeps conversations only (its store methods hidden). */
function conversationsOnly(repo: SqlConversationRepository): ConversationRepository {
  return new Proxy(repo, {
    get(target, property) {
      if (STORE_METHODS.has(property)) return undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("orchestration stores", () => {
  let database: Database;
  let repo: SqlConversationRepository;
  const client = new A2AClient({ network: LOOPBACK });

  beforeAll(async () => {
    database = new Database("sqlite::memory:");
    await database.initialize();
    repo = new SqlConversationRepository(database);
  });
  afterAll(async () => {
    await client.close();
    await database?.close();
  });

  it("a SQL repository offers every store, on its own database", () => {
    const stores = storesOf(repo);
    expect(stores?.handoffStore()).toBeInstanceOf(SqlHandoffStore);
    expect(stores?.agentCallAudit()).toBeInstanceOf(SqlAgentCallAudit);
    expect(storesOf(conversationsOnly(repo))).toBeUndefined();
    expect(new OrchestrationManager({ a2aClient: client, conversationRepo: repo }).auditStore).toBeDefined();
  });

  it("a repository that offers none: the handoff store must be given, and the error says so", () => {
    const plain = conversationsOnly(repo);
    const construct = () => new HandoffManager({ a2aClient: client, conversationRepo: plain });
    expect(construct).toThrow(ConfigurationError);
    expect(construct).toThrow(/handoff store is required/);
    const manager = new HandoffManager({
      a2aClient: client,
      conversationRepo: plain,
      store: new SqlHandoffStore(database),
    });
    expect(manager.conversationRepo).toBe(plain);
    // No audit unless one is given.
    expect(
      new OrchestrationManager({ a2aClient: client, conversationRepo: plain }).auditStore,
    ).toBeUndefined();
  });

  it("every manager refuses construction without its dependencies with ConfigurationError", () => {
    for (const construct of [
      () => new OrchestrationManager({ a2aClient: client } as never),
      () => new OrchestrationManager({ conversationRepo: repo } as never),
      () => new HandoffManager({ a2aClient: client } as never),
      () => new HandoffManager({ conversationRepo: repo } as never),
    ]) {
      expect(construct).toThrow(ConfigurationError);
    }
  });
});

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`turn timeline store [${target.name}]`, () => {
    const turn = (
      thread: { tenantId: string; threadId: string },
      index: number,
      events: TurnRecord["events"] = [{ kind: "done", atMs: 1 }],
    ): TurnRecord => ({
      ...thread,
      turnId: `00000000-0000-4000-8000-00000000000${index}`,
      trigger: "message",
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
      durationMs: 10 + index,
      events,
    });

    it("keeps each turn whole, returns the newest `limit` oldest first, and one tenant never sees another's", async () => {
      await using database = await openDatabase(target);
      const conversations = new SqlConversationRepository(database);
      const store = conversations.turnTimelineStore();
      expect(store).toBeInstanceOf(SqlTurnTimelineStore);
      const mine = await conversations.createConversation({ tenantId: "acme", userId: "alice" });
      const a = { tenantId: "acme", threadId: mine.id };
      for (let i = 1; i <= 4; i++) {
        await store.record(
          turn(a, i, [
            {
              kind: "route",
              atMs: 0.5,
              agentId: "knowledge-agent",
              detail: { target: "orchestrator", agentIds: ["knowledge-agent"] },
            },
            {
              kind: "agent_call",
              atMs: 0.5,
              agentId: "knowledge-agent",
              durationMs: 20.25,
              outcome: "failure",
              errorCode: "AGENT_TIMEOUT",
            },
            { kind: "error", atMs: 21, errorCode: "AGENT_TIMEOUT", outcome: "failure" },
          ]),
        );
      }
      // The same thread id under another tenant (ids are the caller's to pick in the library).
      await store.record(turn({ tenantId: "globex", threadId: mine.id }, 9));

      const newest = await store.list({ ...a, limit: 2 });
      expect(newest.map((t) => t.turnId)).toEqual([turn(a, 3).turnId, turn(a, 4).turnId]);
      expect(newest[1]).toEqual({
        ...a,
        turnId: turn(a, 4).turnId,
        trigger: "message",
        startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 4)),
        durationMs: 14,
        events: [
          {
            kind: "route",
            atMs: 0.5,
            agentId: "knowledge-agent",
            detail: { target: "orchestrator", agentIds: ["knowledge-agent"] },
          },
          {
            kind: "agent_call",
            atMs: 0.5,
            agentId: "knowledge-agent",
            durationMs: 20.25,
            outcome: "failure",
            errorCode: "AGENT_TIMEOUT",
          },
          { kind: "error", atMs: 21, errorCode: "AGENT_TIMEOUT", outcome: "failure" },
        ],
      });
      expect(await store.list(a)).toHaveLength(4);
      expect((await store.list({ tenantId: "globex", threadId: mine.id })).map((t) => t.turnId)).toEqual([
        turn(a, 9).turnId,
      ]);
      expect(await store.list({ tenantId: "initech", threadId: mine.id })).toEqual([]);
    });
  });
}
