import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import {
  ErrorCode,
  HandoffError,
  PermissionDeniedError,
  ThreadAccessError,
  ValidationError,
} from "../../src/errors.js";
import { HandoffManager, type HandoffReturn } from "../../src/orchestration/handoff-manager.js";
import { SqlHandoffStore } from "../../src/storage/sql/sql-handoff-store.js";
import { CompletionStatus, HandoffState } from "../../src/orchestration/types.js";
import { RbacService, Role } from "../../src/security/rbac.js";
import type { Database } from "../../src/storage/database.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";
import { databaseTargets, openDatabase } from "../helpers/databases.js";
import { LOOPBACK } from "../helpers/network.js";

const TENANT = "acme";
const USER = "alice";

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`HandoffManager [${target.name}]`, () => {
    let database: Database;
    let repo: SqlConversationRepository;
    let client: A2AClient;
    let manager: HandoffManager;
    let specialist: RecordingAgent;
    let refuser: RecordingAgent;
    let plain: RecordingAgent;
    const cancels: unknown[] = [];
    const requests: unknown[] = [];

    beforeAll(async () => {
      database = await openDatabase(target);
      repo = new SqlConversationRepository(database);
      client = new A2AClient({ network: LOOPBACK });
      manager = new HandoffManager({ a2aClient: client, conversationRepo: repo });
      specialist = await startAgent({
        id: "skill-creation-agent",
        onHandoffRequest: async (request) => {
          requests.push(request);
          return { accepted: true, estimatedDurationSeconds: 120 };
        },
        onHandoffCancel: async (cancel) => {
          cancels.push(cancel);
        },
      });
      refuser = await startAgent({
        id: "busy-agent",
        onHandoffRequest: async () => ({ accepted: false, rejectionReason: "at capacity" }),
      });
      plain = await startAgent({ id: "no-handoff-agent" });
    });
    afterAll(async () => {
      await Promise.all([specialist, refuser, plain].map((a) => a?.close()));
      await client?.close();
      await database?.close();
    });

    async function newThread(tenantId = TENANT, userId = USER) {
      const thread = await repo.createConversation({ tenantId, userId, title: "handoff test" });
      await repo.addMessage({
        conversationId: thread.id,
        tenantId,
        role: "user",
        content: "I need a Slack alert skill, mail me at ann@example.com",
      });
      return thread.id;
    }
    const initiate = (
      threadId: string,
      card: AgentCard = specialist.card,
      extra: Record<string, unknown> = {},
    ) =>
      manager.initiateHandoff({
        threadId,
        tenantId: TENANT,
        userId: USER,
        sourceAgentId: "main-chatbot",
        targetAgentCard: card,
        contextSummary: "User wants a Slack skill; contact ann@example.com",
        handoffReason: "skill_creation_workflow",
        ...extra,
      });
    const returnOf = (
      threadId: string,
      status: CompletionStatus = CompletionStatus.COMPLETED,
    ): HandoffReturn => ({
      threadId,
      tenantId: TENANT,
      sourceAgentId: "skill-creation-agent",
      targetAgentId: "main-chatbot",
      completionStatus: status,
      resultSummary: "Created slack-alerts.md",
      artifactsCreated: ["skills/slack-alerts.md"],
    });

    it("initiates: the target gets a sanitized handoffRequest, the session becomes ACTIVE", async () => {
      const threadId = await newThread();
      const acceptance = await initiate(threadId);
      expect(acceptance).toEqual({
        accepted: true,
        handoffId: expect.any(String),
        estimatedDurationSeconds: 120,
      });
      const request = requests.at(-1) as Record<string, unknown>;
      expect(request).toMatchObject({
        handoffId: acceptance.handoffId,
        threadId,
        tenantId: TENANT,
        userId: USER,
        sourceAgentId: "main-chatbot",
        contextSummary: "User wants a Slack skill; contact [EMAIL]",
        handoffReason: "skill_creation_workflow",
      });
      expect(request.recentMessages).toEqual([
        { role: "user", content: "I need a Slack alert skill, mail me at [EMAIL]" },
      ]);
      const active = await manager.getActiveHandoff({ threadId, tenantId: TENANT });
      expect(active).toMatchObject({
        handoffId: acceptance.handoffId,
        state: HandoffState.ACTIVE,
        sourceAgentId: "main-chatbot",
        targetAgentId: "skill-creation-agent",
        estimatedDurationSeconds: 120,
        artifactsCreated: [],
      });
      expect(await manager.isHandoffActive({ threadId, tenantId: TENANT })).toBe(true);
      expect(await manager.threads.getThreadContext({ threadId, tenantId: TENANT })).toMatchObject({
        isHandoffActive: true,
      });
      const notes = (await repo.getMessages({ conversationId: threadId, tenantId: TENANT })).filter(
        (m) => m.role === "system",
      );
      expect(notes.map((m) => m.content)).toEqual([
        "Handoff to skill-creation-agent started (skill_creation_workflow)",
      ]);
    });

    it("a second initiate on a busy thread -> HANDOFF_ALREADY_ACTIVE; after completion a new one may start", async () => {
      const threadId = await newThread();
      await initiate(threadId);
      const error = await initiate(threadId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HandoffError);
      expect((error as HandoffError).code).toBe(ErrorCode.HANDOFF_ALREADY_ACTIVE);
      const done = await manager.completeHandoff({
        threadId,
        tenantId: TENANT,
        handoffReturn: returnOf(threadId),
      });
      expect(done).toMatchObject({
        state: HandoffState.COMPLETED,
        resultSummary: "Created slack-alerts.md",
        artifactsCreated: ["skills/slack-alerts.md"],
      });
      expect(done.completedAt).toBeInstanceOf(Date);
      expect(await manager.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
      expect((await initiate(threadId)).accepted).toBe(true);
      const history = await manager.listHandoffs({ threadId, tenantId: TENANT });
      expect(history.map((s) => s.state)).toEqual([HandoffState.COMPLETED, HandoffState.ACTIVE]);
      const transitions = await manager.getTransitions({
        handoffId: history[0]!.handoffId,
        tenantId: TENANT,
      });
      expect(transitions.map((t) => [t.fromState, t.toState])).toEqual([
        [null, "pending"],
        ["pending", "active"],
        ["active", "completed"],
      ]);
    });

    it("the target's refusal -> accepted:false with its reason, REJECTED kept in history", async () => {
      const threadId = await newThread();
      const acceptance = await initiate(threadId, refuser.card);
      expect(acceptance).toEqual({
        accepted: false,
        handoffId: expect.any(String),
        rejectionReason: "at capacity",
      });
      expect(await manager.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
      expect(
        (await manager.listHandoffs({ threadId, tenantId: TENANT })).map((s) => [s.state, s.rejectionReason]),
      ).toEqual([[HandoffState.REJECTED, "at capacity"]]);
    });

    it("an agent whose card lacks the extension is refused without being called", async () => {
      const threadId = await newThread();
      const acceptance = await initiate(threadId, plain.card);
      expect(acceptance.accepted).toBe(false);
      expect(acceptance.rejectionReason).toMatch(/does not support handoffs/);
      expect(plain.received).toHaveLength(0);
      expect(await manager.listHandoffs({ threadId, tenantId: TENANT })).toEqual([]);
    });

    it("an unreachable target -> AGENT_UNAVAILABLE and the reservation released", async () => {
      const threadId = await newThread();
      const dead: AgentCard = {
        identity: { id: "dead", name: "dead" },
        service: { endpoint: "http://127.0.0.1:1" },
      };
      await expect(initiate(threadId, dead)).rejects.toMatchObject({ code: ErrorCode.AGENT_UNAVAILABLE });
      // A target that serves its card but dies before answering the request:
      const flaky = await startAgent({ id: "flaky", onHandoffRequest: async () => ({ accepted: true }) });
      await client.getAgentCard(flaky.card, { tenantId: TENANT });
      await flaky.close();
      await expect(initiate(threadId, flaky.card)).rejects.toMatchObject({
        code: ErrorCode.AGENT_UNAVAILABLE,
      });
      const history = await manager.listHandoffs({ threadId, tenantId: TENANT });
      expect(history.map((s) => s.state)).toEqual([HandoffState.ERROR]);
      expect((await initiate(threadId)).accepted).toBe(true);
    });

    it("a target that never answers the request -> AGENT_UNAVAILABLE on time", async () => {
      const slow = await startAgent({ id: "slow-specialist", onHandoffRequest: () => new Promise(() => {}) });
      const quick = new HandoffManager({ a2aClient: client, conversationRepo: repo, requestTimeoutMs: 300 });
      const threadId = await newThread();
      const started = performance.now();
      await expect(
        quick.initiateHandoff({
          threadId,
          tenantId: TENANT,
          userId: USER,
          sourceAgentId: "main-chatbot",
          targetAgentCard: slow.card,
          contextSummary: "s",
          handoffReason: "r",
        }),
      ).rejects.toMatchObject({ code: ErrorCode.AGENT_UNAVAILABLE });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(await quick.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
      await slow.close();
    });

    it("cancel notifies the target, ends the session, and is noted in the thread", async () => {
      const threadId = await newThread();
      const { handoffId } = await initiate(threadId);
      const before = cancels.length;
      const cancelled = await manager.cancelHandoff({
        threadId,
        tenantId: TENANT,
        reason: "User cancelled skill creation",
      });
      expect(cancelled.state).toBe(HandoffState.CANCELLED);
      expect(cancels.length).toBe(before + 1);
      expect(cancels.at(-1)).toEqual({ handoffId, reason: "User cancelled skill creation" });
      const notes = (await repo.getMessages({ conversationId: threadId, tenantId: TENANT })).filter(
        (m) => m.role === "system",
      );
      expect(notes.at(-1)?.content).toBe(
        "Handoff to skill-creation-agent cancelled: User cancelled skill creation",
      );
      // No completing a cancelled session; no second cancel.
      await expect(
        manager.completeHandoff({ threadId, tenantId: TENANT, handoffReturn: returnOf(threadId) }),
      ).rejects.toMatchObject({
        code: ErrorCode.NO_ACTIVE_HANDOFF,
      });
      await expect(
        manager.cancelHandoff({ threadId, tenantId: TENANT, reason: "again" }),
      ).rejects.toMatchObject({
        code: ErrorCode.NO_ACTIVE_HANDOFF,
      });
    });

    it("an aborted signal stops completeHandoff and cancelHandoff before they change anything, and the readers", async () => {
      const threadId = await newThread();
      await initiate(threadId);
      const signal = AbortSignal.abort();
      const before = cancels.length;
      await expect(
        manager.completeHandoff({ threadId, tenantId: TENANT, handoffReturn: returnOf(threadId), signal }),
      ).rejects.toMatchObject({ code: ErrorCode.ABORTED });
      await expect(
        manager.cancelHandoff({ threadId, tenantId: TENANT, reason: "stop", signal }),
      ).rejects.toMatchObject({ code: ErrorCode.ABORTED });
      expect(cancels.length).toBe(before);
      // The readers honour it too.
      await expect(manager.isHandoffActive({ threadId, tenantId: TENANT, signal })).rejects.toMatchObject({
        code: ErrorCode.ABORTED,
      });
      await expect(manager.listHandoffs({ threadId, tenantId: TENANT, signal })).rejects.toMatchObject({
        code: ErrorCode.ABORTED,
      });
      expect(await manager.isHandoffActive({ threadId, tenantId: TENANT })).toBe(true);
      await manager.cancelHandoff({ threadId, tenantId: TENANT, reason: "clean up" });
    });

    it("completeHandoff checks the return names the session's agents and thread", async () => {
      const threadId = await newThread();
      await initiate(threadId);
      const bad: Array<[Partial<HandoffReturn>, RegExp]> = [
        [
          { sourceAgentId: "impostor" },
          /^handoffReturn\.sourceAgentId: must be the specialist skill-creation-agent/,
        ],
        [{ targetAgentId: "someone-else" }, /^handoffReturn\.targetAgentId/],
        [{ threadId: randomUUID() }, /^handoffReturn\.threadId: does not match/],
        [{ tenantId: "other" }, /^handoffReturn\.tenantId: does not match/],
        [{ completionStatus: "done" as never }, /^handoffReturn\.completionStatus: must be one of/],
      ];
      for (const [override, message] of bad) {
        const error = await manager
          .completeHandoff({
            threadId,
            tenantId: TENANT,
            handoffReturn: { ...returnOf(threadId), ...override },
          })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toMatch(message);
      }
      expect(await manager.isHandoffActive({ threadId, tenantId: TENANT })).toBe(true);
      const errored = await manager.completeHandoff({
        threadId,
        tenantId: TENANT,
        handoffReturn: returnOf(threadId, CompletionStatus.ERROR),
      });
      expect(errored.state).toBe(HandoffState.ERROR);
    });

    it("expiry: an idle handoff becomes EXPIRED, control returns, the agent is told", async () => {
      const threadId = await newThread();
      const card = { ...specialist.card, policy: { handoffIdleTimeoutSeconds: 1 } };
      const { handoffId } = await initiate(threadId, card);
      expect(await manager.isHandoffActive({ threadId, tenantId: TENANT })).toBe(true);
      // Age the session in the database rather than sleeping.
      const past = new Date(Date.now() - 5_000).toISOString();
      await database.db
        .updateTable("handoff_sessions")
        .set({ last_activity_at: past, expires_at: past })
        .where("id", "=", handoffId!)
        .execute();
      const before = cancels.length;
      expect(await manager.getActiveHandoff({ threadId, tenantId: TENANT })).toBeNull();
      const [session] = await manager.listHandoffs({ threadId, tenantId: TENANT });
      expect(session!.state).toBe(HandoffState.EXPIRED);
      expect(cancels.length).toBe(before + 1);
      const notes = (await repo.getMessages({ conversationId: threadId, tenantId: TENANT })).filter(
        (m) => m.role === "system",
      );
      expect(notes.at(-1)?.content).toMatch(
        /^Handoff to skill-creation-agent expired \(idle for more than 1 s\)/,
      );
      expect((await initiate(threadId)).accepted).toBe(true);
    });

    it("expireIdleHandoffs sweeps idle sessions across threads", async () => {
      const threads = [await newThread(), await newThread()];
      for (const t of threads)
        await initiate(t, { ...specialist.card, policy: { handoffIdleTimeoutSeconds: 1 } });
      // A just-started session with a 1 s limit lapses one second later.
      expect(await manager.expireIdleHandoffs(new Date(Date.now() + 1_500))).toBe(2);
      expect(await manager.expireIdleHandoffs()).toBe(0);
    });

    it("the state machine refuses illegal transitions", async () => {
      const threadId = await newThread();
      await initiate(threadId);
      const store = new SqlHandoffStore(database);
      const [session] = await store.list(threadId, TENANT);
      const done = await store.transition(session!, HandoffState.COMPLETED);
      await expect(store.transition(done!, HandoffState.ACTIVE)).rejects.toMatchObject({
        code: ErrorCode.INVALID_HANDOFF_TRANSITION,
      });
      // A stale read loses: the row already moved on.
      expect(await store.transition(session!, HandoffState.CANCELLED)).toBeNull();
    });

    it("tenant isolation on every method: another tenant's thread looks missing", async () => {
      const threadId = await newThread();
      await initiate(threadId);
      const other = { threadId, tenantId: "globex" };
      expect(await manager.getActiveHandoff(other)).toBeNull();
      expect(await manager.isHandoffActive(other)).toBe(false);
      expect(await manager.listHandoffs(other)).toEqual([]);
      await expect(
        manager.initiateHandoff({
          ...other,
          userId: USER,
          sourceAgentId: "x",
          targetAgentCard: specialist.card,
          contextSummary: "",
          handoffReason: "r",
        }),
      ).rejects.toBeInstanceOf(ThreadAccessError);
      await expect(manager.cancelHandoff({ ...other, reason: "r" })).rejects.toMatchObject({
        code: ErrorCode.NO_ACTIVE_HANDOFF,
      });
      await expect(
        manager.completeHandoff({ ...other, handoffReturn: { ...returnOf(threadId), tenantId: "globex" } }),
      ).rejects.toMatchObject({ code: ErrorCode.NO_ACTIVE_HANDOFF });
      const [session] = await manager.listHandoffs({ threadId, tenantId: TENANT });
      expect(await manager.getTransitions({ handoffId: session!.handoffId, tenantId: "globex" })).toEqual([]);
      expect(await manager.isHandoffActive({ threadId, tenantId: TENANT })).toBe(true);
    });

    it("bad input gets a clear error naming the field, and nothing is written", async () => {
      const threadId = await newThread();
      const count = async () =>
        Number(
          (
            await database.db
              .selectFrom("handoff_sessions")
              .select((eb) => eb.fn.countAll().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ tenantId: "" }, /^tenantId:/],
        [{ threadId: "not-a-uuid" }, /^threadId: must be a UUID/],
        [{ userId: "" }, /^userId:/],
        [{ sourceAgentId: "" }, /^sourceAgentId:/],
        [{ handoffReason: "" }, /^handoffReason: must not be empty/],
        [{ contextSummary: "x".repeat(20_001) }, /^contextSummary: must be at most/],
        [{ targetAgentCard: { identity: { id: "x", name: "x" } } }, /^targetAgentCard\.service\.endpoint/],
        [
          { targetAgentCard: { identity: { id: "", name: "x" }, service: { endpoint: "http://x" } } },
          /^targetAgentCard\.identity\.id/,
        ],
      ];
      for (const [override, message] of cases) {
        await expect(initiate(threadId, specialist.card, override)).rejects.toThrow(message);
      }
      await expect(manager.cancelHandoff({ threadId, tenantId: TENANT, reason: "" })).rejects.toThrow(
        /^reason:/,
      );
      await expect(manager.listHandoffs({ threadId: "x", tenantId: TENANT })).rejects.toThrow(/^threadId:/);
      expect(await manager.getActiveHandoff({ threadId: "' OR 1=1 --", tenantId: TENANT })).toBeNull();
      expect(await count()).toBe(before);
    });

    it("RBAC: initiate needs handoff:initiate, cancel needs handoff:cancel", async () => {
      const rbac = new RbacService(database);
      const guarded = new HandoffManager({ a2aClient: client, conversationRepo: repo, rbac });
      const threadId = await newThread(TENANT, "eve");
      const opts = {
        threadId,
        tenantId: TENANT,
        userId: "eve",
        sourceAgentId: "main-chatbot",
        targetAgentCard: specialist.card,
        contextSummary: "s",
        handoffReason: "r",
      };
      await rbac.assignRole({ tenantId: TENANT, userId: "eve", role: Role.VIEWER });
      await expect(guarded.initiateHandoff(opts)).rejects.toBeInstanceOf(PermissionDeniedError);
      await rbac.assignRole({ tenantId: TENANT, userId: "eve", role: Role.END_USER });
      expect((await guarded.initiateHandoff(opts)).accepted).toBe(true);
      await expect(guarded.cancelHandoff({ threadId, tenantId: TENANT, reason: "r" })).rejects.toBeInstanceOf(
        PermissionDeniedError,
      );
      await rbac.assignRole({ tenantId: TENANT, userId: "ops", role: Role.OPERATOR });
      const cancelled = await guarded.cancelHandoff({
        threadId,
        tenantId: TENANT,
        reason: "r",
        userId: "ops",
      });
      expect(cancelled.state).toBe(HandoffState.CANCELLED);
    });

    it("50 concurrent initiates on one thread in one process: exactly one accepted, one live row", async () => {
      const threadId = await newThread();
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () =>
          initiate(threadId).then(
            (r) => (r.accepted ? "accepted" : "rejected"),
            (e: unknown) =>
              (e as HandoffError).code === ErrorCode.HANDOFF_ALREADY_ACTIVE ? "busy" : String(e),
          ),
        ),
      );
      expect(outcomes.filter((o) => o === "accepted")).toHaveLength(1);
      expect(outcomes.filter((o) => o === "busy")).toHaveLength(49);
      const live = await database.db
        .selectFrom("handoff_sessions")
        .select("id")
        .where("thread_id", "=", threadId)
        .where("state", "in", ["pending", "active"])
        .execute();
      expect(live).toHaveLength(1);
    });
  });
}
