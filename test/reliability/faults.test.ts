/**
 * Fault injection: every fault of support/fault-agents.ts against every way OmniForge reaches an
 * agent — the three delegation strategies and the router (a faulty specialist holding the thread
 * through an active handoff, and a faulty default agent). Each case must end with a typed failure
 * carrying the fault's error code, within its timeout plus a margin, without an unhandled
 * rejection; and afterwards the same client and managers still serve a healthy agent.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { SqlHandoffStore } from "../../src/storage/sql/sql-handoff-store.js";
import {
  OrchestrationManager,
  type DelegationResult,
} from "../../src/orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../../src/orchestration/stream-router.js";
import { DelegationStrategy, HandoffState } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { FAULTS, MAX_RESPONSE_BYTES, type Fault, type FaultAgent } from "./support/fault-agents.js";
import { installProcessGuard } from "./support/process-guard.js";
import { LOOPBACK } from "../helpers/network.js";

const guard = installProcessGuard();

const TENANT = "acme";
const USER = "alice";
/** Per-agent (delegation) and per-turn (router) timeout of every case. */
const TIMEOUT_MS = 400;
/** What a busy CI machine may add on top of the timeout before a case counts as late. */
const MARGIN_MS = 1_500;

type Path =
  "parallel" | "sequential" | "first_success" | "router: handoff specialist" | "router: default agent";
const PATHS: readonly Path[] = [
  "parallel",
  "sequential",
  "first_success",
  "router: handoff specialist",
  "router: default agent",
];

let database: Database;
let repo: SqlConversationRepository;
let client: A2AClient;
let orchestrator: OrchestrationManager;
let handoffs: HandoffManager;
let store: SqlHandoffStore;
let healthy: RecordingAgent;
let healthyRouter: StreamRouter;

beforeAll(async () => {
  database = new Database(`sqlite:///${tempSqlitePath()}`);
  await database.initialize();
  repo = new SqlConversationRepository(database);
  client = new A2AClient({ network: LOOPBACK, maxResponseBytes: MAX_RESPONSE_BYTES });
  orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
  handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
  store = new SqlHandoffStore(database);
  healthy = await startAgent({ id: "healthy-agent", reply: (ctx) => `healthy: ${ctx.text}` });
  healthyRouter = new StreamRouter({
    handoffManager: handoffs,
    orchestrationManager: orchestrator,
    defaultAgents: [healthy.card],
    timeoutMs: TIMEOUT_MS,
  });
});

afterAll(async () => {
  await healthy?.close();
  await client?.close();
  await database?.close();
});

const newThread = async (): Promise<string> =>
  (await repo.createConversation({ tenantId: TENANT, userId: USER })).id;

/** An ACTIVE handoff to `card`, written the way initiateHandoff leaves it (the faulty agent cannot accept one). */
async function plantHandoff(threadId: string, card: AgentCard): Promise<string> {
  const session = await store.reserve({
    handoffId: randomUUID(),
    threadId,
    tenantId: TENANT,
    userId: USER,
    sourceAgentId: "main-chatbot",
    targetAgentCard: card,
    targetSource: "card",
    contextSummary: "fault injection",
    handoffReason: "reliability",
    idleTimeoutSeconds: 3_600,
    expiresAt: new Date(Date.now() + 60_000),
  });
  const active = await store.transition(session, HandoffState.ACTIVE, {}, "accepted");
  expect(active?.state).toBe(HandoffState.ACTIVE);
  return session.handoffId;
}

async function collectEvents(events: AsyncIterable<RouterEvent>): Promise<RouterEvent[]> {
  const out: RouterEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

function expectFailed(result: DelegationResult | undefined, fault: Fault, agentId: string): void {
  expect(result, "a result for the faulty agent").toBeDefined();
  expect(result).toMatchObject({ agentId, success: false, errorCode: fault.code });
  expect(typeof result!.error).toBe("string");
  if (fault.rpcCode !== undefined) expect(result!.error).toContain(String(fault.rpcCode));
}

function expectErrorEvent(events: RouterEvent[], fault: Fault, agentId: string): void {
  const last = events.at(-1);
  expect(last).toMatchObject({ type: "error", code: fault.code, agentId });
  if (fault.rpcCode !== undefined && last?.type === "error") {
    expect(last.error.context.rpcCode).toBe(fault.rpcCode);
  }
}

async function delegate(strategy: DelegationStrategy, targets: AgentCard[]): Promise<DelegationResult[]> {
  return orchestrator.delegateToAgents({
    threadId: await newThread(),
    tenantId: TENANT,
    userId: USER,
    message: "please answer",
    targetAgentCards: targets,
    strategy,
    timeoutMs: TIMEOUT_MS,
  });
}

/** Runs one fault on one path; returns how long the failure took to surface. */
async function runCase(fault: Fault, path: Path, agent: FaultAgent): Promise<number> {
  const faulty = agent.card;
  const started = performance.now();
  switch (path) {
    case "parallel":
    case "sequential": {
      const strategy = path === "parallel" ? DelegationStrategy.PARALLEL : DelegationStrategy.SEQUENTIAL;
      const results = await delegate(strategy, [faulty, healthy.card]);
      const elapsed = performance.now() - started;
      expectFailed(results[0], fault, faulty.identity.id);
      // The healthy agent in the same delegation is not dragged down by its neighbour.
      expect(results[1]).toMatchObject({ agentId: healthy.card.identity.id, success: true });
      return elapsed;
    }
    case "first_success": {
      const results = await delegate(DelegationStrategy.FIRST_SUCCESS, [faulty]);
      const elapsed = performance.now() - started;
      expect(results).toHaveLength(1);
      expectFailed(results[0], fault, faulty.identity.id);
      return elapsed;
    }
    case "router: handoff specialist": {
      const threadId = await newThread();
      const handoffId = await plantHandoff(threadId, faulty);
      const events = await collectEvents(
        healthyRouter.routeEvents({ threadId, tenantId: TENANT, userId: USER, message: "hello specialist" }),
      );
      const elapsed = performance.now() - started;
      expect(events[0]).toMatchObject({ type: "route", target: "handoff", handoffId });
      expectErrorEvent(events, fault, faulty.identity.id);
      expect(events.filter((e) => e.type === "done")).toEqual([]);
      // A failed turn leaves the handoff in place (for a retry or a cancel).
      expect((await handoffs.getActiveHandoff({ threadId, tenantId: TENANT }))?.handoffId).toBe(handoffId);
      return elapsed;
    }
    case "router: default agent": {
      const router = new StreamRouter({
        handoffManager: handoffs,
        orchestrationManager: orchestrator,
        defaultAgents: [faulty],
        timeoutMs: TIMEOUT_MS,
      });
      const threadId = await newThread();
      const events = await collectEvents(
        router.routeEvents({ threadId, tenantId: TENANT, userId: USER, message: "hello default" }),
      );
      const elapsed = performance.now() - started;
      expect(events[0]).toMatchObject({ type: "route", target: "orchestrator", agentId: faulty.identity.id });
      expectErrorEvent(events, fault, faulty.identity.id);
      return elapsed;
    }
  }
}

/** The same client and managers still serve: a delegation and a routed turn to a healthy agent. */
async function expectStillServing(): Promise<void> {
  const [result] = await delegate(DelegationStrategy.PARALLEL, [healthy.card]);
  expect(result).toMatchObject({ success: true, response: "healthy: please answer" });
  const threadId = await newThread();
  const events = await collectEvents(
    healthyRouter.routeEvents({ threadId, tenantId: TENANT, userId: USER, message: "still there?" }),
  );
  expect(events.at(-1)).toMatchObject({ type: "done", text: "healthy: still there?" });
}

const timings: string[] = [];

describe.each(FAULTS.map((fault) => [fault.name, fault] as const))("fault: %s", (_name, fault) => {
  let agent: FaultAgent;
  let caseNumber = 0;
  beforeAll(async () => {
    agent = await fault.start(`faulty-${fault.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`);
  });
  afterAll(async () => {
    await agent?.close();
  });

  it.each(PATHS)(`%s: a typed ${fault.code} failure, on time; the process keeps serving`, async (path) => {
    caseNumber += 1;
    const elapsed = await runCase(fault, path, agent);
    timings.push(`${fault.name} / ${path}: ${elapsed.toFixed(0)} ms`);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    if (fault.timesOut) expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    guard.expectClean(`${fault.name} / ${path} (#${caseNumber})`);
    await expectStillServing();
  });
});

afterAll(() => {
  process.stdout.write(`\n[reliability] fault cases (${timings.length}):\n  ${timings.join("\n  ")}\n`);
});
