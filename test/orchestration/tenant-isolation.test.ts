/**
 * Sealed tenants at library level: two tenants whose specialists share an agent id (different
 * endpoints, different bearer tokens) never see each other's messages, replies or credentials —
 * in one process, on a second "replica" over the same database, and after a restart. Plus a
 * property test over random interleavings of three tenants.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { ConfigurationError, ErrorCode } from "../../src/errors.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../../src/orchestration/stream-router.js";
import { SecretKeyring } from "../../src/security/secret-keyring.js";
import type { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { databaseTargets, openDatabase } from "../helpers/databases.js";
import { LOOPBACK } from "../helpers/network.js";

const secrets = SecretKeyring.parse(Buffer.alloc(32, 7).toString("base64"));
const USER = "user-1";

/** One tenant's specialist: shared id "specialist", its own endpoint and token. */
async function tenantSpecialist(
  tenant: string,
  id = "specialist",
): Promise<{ agent: RecordingAgent; card: AgentCard }> {
  const token = `${tenant}-${id}-token`;
  const agent = await startAgent({
    id,
    bearerToken: token,
    onHandoffRequest: async () => ({ accepted: true }),
    async *handle(ctx) {
      yield `${tenant}/${id} heard: ${ctx.text}`;
    },
  });
  return {
    agent,
    card: {
      identity: { id, name: `${tenant}'s ${id}` },
      service: { endpoint: agent.url, auth: { type: "bearer", token } },
    },
  };
}

interface Replica {
  client: A2AClient;
  handoffs: HandoffManager;
  router: StreamRouter;
  close(): Promise<void>;
}

/** Everything a process holds in memory, built afresh: a second replica, or the same one restarted. */
function replica(repo: SqlConversationRepository): Replica {
  const client = new A2AClient({ network: LOOPBACK });
  const handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo, secrets });
  const orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
  const router = new StreamRouter({ handoffManager: handoffs, orchestrationManager: orchestrator });
  return { client, handoffs, router, close: () => client.close() };
}

/** Hands `threadId` of `tenantId` to `card` (the user is USER, the source "main"). */
function handOff(
  handoffs: HandoffManager,
  tenantId: string,
  threadId: string,
  card: AgentCard,
  text: { contextSummary?: string; handoffReason?: string } = {},
) {
  return handoffs.initiateHandoff({
    threadId,
    tenantId,
    userId: USER,
    sourceAgentId: "main",
    targetAgentCard: card,
    contextSummary: text.contextSummary ?? "",
    handoffReason: text.handoffReason ?? "skill_creation",
  });
}

async function collect(router: StreamRouter, options: Parameters<StreamRouter["routeEvents"]>[0]) {
  const events: RouterEvent[] = [];
  for await (const event of router.routeEvents(options)) events.push(event);
  return events;
}

function bearers(agent: RecordingAgent): Array<string | undefined> {
  return agent.requestHeaders.map((headers) => headers.authorization);
}

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`tenant isolation [${target.name}]`, () => {
    let database: Database;
    let repo: SqlConversationRepository;
    let globex: { agent: RecordingAgent; card: AgentCard };
    let acme: { agent: RecordingAgent; card: AgentCard };

    beforeAll(async () => {
      database = await openDatabase(target);
      repo = new SqlConversationRepository(database);
      globex = await tenantSpecialist("globex");
      acme = await tenantSpecialist("acme");
    });
    afterAll(async () => {
      await globex?.agent.close();
      await acme?.agent.close();
      await database?.close();
    });

    const thread = async (tenantId: string, title = "Skills") =>
      (await repo.createConversation({ tenantId, userId: USER, title })).id;

    it("two tenants handing off to a same-id specialist each reach their own, with their own token", async () => {
      const one = replica(repo);
      try {
        const globexThread = await thread("globex");
        const acmeThread = await thread("acme");
        for (const [tenantId, threadId, card] of [
          ["globex", globexThread, globex.card],
          ["acme", acmeThread, acme.card],
        ] as const) {
          const accepted = await handOff(one.handoffs, tenantId, threadId, card, {
            contextSummary: "wants a skill",
          });
          expect(accepted.accepted).toBe(true);
        }
        // Routed in the order that used to send globex's messages to acme's agent, and the reverse.
        for (const [tenantId, threadId] of [
          ["globex", globexThread],
          ["acme", acmeThread],
          ["globex", globexThread],
        ] as const) {
          const events = await collect(one.router, {
            threadId,
            tenantId,
            userId: USER,
            message: `hi from ${tenantId}`,
          });
          expect(events.at(-1)).toMatchObject({
            type: "done",
            text: `${tenantId}/specialist heard: hi from ${tenantId}`,
          });
        }
        expect(globex.agent.received.every((ctx) => ctx.tenantId === "globex")).toBe(true);
        expect(acme.agent.received.every((ctx) => ctx.tenantId === "acme")).toBe(true);
        expect(new Set(bearers(globex.agent))).toEqual(new Set(["Bearer globex-specialist-token"]));
        expect(new Set(bearers(acme.agent))).toEqual(new Set(["Bearer acme-specialist-token"]));
        const stored = await repo.getMessages({ conversationId: globexThread, tenantId: "globex" });
        expect(stored.filter((m) => m.role === "assistant").map((m) => m.content)).toEqual([
          "globex/specialist heard: hi from globex",
          "globex/specialist heard: hi from globex",
        ]);
      } finally {
        await one.close();
      }
    });

    it("another replica and a restarted process call the specialist with its credentials", async () => {
      const first = replica(repo);
      const threadId = await thread("globex");
      await handOff(first.handoffs, "globex", threadId, globex.card);
      await first.close();
      const before = globex.agent.requestHeaders.length;
      for (let round = 0; round < 2; round++) {
        const other = replica(repo);
        try {
          const events = await collect(other.router, {
            threadId,
            tenantId: "globex",
            userId: USER,
            message: `round ${round}`,
          });
          expect(events.at(-1)).toMatchObject({
            type: "done",
            text: `globex/specialist heard: round ${round}`,
          });
        } finally {
          await other.close();
        }
      }
      expect(bearers(globex.agent).slice(before)).toEqual([
        "Bearer globex-specialist-token",
        "Bearer globex-specialist-token",
      ]);
      // The session row holds the credentials sealed, never in clear.
      const row = await database.db
        .selectFrom("handoff_sessions")
        .selectAll()
        .where("thread_id", "=", threadId)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain("globex-specialist-token");
      expect(row.target_credentials_key_id).toBe(secrets.currentKeyId);
    });

    it("without a secret key, a card with credentials is refused before anything is written", async () => {
      const client = new A2AClient({ network: LOOPBACK });
      const saved = { key: process.env.OMNIFORGE_SECRET_KEY, file: process.env.OMNIFORGE_SECRET_KEY_FILE };
      delete process.env.OMNIFORGE_SECRET_KEY;
      delete process.env.OMNIFORGE_SECRET_KEY_FILE;
      try {
        const keyless = new HandoffManager({ a2aClient: client, conversationRepo: repo });
        const threadId = await thread("globex");
        await expect(handOff(keyless, "globex", threadId, globex.card)).rejects.toBeInstanceOf(
          ConfigurationError,
        );
        expect(await keyless.listHandoffs({ threadId, tenantId: "globex" })).toEqual([]);
      } finally {
        if (saved.key !== undefined) process.env.OMNIFORGE_SECRET_KEY = saved.key;
        if (saved.file !== undefined) process.env.OMNIFORGE_SECRET_KEY_FILE = saved.file;
        await client.close();
      }
    });

    it("every free-text field of a handoff request is sanitized, the reason included", async () => {
      const one = replica(repo);
      const requests: unknown[] = [];
      const agent = await startAgent({
        id: "pii-specialist",
        onHandoffRequest: async (request) => {
          requests.push(request);
          return { accepted: true };
        },
      });
      try {
        const threadId = await thread("acme");
        await handOff(one.handoffs, "acme", threadId, agent.card, {
          contextSummary: "Reach me at jane@example.com",
          handoffReason: "customer jane@example.com asked, card 4111 1111 1111 1111",
        });
        expect(requests).toHaveLength(1);
        expect(requests[0]).toMatchObject({
          contextSummary: "Reach me at [EMAIL]",
          handoffReason: "customer [EMAIL] asked, card [CARD]",
        });
      } finally {
        await agent.close();
        await one.close();
      }
    });

    it("a thread in a handoff is served without any default agent; other threads say NO_AGENT_AVAILABLE", async () => {
      const one = replica(repo);
      try {
        const held = await thread("acme");
        await handOff(one.handoffs, "acme", held, acme.card);
        const served = await collect(one.router, {
          threadId: held,
          tenantId: "acme",
          userId: USER,
          message: "next",
        });
        expect(served.at(-1)).toMatchObject({ type: "done", agentId: "specialist" });
        const free = await thread("acme");
        const refused = await collect(one.router, {
          threadId: free,
          tenantId: "acme",
          userId: USER,
          message: "hello",
        });
        expect(refused).toEqual([
          expect.objectContaining({ type: "error", code: ErrorCode.NO_AGENT_AVAILABLE }),
        ]);
      } finally {
        await one.close();
      }
    });

    it("audits every call that left for the specialist: the request and each turn", async () => {
      const one = replica(repo);
      try {
        const threadId = await thread("globex");
        await handOff(one.handoffs, "globex", threadId, globex.card);
        await collect(one.router, { threadId, tenantId: "globex", userId: USER, message: "one" });
        await one.handoffs.cancelHandoff({ threadId, tenantId: "globex", reason: "done here" });
        const rows = await database.db
          .selectFrom("agent_calls")
          .selectAll()
          .where("thread_id", "=", threadId)
          .orderBy("created_at")
          .execute();
        expect(rows.map((r) => [r.tenant_id, r.agent_id, r.kind, r.outcome])).toEqual([
          ["globex", "specialist", "handoff_request", "success"],
          ["globex", "specialist", "handoff_turn", "success"],
          ["globex", "specialist", "handoff_cancel", "success"],
        ]);
        expect(JSON.stringify(rows)).not.toContain("one");
      } finally {
        await one.close();
      }
    });
  });
}

describe("tenant isolation: random interleavings of three tenants (property)", () => {
  const TENANTS = ["acme", "globex", "initech"] as const;
  const IDS = ["specialist", "helper"] as const;
  let database: Database;
  let repo: SqlConversationRepository;
  const agents = new Map<string, { agent: RecordingAgent; card: AgentCard }>();

  beforeAll(async () => {
    const [target] = databaseTargets();
    database = await openDatabase(target!);
    repo = new SqlConversationRepository(database);
    for (const tenant of TENANTS) {
      for (const id of IDS) agents.set(`${tenant}/${id}`, await tenantSpecialist(tenant, id));
    }
  });
  afterAll(async () => {
    await Promise.all([...agents.values()].map(({ agent }) => agent.close()));
    await database?.close();
  });

  type Op =
    | { kind: "handoff"; tenant: number; thread: number; agent: number }
    | { kind: "route"; tenant: number; thread: number }
    | { kind: "cancel"; tenant: number; thread: number }
    | { kind: "switchReplica" };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant("handoff" as const),
      tenant: fc.nat(2),
      thread: fc.nat(1),
      agent: fc.nat(1),
    }),
    fc.record({ kind: fc.constant("route" as const), tenant: fc.nat(2), thread: fc.nat(1) }),
    fc.record({ kind: fc.constant("route" as const), tenant: fc.nat(2), thread: fc.nat(1) }),
    fc.record({ kind: fc.constant("cancel" as const), tenant: fc.nat(2), thread: fc.nat(1) }),
    fc.constant({ kind: "switchReplica" as const }),
  );

  it("never delivers one tenant's message, reply or credential to another", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 4, maxLength: 14 }), async (ops) => {
        // Every tenant has threads with the same titles; every tenant's agents use the same ids.
        const threads = new Map<string, string>();
        for (const tenant of TENANTS) {
          for (const index of [0, 1]) {
            threads.set(
              `${tenant}#${index}`,
              (await repo.createConversation({ tenantId: tenant, userId: USER, title: `Thread ${index}` }))
                .id,
            );
          }
        }
        let current = replica(repo);
        const seen = new Map(
          [...agents.keys()].map((key) => [key, agents.get(key)!.agent.received.length] as const),
        );
        try {
          for (const step of ops) {
            if (step.kind === "switchReplica") {
              await current.close();
              current = replica(repo);
              continue;
            }
            const tenant = TENANTS[step.tenant]!;
            const threadId = threads.get(`${tenant}#${step.thread}`)!;
            if (step.kind === "handoff") {
              const card = agents.get(`${tenant}/${IDS[step.agent]!}`)!.card;
              await handOff(current.handoffs, tenant, threadId, card, {
                contextSummary: `${tenant} context`,
                handoffReason: "work",
              }).catch((error: { code?: string }) => {
                if (error.code !== ErrorCode.HANDOFF_ALREADY_ACTIVE) throw error;
              });
            } else if (step.kind === "cancel") {
              await current.handoffs
                .cancelHandoff({ threadId, tenantId: tenant, reason: "stop" })
                .catch((error: { code?: string }) => {
                  if (error.code !== ErrorCode.NO_ACTIVE_HANDOFF) throw error;
                });
            } else {
              const events = await collect(current.router, {
                threadId,
                tenantId: tenant,
                userId: USER,
                message: `msg for ${tenant}`,
              });
              const last = events.at(-1)!;
              if (last.type === "done")
                expect(last.text).toBe(`${tenant}/${last.agentId} heard: msg for ${tenant}`);
              else expect(last).toMatchObject({ type: "error", code: ErrorCode.NO_AGENT_AVAILABLE });
            }
          }
        } finally {
          await current.close();
        }
        for (const [key, { agent }] of agents) {
          const owner = key.split("/")[0]!;
          for (const ctx of agent.received.slice(seen.get(key))) {
            expect(ctx.tenantId).toBe(owner);
            expect(ctx.text === "" || ctx.text.includes(owner)).toBe(true);
          }
          expect(bearers(agent).every((value) => value === `Bearer ${key.replace("/", "-")}-token`)).toBe(
            true,
          );
        }
        for (const tenant of TENANTS) {
          for (const index of [0, 1]) {
            const messages = await repo.getMessages({
              conversationId: threads.get(`${tenant}#${index}`)!,
              tenantId: tenant,
              limit: 1000,
            });
            for (const message of messages.filter((m) => m.role === "assistant")) {
              expect(message.content.startsWith(`${tenant}/`)).toBe(true);
            }
          }
        }
      }),
      { numRuns: 12 },
    );
  });
});
