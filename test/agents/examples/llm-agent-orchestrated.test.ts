/**
 * The LLM agent behind OmniForge's real managers (SQLite, A2A client, orchestrator, stream router):
 * the model's tokens reach the router's reader as chunks, what reaches the model is what the
 * orchestrator sent (sanitized), and a failing model is a failed delegation result naming its code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import { ErrorCode } from "../../../src/errors.js";
import { HandoffManager } from "../../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../../src/orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../../../src/orchestration/stream-router.js";
import { Database } from "../../../src/storage/database.js";
import { SqlConversationRepository } from "../../../src/storage/sql/sql-conversation-repository.js";
import { deferred, expectNoUnhandledRejections } from "../../helpers/a2a.js";
import { TENANT, USER } from "../../helpers/examples.js";
import { LLM_TEST_KEY, startLlmFixture } from "../../helpers/llm-agent.js";
import { LOOPBACK } from "../../helpers/network.js";
import type { ChatReply } from "../../helpers/openai-compatible-server.js";

expectNoUnhandledRejections();

describe("LLM agent behind the orchestrator and the stream router", () => {
  let database: Database;
  let repo: SqlConversationRepository;
  let client: A2AClient;
  let orchestrator: OrchestrationManager;

  beforeAll(async () => {
    database = new Database("sqlite::memory:");
    await database.initialize();
    repo = new SqlConversationRepository(database);
    client = new A2AClient({ network: LOOPBACK });
    orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
  });
  afterAll(async () => {
    await client?.close();
    await database?.close();
  });

  const newThread = async (): Promise<string> =>
    (await repo.createConversation({ tenantId: TENANT, userId: USER })).id;

  it("streams the model's tokens to the router's reader as they come, and the model gets the sanitized message", async () => {
    const tokens = ["Write to ", "[EMAIL] ", "about handoffs."];
    const seen = tokens.map(() => deferred());
    await using fixture = await startLlmFixture([
      async (reply: ChatReply) => {
        for (const [index, token] of tokens.entries()) {
          reply.token(token);
          await seen[index]!.promise;
        }
        reply.finish();
        reply.done();
      },
    ]);
    const router = new StreamRouter({
      handoffManager: new HandoffManager({ a2aClient: client, conversationRepo: repo }),
      orchestrationManager: orchestrator,
      defaultAgents: [fixture.agent.card],
    });
    const threadId = await newThread();
    const chunks: string[] = [];
    const events: RouterEvent[] = [];
    for await (const event of router.routeEvents({
      threadId,
      tenantId: TENANT,
      userId: USER,
      message: "My email is john@example.com: what states can a handoff be in?",
    })) {
      events.push(event);
      if (event.type === "chunk") {
        chunks.push(event.text);
        seen[chunks.length - 1]?.resolve();
      }
    }
    expect(chunks).toEqual(tokens);
    expect(events.find((event) => event.type === "chunk")).toMatchObject({ agentId: "llm-agent" });
    const question = fixture.stub.requests[0]!.body.messages!.at(-1)!.content;
    expect(question).toContain("Question: My email is [EMAIL]: what states can a handoff be in?");
    expect(question).not.toContain("john@example.com");
    const stored = await repo.getMessages({ conversationId: threadId, tenantId: TENANT });
    expect(stored.at(-1)?.content).toBe(tokens.join(""));
  });

  it("a model that fails is a failed delegation result: AGENT_TASK_FAILED, with the agent's code and no key, endpoint or server words in the error", async () => {
    await using fixture = await startLlmFixture([
      (reply) =>
        reply.error(429, `slow down, ${LLM_TEST_KEY.slice(0, 12).toUpperCase()}`, { "retry-after": "30" }),
    ]);
    const [result] = await orchestrator.delegateToAgents({
      threadId: await newThread(),
      tenantId: TENANT,
      userId: USER,
      message: "What states can a handoff be in?",
      targetAgentCards: [fixture.agent.card],
    });
    expect(result).toMatchObject({
      agentId: "llm-agent",
      success: false,
      errorCode: ErrorCode.AGENT_TASK_FAILED,
    });
    expect(result?.error).toContain(
      "AGENT_UNAVAILABLE: the model server is rate limiting requests (HTTP 429); try again later",
    );
    expect(result?.error).not.toContain("slow down");
    expect(result?.error).not.toContain(new URL(fixture.stub.baseUrl).host);
    expect(result?.error?.toLowerCase()).not.toContain(LLM_TEST_KEY.slice(0, 10).toLowerCase());
  });
});
