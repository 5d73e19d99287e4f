/**
 * StreamRouter's `routing` option with real agents on loopback and a real SQLite file: who the
 * selector picks, the fallbacks, a failing or hanging selector, explainRoute against the actual
 * route, and agent-requested transfers (handoffSuggest) with their checks and loop limit.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { handoffData } from "../../src/a2a/handoff-extension.js";
import { ConfigurationError } from "../../src/errors.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import type { RoutingOptions } from "../../src/orchestration/router-routing.js";
import { StreamRouter, type RouterEvent } from "../../src/orchestration/stream-router.js";
import { CompletionStatus } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { LOOPBACK } from "../helpers/network.js";
import {
  TagSelector,
  failingSelector,
  hangingSelector,
  startSkilledAgent,
  type SkilledAgent,
} from "../helpers/routing.js";

const TENANT = "acme";
const USER = "alice";

async function collect(events: AsyncIterable<RouterEvent>): Promise<RouterEvent[]> {
  const out: RouterEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}
const ofType = <T extends RouterEvent["type"]>(events: RouterEvent[], type: T) =>
  events.filter((e): e is Extract<RouterEvent, { type: T }> => e.type === type);

describe("StreamRouter routing", () => {
  let database: Database;
  let repo: SqlConversationRepository;
  let client: A2AClient;
  let orchestrator: OrchestrationManager;
  let handoffs: HandoffManager;
  let docs: SkilledAgent;
  let billing: SkilledAgent;
  let triage: SkilledAgent;
  let hostile: SkilledAgent;
  let ping: SkilledAgent;
  let pong: SkilledAgent;
  let foreign: SkilledAgent;
  const logLines: string[] = [];
  const logger = pino(
    { level: "info" },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString("utf8"));
        done();
      },
    }),
  );

  /** Agents that pass the thread on: suggest `target` on the orchestrator path, give control back in a handoff. */
  const bouncer = (id: string, tag: string, target: string) =>
    startSkilledAgent({
      id,
      handoff: true,
      skills: [{ id: `${id}-skill`, name: `${id} skill`, tags: [tag] }],
      async *handle(ctx) {
        if (ctx.handoff) {
          yield `${id}: not mine, back you go`;
          ctx.returnControl({ completionStatus: CompletionStatus.COMPLETED });
          return;
        }
        yield `${id}: passing you on`;
        yield {
          data: handoffData.suggest({ targetAgentId: target, contextSummary: "bounce", reason: "yours" }),
        };
      },
    });

  beforeAll(async () => {
    database = new Database(`sqlite:///${tempSqlitePath()}`);
    await database.initialize();
    repo = new SqlConversationRepository(database);
    client = new A2AClient({ network: LOOPBACK });
    orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
    handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
    docs = await startSkilledAgent({
      id: "docs-agent",
      name: "Docs Search",
      skills: [{ id: "search", name: "Search documentation", tags: ["docs", "documentation", "search"] }],
    });
    billing = await startSkilledAgent({
      id: "billing-agent",
      name: "Billing",
      handoff: true,
      skills: [{ id: "invoices", name: "Invoices and payments", tags: ["invoice", "billing", "payment"] }],
    });
    triage = await startSkilledAgent({
      id: "triage-agent",
      name: "Triage",
      skills: [{ id: "triage", name: "Find the right team", tags: ["help", "problem"] }],
      async *handle() {
        yield "This is a billing matter; ";
        yield "passing you to billing.";
        yield {
          data: handoffData.suggest({
            targetAgentId: "billing-agent",
            contextSummary: "Invoice 42 is wrong; customer mail is jane@example.com",
            reason: "billing question (reply to jane@example.com)",
          }),
        };
        // A second request in the same turn is never acted on: one transfer per turn.
        yield {
          data: handoffData.suggest({ targetAgentId: "docs-agent", contextSummary: "", reason: "second" }),
        };
      },
    });
    hostile = await startSkilledAgent({
      id: "hostile-agent",
      skills: [{ id: "evil", name: "Hostile", tags: ["hostile"] }],
      async *handle(ctx) {
        yield "hostile answered";
        const target = /target=(\S+)/.exec(ctx.text)?.[1] ?? "nobody";
        yield {
          data: handoffData.suggest({ targetAgentId: target, contextSummary: "x", reason: "because" }),
        };
      },
    });
    foreign = await startSkilledAgent({
      id: "foreign-agent",
      handoff: true,
      skills: [{ id: "f", name: "Another tenant's", tags: ["foreign"] }],
    });
    ping = await bouncer("ping-agent", "ping", "pong-agent");
    pong = await bouncer("pong-agent", "pong", "ping-agent");
  });
  afterAll(async () => {
    await Promise.all([docs, billing, triage, hostile, foreign, ping, pong].map((a) => a?.close()));
    await client?.close();
    await database?.close();
  });

  const newThread = async () => (await repo.createConversation({ tenantId: TENANT, userId: USER })).id;
  const acmeAgents = () => [docs.card, billing.card, triage.card, hostile.card, ping.card, pong.card];
  const router = (routing: Partial<RoutingOptions> | ((ref: { tenantId: string }) => RoutingOptions)) =>
    new StreamRouter({
      handoffManager: handoffs,
      orchestrationManager: orchestrator,
      defaultAgents: [docs.card],
      routing:
        typeof routing === "function"
          ? routing
          : {
              selector: new TagSelector(acmeAgents()),
              fallback: "defaults",
              agents: acmeAgents(),
              logger,
              ...routing,
            },
    });
  const send = (r: StreamRouter, threadId: string, message: string, extra = {}) =>
    collect(r.routeEvents({ threadId, tenantId: TENANT, userId: USER, message, ...extra }));

  it("without routing the events are exactly as before: no candidates, no reason", async () => {
    const plain = new StreamRouter({
      handoffManager: handoffs,
      orchestrationManager: orchestrator,
      defaultAgents: [docs.card],
    });
    const off = router(() => undefined as unknown as RoutingOptions);
    const strip = (events: RouterEvent[]) =>
      events.map((e) => (e.type === "done" ? { ...e, messageId: "id" } : e));
    const a = await send(plain, await newThread(), "the billing invoice");
    const b = await send(off, await newThread(), "the billing invoice");
    expect(strip(a)).toEqual(strip(b));
    expect(a[0]).toStrictEqual({
      type: "route",
      target: "orchestrator",
      agentId: "docs-agent",
      agentIds: ["docs-agent"],
    });
    expect(a.map((e) => e.type)).toEqual(["route", "chunk", "done"]);
  });

  it("the selector picks who answers; the route event carries the candidates and the reason", async () => {
    const threadId = await newThread();
    const before = billing.received.length;
    const events = await send(router({}), threadId, "where is my invoice payment");
    const [route] = ofType(events, "route");
    expect(route).toMatchObject({
      target: "orchestrator",
      agentId: "billing-agent",
      agentIds: ["billing-agent"],
    });
    expect(route!.candidates![0]).toMatchObject({ agentId: "billing-agent", score: 1, skillId: "invoices" });
    expect(route!.reason).toMatch(/^billing-agent \(score 1\.00\): matched invoice, payment/);
    expect(billing.received.length).toBe(before + 1);
    expect(ofType(events, "done")[0]).toMatchObject({ agentId: "billing-agent" });
  });

  it("maxAgents: the best two answer through a delegation", async () => {
    const events = await send(router({ maxAgents: 2 }), await newThread(), "search the docs for my invoice");
    expect(ofType(events, "route")[0]).toMatchObject({ agentId: "orchestrator" });
    expect(ofType(events, "route")[0]!.agentIds.sort()).toEqual(["billing-agent", "docs-agent"]);
    expect(ofType(events, "delegation")[0]!.results.map((r) => r.success)).toEqual([true, true]);
  });

  it("minScore: a weak candidate does not answer; fallback defaults sends the message to the default agents", async () => {
    const events = await send(router({ minScore: 0.9 }), await newThread(), "an invoice question");
    const [route] = ofType(events, "route");
    expect(route).toMatchObject({ agentIds: ["docs-agent"] });
    expect(route!.candidates).toEqual([expect.objectContaining({ agentId: "billing-agent", score: 0.5 })]);
    expect(route!.reason).toMatch(/below 0\.9.*default agents answer/);
  });

  it("fallback ask: nothing fits, the orchestrator asks the user to choose and no agent is called", async () => {
    const threadId = await newThread();
    const calls = [docs, billing, triage].map((a) => a.received.length);
    const events = await send(router({ fallback: "ask" }), threadId, "what's the weather like");
    expect(events.map((e) => e.type)).toEqual(["route", "chunk", "done"]);
    expect(ofType(events, "route")[0]).toMatchObject({
      agentId: "orchestrator",
      agentIds: [],
      candidates: [],
    });
    const done = ofType(events, "done")[0]!;
    expect(done.agentId).toBe("orchestrator");
    expect(done.text).toContain("Docs Search, Billing, Triage");
    expect([docs, billing, triage].map((a) => a.received.length)).toEqual(calls);
    const stored = await repo.getMessages({ conversationId: threadId, tenantId: TENANT });
    expect(stored.map((m) => [m.role, m.agentId ?? null])).toEqual([
      ["user", null],
      ["assistant", "orchestrator"],
    ]);
  });

  it("a selector that throws or never answers does not fail the turn: the fallback applies, logged without content", async () => {
    logLines.length = 0;
    const failed = await send(
      router({ selector: failingSelector }),
      await newThread(),
      "my secret-message-text",
    );
    expect(ofType(failed, "route")[0]).toMatchObject({ agentIds: ["docs-agent"] });
    expect(ofType(failed, "route")[0]!.reason).toMatch(/selector failed \(SELECTOR_ERROR\)/);
    expect(ofType(failed, "done")).toHaveLength(1);
    const hung = await send(
      router({ selector: hangingSelector, selectorTimeoutMs: 50, fallback: "ask" }),
      await newThread(),
      "my secret-message-text again",
    );
    expect(ofType(hung, "route")[0]!.reason).toMatch(/SELECTOR_TIMEOUT.*asking the user/);
    expect(ofType(hung, "done")[0]!.agentId).toBe("orchestrator");
    const warnings = logLines.filter((line) => line.includes("agent selector failed"));
    expect(warnings).toHaveLength(2);
    expect(logLines.join("")).not.toContain("secret-message-text");
  });

  it("the selector sees the thread's earlier turns with who answered them, not the message being routed", async () => {
    const selector = new TagSelector(acmeAgents());
    const r = router({ selector });
    const threadId = await newThread();
    await send(r, threadId, "search the docs please");
    const events = await send(r, threadId, "and what about the cost?");
    expect(ofType(events, "route")[0]).toMatchObject({ agentIds: ["docs-agent"] });
    expect(ofType(events, "route")[0]!.candidates![0]!.reason).toBe("follow-up");
    const last = selector.calls.at(-1)!;
    expect(last.message).toBe("and what about the cost?");
    expect(last.history).toEqual([
      { role: "user", text: "search the docs please" },
      { role: "agent", text: "docs-agent answers: search the docs please", agentId: "docs-agent" },
    ]);
  });

  it("explainRoute says what the turn then does, calling no agent", async () => {
    const r = router({ maxAgents: 2, minScore: 0.5 });
    const threadId = await newThread();
    const calls = billing.received.length;
    const explained = await r.explainRoute({
      tenantId: TENANT,
      userId: USER,
      threadId,
      message: "invoice docs",
    });
    expect(billing.received.length).toBe(calls);
    expect(explained).toMatchObject({ held: false, routing: true, outcome: "selected" });
    const events = await send(r, threadId, "invoice docs");
    const route = ofType(events, "route")[0]!;
    expect(route.agentIds).toEqual(explained.agentIds);
    expect(route.candidates).toEqual(explained.candidates);
    expect(route.reason).toBe(explained.reason);
    const none = await r.explainRoute({ tenantId: TENANT, userId: USER, message: "nothing at all" });
    expect(none).toMatchObject({ outcome: "defaults", agentIds: ["docs-agent"], candidates: [] });
  });

  it("a bad routing option is the constructor's ConfigurationError naming the field", () => {
    expect(() => router({ maxAgents: 0 })).toThrow(ConfigurationError);
    expect(() => router({ maxAgents: 0 })).toThrow(/routing\.maxAgents/);
    expect(() => router({ fallback: "guess" as "ask" })).toThrow(/routing\.fallback/);
    expect(() => router({ selector: {} as TagSelector })).toThrow(/routing\.selector/);
  });

  describe("agent-requested transfers", () => {
    it("a triage agent hands the thread to billing: handoff_started before done, summary sanitized, one transfer per turn", async () => {
      const threadId = await newThread();
      const r = router({});
      const events = await send(r, threadId, "help, I have a problem");
      expect(events.map((e) => e.type)).toEqual(["route", "chunk", "chunk", "handoff_started", "done"]);
      expect(ofType(events, "handoff_started")[0]).toMatchObject({
        agentId: "billing-agent",
        sourceAgentId: "triage-agent",
        reason: "billing question (reply to [EMAIL])",
      });
      const session = await handoffs.getActiveHandoff({ threadId, tenantId: TENANT });
      expect(session).toMatchObject({ sourceAgentId: "triage-agent", targetAgentId: "billing-agent" });
      expect(session!.contextSummary).toBe("Invoice 42 is wrong; customer mail is [EMAIL]");
      expect((await handoffs.listHandoffs({ threadId, tenantId: TENANT })).length).toBe(1);
      const next = await send(r, threadId, "the amount is wrong");
      expect(ofType(next, "route")[0]).toMatchObject({ target: "handoff", agentId: "billing-agent" });
    });

    it("a hostile agent's requests for itself, an unknown agent or another tenant's agent are ignored; the turn is answered", async () => {
      const r = router(({ tenantId }) => ({
        selector: new TagSelector(tenantId === TENANT ? acmeAgents() : [foreign.card]),
        fallback: "defaults",
        agents: tenantId === TENANT ? acmeAgents() : [foreign.card],
        logger,
      }));
      for (const target of ["hostile-agent", "no-such-agent", "foreign-agent"]) {
        logLines.length = 0;
        const threadId = await newThread();
        const events = await send(r, threadId, `hostile target=${target}`);
        expect(events.map((e) => e.type)).toEqual(["route", "chunk", "done"]);
        expect(await handoffs.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
        expect(logLines.some((line) => line.includes("agent-requested transfer ignored"))).toBe(true);
      }
      expect(foreign.handoffRequests).toBe(0);
    });

    it("a user who may not start handoffs is not handed off", async () => {
      const threadId = await newThread();
      const events = await send(router({}), threadId, "help, a problem", { mayStartHandoff: false });
      expect(ofType(events, "handoff_started")).toEqual([]);
      expect(ofType(events, "done")).toHaveLength(1);
      expect(await handoffs.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
    });

    it("a ping-pong pair moves the thread at most maxBounces times in a row", async () => {
      const threadId = await newThread();
      const r = router({});
      const started = async (message: string) =>
        ofType(await send(r, threadId, message), "handoff_started").map((e) => e.agentId);
      expect(await started("ping")).toEqual(["pong-agent"]);
      expect(await started("hello")).toEqual([]); // pong, as specialist, gives the thread back
      expect(await started("pong")).toEqual(["ping-agent"]);
      expect(await started("hello")).toEqual([]); // ping gives it back
      logLines.length = 0;
      expect(await started("ping")).toEqual([]); // a third move between the two: refused
      expect(logLines.some((line) => line.includes('"why":"loop"'))).toBe(true);
      expect(await handoffs.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
      expect((await handoffs.listHandoffs({ threadId, tenantId: TENANT })).length).toBe(2);
    });

    it("maxBounces 0 turns transfers off", async () => {
      const threadId = await newThread();
      const events = await send(router({ maxBounces: 0 }), threadId, "help, a problem");
      expect(ofType(events, "handoff_started")).toEqual([]);
      expect(await handoffs.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
    });
  });
});
