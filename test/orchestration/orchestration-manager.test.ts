import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { DelegationError, ErrorCode, PermissionDeniedError, ThreadAccessError } from "../../src/errors.js";
import { OrchestrationManager, synthesizeResponses } from "../../src/orchestration/orchestration-manager.js";
import { DelegationStrategy } from "../../src/orchestration/types.js";
import { RbacService, Role } from "../../src/security/rbac.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { startSdkAgent, type SdkAgent } from "../helpers/sdk-agent.js";
import { LOOPBACK } from "../helpers/network.js";

const TENANT = "acme";
const USER = "alice";

describe("OrchestrationManager", () => {
  let database: Database;
  let repo: SqlConversationRepository;
  let client: A2AClient;
  let orchestrator: OrchestrationManager;
  let threadId: string;
  const agents: Array<{ close(): Promise<void> }> = [];

  async function agent(...args: Parameters<typeof startAgent>): Promise<RecordingAgent> {
    const started = await startAgent(...args);
    agents.push(started);
    return started;
  }

  beforeAll(async () => {
    database = new Database("sqlite::memory:");
    await database.initialize();
    repo = new SqlConversationRepository(database);
    client = new A2AClient({ network: LOOPBACK });
    orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
    threadId = (await repo.createConversation({ tenantId: TENANT, userId: USER })).id;
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await client.close();
    await database.close();
  });

  const base = () => ({ threadId, tenantId: TENANT, userId: USER });

  it("PARALLEL returns every result in input order, whatever order they finish in", async () => {
    const slow = await agent({ id: "slow", delayMs: 120 });
    const fast = await agent({ id: "fast" });
    const mid = await agent({ id: "mid", delayMs: 40 });
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "hello",
      targetAgentCards: [slow.card, fast.card, mid.card],
    });
    expect(results.map((r) => r.agentId)).toEqual(["slow", "fast", "mid"]);
    expect(results.map((r) => r.response)).toEqual(["slow: hello", "fast: hello", "mid: hello"]);
    expect(results.every((r) => r.success && r.latencyMs > 0)).toBe(true);
    expect(results[0]!.latencyMs).toBeGreaterThan(results[1]!.latencyMs);
  });

  it("sends threadId as contextId and tenant/user in metadata", async () => {
    const probe = await agent({ id: "probe" });
    await orchestrator.delegateToAgents({ ...base(), message: "ctx?", targetAgentCards: [probe.card] });
    const ctx = probe.received.at(-1)!;
    expect(ctx.threadId).toBe(threadId);
    expect(ctx.tenantId).toBe(TENANT);
    expect(ctx.userId).toBe(USER);
  });

  it("works with an agent written with the plain @a2a-js/sdk server, in every strategy", async () => {
    const sdk: SdkAgent = await startSdkAgent({ id: "sdk-agent", reply: (text) => `sdk says ${text}` });
    agents.push(sdk);
    for (const strategy of Object.values(DelegationStrategy)) {
      const [result] = await orchestrator.delegateToAgents({
        ...base(),
        message: "ping",
        targetAgentCards: [sdk.card],
        strategy,
      });
      expect(result).toMatchObject({ agentId: "sdk-agent", success: true, response: "sdk says ping" });
    }
    expect(sdk.contextIds.at(-1)).toBe(threadId);
  });

  it("SEQUENTIAL chains: each later agent receives the earlier successful responses", async () => {
    const first = await agent({ id: "first", reply: () => "fact A" });
    const broken = await agent({ id: "broken", fail: "boom" });
    const second = await agent({
      id: "second",
      reply: (ctx) => `saw ${ctx.previousResults.map((p) => `${p.agentId}=${p.response}`).join(",")}`,
    });
    const third = await agent({ id: "third", reply: (ctx) => `saw ${ctx.previousResults.length}` });
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "chain",
      targetAgentCards: [first.card, broken.card, second.card, third.card],
      strategy: DelegationStrategy.SEQUENTIAL,
    });
    expect(results.map((r) => r.success)).toEqual([true, false, true, true]);
    expect(results[2]!.response).toBe("saw first=fact A");
    expect(results[3]!.response).toBe("saw 2");
    expect(first.received.at(-1)!.previousResults).toEqual([]);
    // The agents really ran one after another.
    expect(second.received.length).toBe(1);
  });

  it("FIRST_SUCCESS returns the winner as soon as it answers and cancels the losers", async () => {
    const loserA = await agent({ id: "loser-a", hang: true });
    const winner = await agent({ id: "winner", delayMs: 30 });
    const loserB = await agent({ id: "loser-b", hang: true });
    const started = performance.now();
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "race",
      targetAgentCards: [loserA.card, winner.card, loserB.card],
      strategy: DelegationStrategy.FIRST_SUCCESS,
      timeoutMs: 10_000,
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(results).toEqual([
      expect.objectContaining({ agentId: "winner", success: true, response: "winner: race" }),
    ]);
    // The losers observe the cancellation.
    await Promise.all([loserA.aborted, loserB.aborted]);
    expect(loserA.wasAborted() && loserB.wasAborted()).toBe(true);
  });

  it("FIRST_SUCCESS sends A2A CancelTask for the losers' tasks (plain-SDK agents)", async () => {
    const slowA = await startSdkAgent({ id: "sdk-slow-a", reply: () => "never", hang: true });
    const slowB = await startSdkAgent({ id: "sdk-slow-b", reply: () => "never", hang: true });
    // The winner answers only once the losers' tasks exist, so their task ids are known.
    const fast = await startSdkAgent({
      id: "sdk-fast",
      reply: (t) => `fast: ${t}`,
      waitFor: Promise.all([slowA.started, slowB.started]),
    });
    agents.push(slowA, slowB, fast);
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "race",
      targetAgentCards: [slowA.card, slowB.card, fast.card],
      strategy: DelegationStrategy.FIRST_SUCCESS,
      timeoutMs: 10_000,
    });
    expect(results).toEqual([
      expect.objectContaining({ agentId: "sdk-fast", success: true, response: "fast: race" }),
    ]);
    const [cancelA, cancelB] = await Promise.all([slowA.cancelled, slowB.cancelled]);
    expect(cancelA).toEqual(expect.any(String));
    expect(cancelB).toEqual(expect.any(String));
    expect(fast.cancelledTaskIds).toEqual([]);
  });

  it("FIRST_SUCCESS with every agent failing returns every failure in input order", async () => {
    const a = await agent({ id: "fail-a", fail: "nope" });
    const b = await agent({ id: "fail-b", delayMs: 20, fail: "nope" });
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "x",
      targetAgentCards: [b.card, a.card],
      strategy: DelegationStrategy.FIRST_SUCCESS,
    });
    expect(results.map((r) => [r.agentId, r.success])).toEqual([
      ["fail-b", false],
      ["fail-a", false],
    ]);
  });

  it("a hanging agent is a failed 'timed out' result, returned on time", async () => {
    const hanging = await agent({ id: "hanging", hang: true });
    const ok = await agent({ id: "ok" });
    const started = performance.now();
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "t",
      targetAgentCards: [hanging.card, ok.card],
      timeoutMs: 300,
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 250);
    expect(results[0]).toMatchObject({
      agentId: "hanging",
      success: false,
      errorCode: ErrorCode.AGENT_TIMEOUT,
    });
    expect(results[0]!.error).toMatch(/timed out/);
    expect(results[1]).toMatchObject({ agentId: "ok", success: true });
    await hanging.aborted;
  });

  it("mixed success and failure: failures are results with codes, never throws", async () => {
    const good = await agent({ id: "good" });
    const bad = await agent({ id: "bad", fail: "exploded" });
    const dead: AgentCard = {
      identity: { id: "dead", name: "dead" },
      service: { endpoint: "http://127.0.0.1:1" },
    };
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "m",
      targetAgentCards: [good.card, bad.card, dead],
    });
    expect(results.map((r) => r.success)).toEqual([true, false, false]);
    expect(results[1]!.errorCode).toBe(ErrorCode.AGENT_TASK_FAILED);
    expect(results[1]!.error).toContain("exploded");
    expect(results[2]!.errorCode).toBe(ErrorCode.AGENT_UNAVAILABLE);
  });

  it("an outer signal aborts everything in flight", async () => {
    const h1 = await agent({ id: "h1", hang: true });
    const h2 = await agent({ id: "h2", hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    await expect(
      orchestrator.delegateToAgents({
        ...base(),
        message: "x",
        targetAgentCards: [h1.card, h2.card],
        timeoutMs: 20_000,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    expect(performance.now() - started).toBeLessThan(1_000);
    await Promise.all([h1.aborted, h2.aborted]);
  });

  it("maxConcurrency bounds the fan-out", async () => {
    let inFlight = 0;
    let peak = 0;
    const cards: AgentCard[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await agent({
        id: `bounded-${i}`,
        async *handle() {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 30));
          inFlight--;
          yield "ok";
        },
      });
      cards.push(a.card);
    }
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "x",
      targetAgentCards: cards,
      maxConcurrency: 2,
    });
    expect(results.every((r) => r.success)).toBe(true);
    expect(peak).toBe(2);
  });

  describe("checks come first", () => {
    it("another tenant's or user's thread -> ThreadAccessError, no agent called", async () => {
      const probe = await agent({ id: "never-called" });
      for (const ids of [
        { tenantId: "other", userId: USER },
        { tenantId: TENANT, userId: "mallory" },
      ]) {
        await expect(
          orchestrator.delegateToAgents({ threadId, ...ids, message: "x", targetAgentCards: [probe.card] }),
        ).rejects.toBeInstanceOf(ThreadAccessError);
      }
      await expect(
        orchestrator.delegateToAgents({
          ...base(),
          threadId: randomUUID(),
          message: "x",
          targetAgentCards: [probe.card],
        }),
      ).rejects.toBeInstanceOf(ThreadAccessError);
      expect(probe.received).toHaveLength(0);
    });

    const card = (id: string): AgentCard => ({
      identity: { id, name: id },
      service: { endpoint: "http://127.0.0.1:9" },
    });
    const badInputs: Array<[string, Record<string, unknown>, RegExp]> = [
      ["no agents", { targetAgentCards: [] }, /targetAgentCards: at least one agent/],
      ["duplicate agent ids", { targetAgentCards: [card("a"), card("a")] }, /duplicate agent id "a"/],
      ["unknown strategy", { strategy: "round_robin" }, /unknown strategy "round_robin"/],
      ["empty message", { message: "   " }, /message: must not be empty/],
      ["timeout zero", { timeoutMs: 0 }, /timeoutMs: must be between/],
      ["timeout too large", { timeoutMs: 3_600_000 }, /timeoutMs: must be between/],
      ["timeout NaN", { timeoutMs: Number.NaN }, /timeoutMs/],
      [
        "card without endpoint",
        { targetAgentCards: [{ identity: { id: "x", name: "x" } }] },
        /targetAgentCards\[0\]\.service\.endpoint/,
      ],
      [
        "card with bad endpoint",
        { targetAgentCards: [{ identity: { id: "x", name: "x" }, service: { endpoint: "ftp://x" } }] },
        /http\(s\) URL/,
      ],
      ["bad maxConcurrency", { maxConcurrency: 0 }, /maxConcurrency/],
    ];
    it.each(badInputs)("%s -> DelegationError naming the field", async (_name, override, message) => {
      const error = await orchestrator
        .delegateToAgents({ ...base(), message: "hi", targetAgentCards: [card("a")], ...override } as never)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DelegationError);
      expect((error as DelegationError).code).toBe(ErrorCode.DELEGATION_INVALID);
      expect((error as Error).message).toMatch(message);
    });

    it("empty tenant -> a validation error naming tenantId", async () => {
      await expect(
        orchestrator.delegateToAgents({
          ...base(),
          tenantId: "",
          message: "x",
          targetAgentCards: [card("a")],
        }),
      ).rejects.toThrow(/^tenantId:/);
    });
  });

  it("RBAC: a user without orchestration:delegate is denied; an operator is allowed", async () => {
    const rbac = new RbacService(database);
    const guarded = new OrchestrationManager({ a2aClient: client, conversationRepo: repo, rbac });
    const a = await agent({ id: "rbac-agent" });
    const viewerThread = (await repo.createConversation({ tenantId: TENANT, userId: "victor" })).id;
    await rbac.assignRole({ tenantId: TENANT, userId: "victor", role: Role.VIEWER });
    await expect(
      guarded.delegateToAgents({
        threadId: viewerThread,
        tenantId: TENANT,
        userId: "victor",
        message: "x",
        targetAgentCards: [a.card],
      }),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(a.received).toHaveLength(0);
    await rbac.assignRole({ tenantId: TENANT, userId: "victor", role: Role.OPERATOR });
    const [result] = await guarded.delegateToAgents({
      threadId: viewerThread,
      tenantId: TENANT,
      userId: "victor",
      message: "x",
      targetAgentCards: [a.card],
    });
    expect(result!.success).toBe(true);
  });

  it("sanitizes what agents receive (message and previous results), unless opted out", async () => {
    const leaky = await agent({ id: "leaky", reply: () => "contact bob@example.com" });
    const listener = await agent({ id: "listener", reply: () => "ok" });
    await orchestrator.delegateToAgents({
      ...base(),
      message: "My email is john@example.com and password is MyP@ssw0rd",
      targetAgentCards: [leaky.card, listener.card],
      strategy: DelegationStrategy.SEQUENTIAL,
    });
    expect(leaky.received.at(-1)!.text).toBe("My email is [EMAIL] and password is [REDACTED]");
    expect(listener.received.at(-1)!.text).toBe("My email is [EMAIL] and password is [REDACTED]");
    expect(listener.received.at(-1)!.previousResults).toEqual([
      { agentId: "leaky", response: "contact [EMAIL]" },
    ]);

    await orchestrator.delegateToAgents({
      ...base(),
      message: "mail john@example.com",
      targetAgentCards: [listener.card],
      sanitize: false,
    });
    expect(listener.received.at(-1)!.text).toBe("mail john@example.com");
    const optedOut = await agent({ id: "trusted-internal" });
    await orchestrator.delegateToAgents({
      ...base(),
      message: "mail john@example.com",
      targetAgentCards: [{ ...optedOut.card, policy: { sanitize: false } }],
    });
    expect(optedOut.received.at(-1)!.text).toBe("mail john@example.com");
  });

  it("writes one audit record per agent result", async () => {
    const thread = (await repo.createConversation({ tenantId: TENANT, userId: USER })).id;
    const ok = await agent({ id: "audit-ok" });
    const bad = await agent({ id: "audit-bad", fail: "x" });
    await orchestrator.delegateToAgents({
      threadId: thread,
      tenantId: TENANT,
      userId: USER,
      message: "audit me",
      targetAgentCards: [ok.card, bad.card],
      strategy: DelegationStrategy.SEQUENTIAL,
    });
    const records = await orchestrator.auditStore!.list({ tenantId: TENANT, threadId: thread });
    expect(records).toHaveLength(2);
    const byAgent = Object.fromEntries(records.map((r) => [r.agentId, r]));
    expect(byAgent["audit-ok"]).toMatchObject({
      success: true,
      strategy: "sequential",
      threadId: thread,
      userId: USER,
    });
    expect(byAgent["audit-bad"]).toMatchObject({ success: false, errorCode: ErrorCode.AGENT_TASK_FAILED });
    expect(new Set(records.map((r) => r.delegationId)).size).toBe(1);
    expect(await orchestrator.auditStore!.list({ tenantId: "other", threadId: thread })).toEqual([]);
  });

  it("fans out to 100 agents in PARALLEL in about the slowest agent's time", async () => {
    const starts: number[] = [];
    const ends: number[] = [];
    const cards: AgentCard[] = [];
    for (let i = 0; i < 100; i++) {
      const delayMs = i === 99 ? 300 : 100;
      const a = await agent({
        id: `fan-${i}`,
        async *handle(ctx) {
          starts.push(performance.now());
          await new Promise((r) => setTimeout(r, delayMs));
          ends.push(performance.now());
          yield `fan ${ctx.text}`;
        },
      });
      cards.push(a.card);
    }
    // Warm-up: card resolution and connections, so the measured run is the steady state.
    await orchestrator.delegateToAgents({ ...base(), message: "warm", targetAgentCards: cards });
    starts.length = 0;
    ends.length = 0;
    const started = performance.now();
    const results = await orchestrator.delegateToAgents({
      ...base(),
      message: "fan",
      targetAgentCards: cards,
    });
    const elapsed = performance.now() - started;
    expect(results).toHaveLength(100);
    expect(results.every((r) => r.success)).toBe(true);
    expect(results.map((r) => r.agentId)).toEqual(cards.map((c) => c.identity.id));
    // Real concurrency: every agent was already working before the first one finished.
    expect(starts).toHaveLength(100);
    expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
    // Near the slowest agent (300 ms); one after another would take over 10 s.
    expect(elapsed).toBeLessThan(300 + 1_500);
  });
});

describe("synthesizeResponses", () => {
  const ok = (agentId: string, response: string) => ({ agentId, success: true, response, latencyMs: 1 });
  const ko = (agentId: string) => ({ agentId, success: false, error: "x", latencyMs: 1 });
  it.each([
    [[], "No responses received from sub-agents."],
    [[ko("a"), ko("b")], "All sub-agents failed to provide responses."],
    [[ko("a"), ok("b", "only me")], "only me"],
    [[ok("a", "one"), ko("b"), ok("c", "two")], "From a:\none\n\nFrom c:\ntwo"],
  ])("%j", (results, expected) => {
    expect(synthesizeResponses(results)).toBe(expected);
  });
});
