/**
 * Routing by skills through the gateway, with the real SkillRouter, real loopback agents and two
 * gateways (two replicas) on one SQLite file: the admin-only setting, tenant isolation with the
 * same agent ids, identical decisions on both replicas, explain against the actual route, a newly
 * registered agent seen at once, and an agent-requested transfer (and a hostile one) end to end.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard, AgentSkill } from "../../src/a2a/agent-card.js";
import { handoffData } from "../../src/a2a/handoff-extension.js";
import { createGateway } from "../../src/gateway/index.js";
import { Database } from "../../src/storage/database.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { call, createRoleKeys, type RoleKeys } from "../helpers/gateway.js";
import { LOOPBACK } from "../helpers/network.js";
import { startSkilledAgent, type SkilledAgent } from "../helpers/routing.js";
import { TEST_SECRETS } from "../helpers/secrets.js";

type Json = Record<string, unknown>;

const BILLING: AgentSkill[] = [
  {
    id: "refunds",
    name: "Refunds and invoices",
    description: "Issues refunds, corrects invoices, explains charges on a bill",
    tags: ["refund", "invoice", "billing", "charge"],
    examples: ["I need a refund for my invoice", "Why was I charged twice?"],
  },
];
const DOCS: AgentSkill[] = [
  {
    id: "docs-search",
    name: "Documentation search",
    description: "Searches the product documentation and how-to guides",
    tags: ["documentation", "docs", "guide", "how-to"],
    examples: ["How do I configure single sign-on?", "Where is the guide for webhooks?"],
  },
];

/** Other agents each tenant has: a selector ranks among a realistic directory, not two cards. */
const OTHERS: AgentSkill[][] = [
  [
    {
      id: "cal",
      name: "Calendar scheduling",
      description: "Schedules and reschedules meetings",
      tags: ["meeting", "calendar"],
    },
  ],
  [
    {
      id: "travel",
      name: "Travel booking",
      description: "Books flights, hotels and trains",
      tags: ["flight", "hotel"],
    },
  ],
  [
    {
      id: "hr",
      name: "Vacation requests",
      description: "Requests vacation days and parental leave",
      tags: ["vacation", "leave"],
    },
  ],
  [
    {
      id: "sec",
      name: "Security incidents",
      description: "Reports phishing and security incidents",
      tags: ["phishing", "incident"],
    },
  ],
];
const TRIAGE: AgentSkill[] = [
  {
    id: "triage",
    name: "Customer triage desk",
    description: "Triage of customer requests: sends the customer to the right team",
    tags: ["triage", "desk"],
    examples: ["send me to the triage desk"],
  },
];

describe("gateway routing by skills [sqlite-file, two replicas]", () => {
  let path: string;
  let databases: Database[];
  let apps: FastifyInstance[];
  let client: A2AClient;
  let billing: SkilledAgent;
  let docs: SkilledAgent;
  let triage: SkilledAgent;
  let weather: SkilledAgent;
  let acme: RoleKeys;
  let globex: RoleKeys;

  /** The card a tenant registers: `id` and skills of its own, served by `agent`. */
  const cardOf = (agent: SkilledAgent, id: string, skills: AgentSkill[]): AgentCard => ({
    ...agent.card,
    identity: { ...agent.card.identity, id, name: `${id} (${skills[0]!.name})` },
    skills,
  });
  const register = async (app: FastifyInstance, key: string, card: AgentCard) => {
    const res = await call(app, { method: "POST", url: "/v1/agents", key, body: { card } });
    expect(res.statusCode, res.body).toBe(201);
  };
  const enable = async (key: string, body: Json = {}) => {
    const res = await call(apps[0]!, {
      method: "PUT",
      url: "/v1/routing",
      key,
      body: { enabled: true, ...body },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Json;
  };
  const newThread = async (app: FastifyInstance, key: string) =>
    (await call(app, { method: "POST", url: "/v1/threads", key })).json().id as string;
  const post = async (app: FastifyInstance, key: string, threadId: string, message: string) => {
    const res = await call(app, {
      method: "POST",
      url: `/v1/threads/${threadId}/messages`,
      key,
      body: { message },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { reply: string; agentId: string; events: Json[] };
  };
  const explain = async (app: FastifyInstance, key: string, body: Json) =>
    call(app, { method: "POST", url: "/v1/route/explain", key, body });
  const routeOf = (turn: { events: Json[] }) => turn.events.find((e) => e.type === "route")!;

  beforeAll(async () => {
    path = tempSqlitePath();
    client = new A2AClient({ network: LOOPBACK });
    billing = await startSkilledAgent({ id: "billing-server", handoff: true, skills: BILLING });
    docs = await startSkilledAgent({ id: "docs-server", skills: DOCS });
    weather = await startSkilledAgent({
      id: "weather-server",
      skills: [{ id: "forecast", name: "Weather forecast", tags: ["weather", "forecast", "rain"] }],
    });
    triage = await startSkilledAgent({
      id: "triage-server",
      skills: [],
      async *handle(ctx) {
        yield "Passing you on.";
        const target = /target=(\S+)/.exec(ctx.text)?.[1] ?? "alpha";
        yield {
          data: handoffData.suggest({
            targetAgentId: target,
            contextSummary: ctx.text,
            reason: "billing question",
          }),
        };
      },
    });
    databases = [];
    apps = [];
    for (let i = 0; i < 2; i++) {
      const database = new Database(`sqlite:///${path}`);
      await database.initialize();
      databases.push(database);
      const app = createGateway({ database, a2aClient: client, secrets: TEST_SECRETS });
      await app.ready();
      apps.push(app);
    }
    acme = await createRoleKeys({ database: databases[0]!, tenantId: "acme", userId: "alice" });
    globex = await createRoleKeys({ database: databases[0]!, tenantId: "globex", userId: "gina" });
    // The same ids in both tenants, with opposite skills.
    await register(apps[0]!, acme.admin, cardOf(billing, "alpha", BILLING));
    await register(apps[0]!, acme.admin, cardOf(docs, "beta", DOCS));
    await register(apps[1]!, globex.admin, cardOf(docs, "alpha", DOCS));
    await register(apps[1]!, globex.admin, cardOf(billing, "beta", BILLING));
    for (const [i, skills] of OTHERS.entries()) {
      await register(apps[0]!, acme.admin, cardOf(weather, `other-${i}`, skills));
      await register(apps[1]!, globex.admin, cardOf(weather, `other-${i}`, skills));
    }
  });
  afterAll(async () => {
    for (const app of apps ?? []) await app.close();
    await Promise.all([billing, docs, triage, weather].map((a) => a?.close()));
    await client?.close();
    for (const database of databases ?? []) await database.close();
  });

  it("the routing setting is admin-only, off by default, stored, and validated", async () => {
    const off = await call(apps[1]!, { method: "GET", url: "/v1/routing", key: globex.admin });
    expect(off.json()).toEqual({ enabled: false, maxAgents: 1, minScore: 0, fallback: "defaults" });
    for (const role of ["operator", "developer", "viewer", "end_user", "auditor"] as const) {
      const denied = await call(apps[0]!, {
        method: "PUT",
        url: "/v1/routing",
        key: acme[role],
        body: { enabled: true },
      });
      expect(denied.statusCode, role).toBe(403);
      expect((await call(apps[0]!, { method: "GET", url: "/v1/routing", key: acme[role] })).statusCode).toBe(
        403,
      );
    }
    const bad = await call(apps[0]!, {
      method: "PUT",
      url: "/v1/routing",
      key: acme.admin,
      body: { enabled: true, maxAgents: 0 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("maxAgents");
    const me = await call(apps[0]!, { method: "GET", url: "/v1/me", key: acme.admin });
    expect(me.json().operations).toEqual(
      expect.arrayContaining(["getRouting", "updateRouting", "explainRoute"]),
    );
    const endUser = await call(apps[0]!, { method: "GET", url: "/v1/me", key: acme.end_user });
    expect(endUser.json().operations).not.toContain("updateRouting");
  });

  it("two tenants with the same agent ids route by their own cards, and both replicas decide alike", async () => {
    const stored = await enable(acme.admin, { minScore: 0.3 });
    expect(stored).toMatchObject({ enabled: true, maxAgents: 1, minScore: 0.3, updatedBy: "alice" });
    await enable(globex.admin, { minScore: 0.3 });
    const message = "I need a refund for my invoice";
    const acmeTurns = [];
    for (const app of apps)
      acmeTurns.push(await post(app, acme.end_user, await newThread(app, acme.end_user), message));
    const globexTurn = await post(
      apps[1]!,
      globex.end_user,
      await newThread(apps[1]!, globex.end_user),
      message,
    );
    expect(routeOf(acmeTurns[0]!)).toMatchObject({ agentIds: ["alpha"] });
    expect(routeOf(acmeTurns[0]!)).toEqual(routeOf(acmeTurns[1]!));
    expect(routeOf(globexTurn)).toMatchObject({ agentIds: ["beta"] });
    expect((routeOf(acmeTurns[0]!).candidates as Json[])[0]).toMatchObject({
      agentId: "alpha",
      skillId: "refunds",
    });
    expect(acmeTurns[0]!.reply).toContain("billing-server answers");
  });

  it("explain (on one replica) matches the route the other replica takes, calling no agent", async () => {
    await enable(acme.admin, { minScore: 0.3 });
    const threadId = await newThread(apps[0]!, acme.end_user);
    const calls = docs.received.length;
    const res = await explain(apps[1]!, acme.end_user, {
      message: "where is the documentation guide for webhooks",
      threadId,
    });
    expect(res.statusCode, res.body).toBe(200);
    const explained = res.json();
    expect(docs.received.length).toBe(calls);
    expect(explained).toMatchObject({ held: false, routing: true, outcome: "selected", agentIds: ["beta"] });
    const turn = await post(
      apps[0]!,
      acme.end_user,
      threadId,
      "where is the documentation guide for webhooks",
    );
    const route = routeOf(turn);
    expect(route.agentIds).toEqual(explained.agentIds);
    expect(route.candidates).toEqual(explained.candidates);
    expect(route.reason).toBe(explained.reason);
  });

  it("explain follows the thread's read rule and says when a handoff holds the thread", async () => {
    const threadId = await newThread(apps[0]!, acme.admin);
    const other = await call(apps[0]!, {
      method: "POST",
      url: "/v1/route/explain",
      key: globex.admin,
      body: { message: "hi", threadId },
    });
    expect(other.statusCode).toBe(404);
    const bobKeys = await createRoleKeys({ database: databases[0]!, tenantId: "acme", userId: "bob" });
    expect((await explain(apps[0]!, bobKeys.end_user, { message: "hi", threadId })).statusCode).toBe(404);
    expect((await explain(apps[0]!, bobKeys.viewer, { message: "hi", threadId })).statusCode).toBe(200);
    const started = await call(apps[0]!, {
      method: "POST",
      url: `/v1/threads/${threadId}/handoff`,
      key: acme.admin,
      body: { targetAgentId: "alpha", contextSummary: "refund", handoffReason: "billing" },
    });
    expect(started.json()).toMatchObject({ accepted: true });
    const held = (await explain(apps[1]!, acme.admin, { message: "the weather?", threadId })).json();
    expect(held).toMatchObject({
      held: true,
      outcome: "handoff",
      agentIds: ["alpha"],
      handoff: { agentId: "alpha" },
    });
  });

  it("an agent registered on one replica is chosen at once on the other", async () => {
    await enable(acme.admin, { minScore: 0.3 });
    const before = (
      await explain(apps[1]!, acme.end_user, { message: "will it rain tomorrow, weather forecast" })
    ).json();
    expect(before.agentIds).not.toContain("gamma");
    await register(apps[0]!, acme.admin, cardOf(weather, "gamma", weather.card.skills!));
    const after = (
      await explain(apps[1]!, acme.end_user, { message: "will it rain tomorrow, weather forecast" })
    ).json();
    expect(after).toMatchObject({ outcome: "selected", agentIds: ["gamma"] });
  });

  it("fallback ask: nothing fits, the orchestrator asks and names the tenant's agents", async () => {
    await enable(acme.admin, { minScore: 0.3, fallback: "ask" });
    const threadId = await newThread(apps[1]!, acme.end_user);
    const turn = await post(apps[1]!, acme.end_user, threadId, "zebra quantum marmalade");
    expect(turn.agentId).toBe("orchestrator");
    expect(routeOf(turn)).toMatchObject({ agentIds: [] });
    expect(turn.reply).toContain("alpha (Refunds and invoices)");
    await enable(acme.admin, { minScore: 0.3 });
  });

  it("a routed agent's handoffSuggest hands the thread over; another tenant's agent id is ignored", async () => {
    await register(apps[0]!, acme.admin, cardOf(triage, "triage", TRIAGE));
    await register(apps[1]!, globex.admin, cardOf(billing, "globex-only", BILLING));
    await enable(acme.admin, { minScore: 0.3 });
    const threadId = await newThread(apps[0]!, acme.end_user);
    const hostile = await post(
      apps[0]!,
      acme.end_user,
      threadId,
      "the triage desk please, target=globex-only",
    );
    expect(routeOf(hostile)).toMatchObject({ agentIds: ["triage"] });
    expect(hostile.events.map((e) => e.type)).toEqual(["route", "chunk", "done"]);
    const requests = billing.handoffRequests;
    const turn = await post(apps[1]!, acme.end_user, threadId, "the triage desk please, target=alpha");
    expect(turn.events.map((e) => e.type)).toEqual(["route", "chunk", "handoff_started", "done"]);
    expect(turn.events.find((e) => e.type === "handoff_started")).toMatchObject({
      agentId: "alpha",
      sourceAgentId: "triage",
      reason: "billing question",
    });
    expect(billing.handoffRequests).toBe(requests + 1);
    const active = await call(apps[0]!, {
      method: "GET",
      url: `/v1/threads/${threadId}/handoff`,
      key: acme.end_user,
    });
    expect(active.json().active).toMatchObject({ targetAgentId: "alpha", sourceAgentId: "triage" });
    const next = await post(apps[0]!, acme.end_user, threadId, "the invoice total is wrong");
    expect(routeOf(next)).toMatchObject({ target: "handoff", agentId: "alpha" });
  });
  it("a selector that cannot be built does not fail the tenant's turns: they fall back", async () => {
    await enable(acme.admin, { minScore: 0.3, fallback: "ask" });
    const database = new Database(`sqlite:///${path}`);
    const broken = createGateway({
      database,
      a2aClient: client,
      secrets: TEST_SECRETS,
      routingSelector: () => {
        throw new Error("the selector factory is broken");
      },
    });
    try {
      await broken.ready();
      const threadId = await newThread(broken, acme.end_user);
      for (let i = 0; i < 2; i++) {
        const turn = await post(broken, acme.end_user, threadId, "I need a refund for my invoice");
        expect(routeOf(turn)).toMatchObject({ target: "orchestrator", agentIds: [] });
        expect(turn.reply).toContain("alpha");
      }
    } finally {
      await broken.close();
      await database.close();
    }
  });
});
