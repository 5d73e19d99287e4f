/**
 * One error contract: whatever a constructor (or `serve...`/`start...` function) is given wrongly
 * is a ConfigurationError naming the field; bad input to a call is a ValidationError.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../src/a2a/client/a2a-client.js";
import { serveAgent } from "../src/a2a/server/serve-agent.js";
import { ConfigurationError, ErrorCode, ValidationError } from "../src/errors.js";
import { HandoffManager } from "../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../src/orchestration/orchestration-manager.js";
import { StreamRouter } from "../src/orchestration/stream-router.js";
import { ContextSanitizer, type SanitizerCategory } from "../src/security/sanitizer/index.js";
import { Database } from "../src/storage/database.js";
import { SqlAgentDirectory } from "../src/storage/sql/sql-agent-directory.js";
import { SqlConversationRepository } from "../src/storage/sql/sql-conversation-repository.js";
import type { AgentCard } from "../src/a2a/agent-card.js";
import { LOOPBACK } from "./helpers/network.js";

const card = (id: string): AgentCard => ({
  identity: { id, name: id },
  service: { endpoint: "https://agents.example.com" },
});

async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("the error contract", () => {
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

  it.each<[string, () => unknown, string]>([
    [
      "Database: a bad pool size",
      () => new Database("sqlite::memory:", { maxConnections: 0 }),
      "maxConnections",
    ],
    ["A2AClient: a bad limit", () => new A2AClient({ maxReplyBytes: -1 }), "maxReplyBytes"],
    [
      "ContextSanitizer: an unknown category",
      () => new ContextSanitizer({ categories: ["ssns" as SanitizerCategory] }),
      "categories.0",
    ],
    [
      "SqlAgentDirectory: two static agents of one id",
      () => new SqlAgentDirectory({ database, staticAgents: [card("a"), card("a")] }),
      "agents[1].identity.id",
    ],
    [
      "StreamRouter: a default agent that is not a card",
      () =>
        new StreamRouter({
          handoffManager: new HandoffManager({ a2aClient: client, conversationRepo: repo }),
          orchestrationManager: new OrchestrationManager({ a2aClient: client, conversationRepo: repo }),
          defaultAgents: [{ identity: { id: "" } } as unknown as AgentCard],
        }),
      "defaultAgents[0].identity.id",
    ],
    [
      "serveAgent: a port out of range",
      () =>
        serveAgent({
          card: { identity: { id: "x", name: "x" } },
          port: -5,
          async *handleMessage() {},
        }),
      "config.port",
    ],
  ])("%s -> ConfigurationError naming the field", async (_name, construct, field) => {
    const error = await caught(construct);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: ErrorCode.CONFIGURATION_ERROR, context: { field } });
  });

  it("bad input to a call is a ValidationError naming the field", async () => {
    const error = await caught(() => repo.createConversation({ tenantId: "", userId: "u" }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: ErrorCode.INVALID_INPUT, context: { field: "tenantId" } });
  });
});
