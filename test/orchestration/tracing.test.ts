/**
 * Traces with a real OpenTelemetry SDK: one span per delegation, a child per agent, and the
 * child's trace context on the wire (the agent's server span joins the same trace).
 */
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { DelegationStrategy } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { LOOPBACK } from "../helpers/network.js";

describe("tracing", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let database: Database;
  let client: A2AClient;
  let agents: RecordingAgent[];

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    database = new Database("sqlite::memory:");
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    agents = [await startAgent({ id: "traced-a" }), await startAgent({ id: "traced-b", fail: "nope" })];
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await client.close();
    await database.close();
    trace.disable();
    context.disable();
  });

  it("one span per delegation, a child per agent, the agent's server span in the same trace", async () => {
    const repo = new SqlConversationRepository(database);
    const orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
    const thread = await repo.createConversation({ tenantId: "t", userId: "u" });
    exporter.reset();
    const results = await orchestrator.delegateToAgents({
      threadId: thread.id,
      tenantId: "t",
      userId: "u",
      message: "trace me",
      targetAgentCards: agents.map((a) => a.card),
      strategy: DelegationStrategy.PARALLEL,
    });
    expect(results.map((r) => r.success)).toEqual([true, false]);
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const delegations = spans.filter((s) => s.name === "omniforge.delegate");
    expect(delegations).toHaveLength(1);
    const root = delegations[0]!;
    expect(root.attributes).toMatchObject({
      "omniforge.strategy": "parallel",
      "omniforge.agent_count": 2,
      "omniforge.succeeded": 1,
    });
    const children = spans.filter((s) => s.name === "omniforge.delegate.agent");
    expect(children.map((s) => s.attributes["omniforge.agent_id"]).sort()).toEqual(["traced-a", "traced-b"]);
    for (const child of children) {
      expect(child.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(root.spanContext().traceId);
    }
    const failed = children.find((s) => s.attributes["omniforge.agent_id"] === "traced-b")!;
    expect(failed.attributes["omniforge.error_code"]).toBe("AGENT_TASK_FAILED");
    // Every span of this run, client and server side, belongs to the delegation's trace.
    expect(spans.length).toBeGreaterThan(children.length + 1);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));
  });
});

describe("handoff tracing", () => {
  it("every handoff transition is a span", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    await using database = new Database("sqlite::memory:");
    await database.initialize();
    await using client = new A2AClient({ network: LOOPBACK });
    const specialist = await startAgent({
      id: "traced-specialist",
      onHandoffRequest: async () => ({ accepted: true }),
    });
    try {
      const repo = new SqlConversationRepository(database);
      const handoffs = new HandoffManager({
        a2aClient: client,
        conversationRepo: repo,
        tracer: provider.getTracer("test"),
      });
      const thread = await repo.createConversation({ tenantId: "t", userId: "u" });
      const ref = { threadId: thread.id, tenantId: "t" };
      await handoffs.initiateHandoff({
        ...ref,
        userId: "u",
        sourceAgentId: "main",
        targetAgentCard: specialist.card,
        contextSummary: "s",
        handoffReason: "r",
      });
      await handoffs.cancelHandoff({ ...ref, reason: "done here" });
      await provider.forceFlush();
      const transitions = exporter
        .getFinishedSpans()
        .filter((s) => s.name === "omniforge.handoff.transition")
        .map(
          (s) =>
            `${String(s.attributes["omniforge.from_state"])}->${String(s.attributes["omniforge.to_state"])}`,
        );
      expect(transitions).toEqual(["pending->active", "active->cancelled"]);
      expect(exporter.getFinishedSpans().filter((s) => s.name === "omniforge.handoff.initiate")).toHaveLength(
        1,
      );
    } finally {
      await specialist.close();
    }
  });
});
