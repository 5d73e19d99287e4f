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
