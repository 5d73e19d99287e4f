import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlConversationRepository } from "../../../src/storage/sql/sql-conversation-repository.js";
import { SqliteConversationRepository } from "../../../src/storage/sql/sql-conversation-repository.js";
import { ConversationType, MessageRole } from "../../../src/conversation/models.js";
import type { OrchestrationError } from "../../../src/errors.js";
import { ErrorCode, ThreadAccessError, ValidationError } from "../../../src/errors.js";
import type { Database } from "../../../src/storage/database.js";
import { databaseTargets, openDatabase } from "../../helpers/databases.js";

const SQL_METACHARACTERS = [
  "'; DROP TABLE conversations; --",
  'Robert"); DELETE FROM messages; --',
  "%_\\' OR 1=1 --",
  "$1 $$ ` \u00a0 \ud83d\ude00 NUL-free ; /* */",
];

async function rowCounts(database: Database) {
  const conversations = await database.db
    .selectFrom("conversations")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  const messages = await database.db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return { conversations: Number(conversations.n), messages: Number(messages.n) };
}

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`SqlConversationRepository [${target.name}]`, () => {
    let database: Database;
    let repo: SqlConversationRepository;

    beforeAll(async () => {
      database = await openDatabase(target);
      repo = new SqliteConversationRepository(database);
    });
    afterAll(async () => {
      await database?.close();
    });

    it("creates a conversation with a caller-given id and reads it back", async () => {
      const id = randomUUID();
      const created = await repo.createConversation({
        tenantId: "t1",
        userId: "u1",
        title: "Slack alerts",
        conversationType: ConversationType.SKILL_CREATION,
        conversationId: id,
        metadata: { source: "test" },
      });
      expect(created).toMatchObject({
        id,
        tenantId: "t1",
        userId: "u1",
        title: "Slack alerts",
        conversationType: "skill_creation",
      });
      const read = await repo.getConversation({ conversationId: id, tenantId: "t1" });
      expect(read).toEqual(created);
      expect(read?.metadata).toEqual({ source: "test" });
    });

    it("generates a UUID when no id is given and defaults to chat", async () => {
      const created = await repo.createConversation({ tenantId: "t1", userId: "u1" });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.conversationType).toBe(ConversationType.CHAT);
    });

    it("refuses a duplicate id the same way whichever tenant owns it", async () => {
      const id = randomUUID();
      await repo.createConversation({ tenantId: "t1", userId: "u1", conversationId: id });
      for (const tenantId of ["t1", "t2"]) {
        await expect(
          repo.createConversation({ tenantId, userId: "u1", conversationId: id }),
        ).rejects.toMatchObject({
          code: ErrorCode.ALREADY_EXISTS,
        });
      }
    });

    it("lists by tenant (and optionally user), newest first, paged", async () => {
      const tenantId = `list-${randomUUID()}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const c = await repo.createConversation({
          tenantId,
          userId: i % 2 === 0 ? "alice" : "bob",
          title: `c${i}`,
        });
        ids.push(c.id);
        await new Promise((r) => setTimeout(r, 3));
      }
      const all = await repo.listConversations({ tenantId });
      expect(all.map((c) => c.title)).toEqual(["c4", "c3", "c2", "c1", "c0"]);
      const alice = await repo.listConversations({ tenantId, userId: "alice" });
      expect(alice.map((c) => c.title)).toEqual(["c4", "c2", "c0"]);
      const page = await repo.listConversations({ tenantId, limit: 2, offset: 1 });
      expect(page.map((c) => c.title)).toEqual(["c3", "c2"]);
      expect(await repo.listConversations({ tenantId: "nobody-here" })).toEqual([]);
    });

    it("updates title, type, metadata and state", async () => {
      const c = await repo.createConversation({ tenantId: "t1", userId: "u1", title: "before" });
      const updated = await repo.updateConversation({
        conversationId: c.id,
        tenantId: "t1",
        title: "after",
        conversationType: ConversationType.DEBUGGING_SESSION,
        metadata: { k: 1 },
      });
      expect(updated).toMatchObject({
        title: "after",
        conversationType: "debugging_session",
        metadata: { k: 1 },
      });
      const withState = await repo.updateState({
        conversationId: c.id,
        tenantId: "t1",
        state: { step: "triggers" },
      });
      expect(withState.state).toEqual({ step: "triggers" });
      expect(withState.updatedAt.getTime()).toBeGreaterThanOrEqual(c.updatedAt.getTime());
    });

    it("adds messages and reads them oldest first, paged and recent", async () => {
      const c = await repo.createConversation({ tenantId: "t1", userId: "u1" });
      const ref = { conversationId: c.id, tenantId: "t1" };
      for (let i = 0; i < 6; i++) {
        await repo.addMessage({
          ...ref,
          role: i === 2 ? MessageRole.SYSTEM : i % 2 === 0 ? MessageRole.USER : MessageRole.ASSISTANT,
          content: `m${i}`,
          ...(i % 2 === 1 ? { agentId: "knowledge-agent" } : {}),
        });
      }
      const all = await repo.getMessages(ref);
      expect(all.map((m) => m.content)).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
      expect(all[1]?.agentId).toBe("knowledge-agent");
      expect(all[0]?.agentId).toBeUndefined();
      expect((await repo.getMessages({ ...ref, limit: 2, offset: 2 })).map((m) => m.content)).toEqual([
        "m2",
        "m3",
      ]);
      expect((await repo.getRecentMessages({ ...ref, limit: 3 })).map((m) => m.content)).toEqual([
        "m3",
        "m4",
        "m5",
      ]);
      expect(
        (await repo.getRecentMessages({ ...ref, limit: 4, includeSystem: false })).map((m) => m.content),
      ).toEqual(["m1", "m3", "m4", "m5"]);
    });

    it("stores SQL metacharacters verbatim in every text field", async () => {
      for (const text of SQL_METACHARACTERS) {
        const c = await repo.createConversation({
          tenantId: "t-meta",
          userId: "u1",
          title: text,
          metadata: { [text]: text },
        });
        await repo.addMessage({
          conversationId: c.id,
          tenantId: "t-meta",
          role: MessageRole.USER,
          content: text,
          metadata: { text },
        });
        const read = await repo.getConversation({ conversationId: c.id, tenantId: "t-meta" });
        expect(read?.title).toBe(text);
        expect(read?.metadata).toEqual({ [text]: text });
        const [message] = await repo.getMessages({ conversationId: c.id, tenantId: "t-meta" });
        expect(message?.content).toBe(text);
        // The metacharacters are also harmless as tenant-like lookups: nothing matches, nothing breaks.
        expect(await repo.listConversations({ tenantId: text.replaceAll(" ", "_").slice(0, 100) })).toEqual(
          [],
        );
      }
      expect((await rowCounts(database)).conversations).toBeGreaterThan(0);
    });

    describe("bad input gets a clear error naming the field, and nothing is written", () => {
      // A stored message may be as large as an agent's reply (8 MiB), more than a user may send.
      const oversizedContent = "x".repeat(8 * 1024 * 1024 + 1);
      const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
        [
          "empty tenant on create",
          () => repo.createConversation({ tenantId: "", userId: "u1" }),
          /^tenantId: must not be empty/,
        ],
        ["blank tenant", () => repo.createConversation({ tenantId: "   ", userId: "u1" }), /^tenantId:/],
        ["missing user", () => repo.createConversation({ tenantId: "t1" } as never), /^userId: is required/],
        [
          "non-UUID id",
          () => repo.createConversation({ tenantId: "t1", userId: "u1", conversationId: "thread-1" }),
          /^conversationId: must be a UUID/,
        ],
        [
          "oversized title",
          () => repo.createConversation({ tenantId: "t1", userId: "u1", title: "t".repeat(501) }),
          /^title: must be at most 500/,
        ],
        [
          "unknown type",
          () =>
            repo.createConversation({ tenantId: "t1", userId: "u1", conversationType: "poetry" as never }),
          /^conversationType: must be one of/,
        ],
        [
          "oversized tenant",
          () => repo.createConversation({ tenantId: "t".repeat(129), userId: "u1" }),
          /^tenantId: must be at most 128/,
        ],
        [
          "non-object metadata",
          () => repo.createConversation({ tenantId: "t1", userId: "u1", metadata: [] as never }),
          /^metadata:/,
        ],
        [
          "empty tenant on get",
          () => repo.getConversation({ conversationId: randomUUID(), tenantId: "" }),
          /^tenantId:/,
        ],
        [
          "non-UUID on get",
          () => repo.getConversation({ conversationId: "1 OR 1=1", tenantId: "t1" }),
          /^conversationId:/,
        ],
        ["empty tenant on list", () => repo.listConversations({ tenantId: "" }), /^tenantId:/],
        [
          "bad limit",
          () => repo.listConversations({ tenantId: "t1", limit: 0 }),
          /^limit: must be at least 1/,
        ],
        [
          "huge limit",
          () => repo.listConversations({ tenantId: "t1", limit: 1_000_000 }),
          /^limit: must be at most/,
        ],
        [
          "negative offset",
          () => repo.getMessages({ conversationId: randomUUID(), tenantId: "t1", offset: -1 }),
          /^offset:/,
        ],
        [
          "empty tenant on addMessage",
          () => repo.addMessage({ conversationId: randomUUID(), tenantId: "", role: "user", content: "x" }),
          /^tenantId:/,
        ],
        [
          "oversized message",
          () =>
            repo.addMessage({
              conversationId: randomUUID(),
              tenantId: "t1",
              role: "user",
              content: oversizedContent,
            }),
          /^content: must be at most 8388608 bytes/,
        ],
        [
          "unknown role",
          () =>
            repo.addMessage({
              conversationId: randomUUID(),
              tenantId: "t1",
              role: "robot" as never,
              content: "x",
            }),
          /^role: must be one of/,
        ],
        [
          "state not an object",
          () => repo.updateState({ conversationId: randomUUID(), tenantId: "t1", state: "x" as never }),
          /^state:/,
        ],
      ];
      it.each(cases)("%s", async (_name, call, message) => {
        const before = await rowCounts(database);
        const error = await call().then(
          () => expect.unreachable("should have thrown"),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as OrchestrationError).code).toBe(ErrorCode.INVALID_INPUT);
        expect((error as Error).message).toMatch(message);
        expect(await rowCounts(database)).toEqual(before);
      });
    });

    it("treats another tenant's thread exactly like a missing one", async () => {
      const c = await repo.createConversation({ tenantId: "owner", userId: "u1" });
      await repo.addMessage({
        conversationId: c.id,
        tenantId: "owner",
        role: "user",
        content: "secret plan",
      });
      const missing = randomUUID();
      for (const conversationId of [c.id, missing]) {
        const ref = { conversationId, tenantId: "intruder" };
        expect(await repo.getConversation(ref)).toBeNull();
        expect(await repo.getMessages(ref)).toEqual([]);
        expect(await repo.getRecentMessages(ref)).toEqual([]);
        const errors = await Promise.all([
          repo.addMessage({ ...ref, role: "user", content: "x" }).catch((e: unknown) => e),
          repo.updateConversation({ ...ref, title: "pwned" }).catch((e: unknown) => e),
          repo.updateState({ ...ref, state: { pwned: true } }).catch((e: unknown) => e),
        ]);
        for (const error of errors) {
          expect(error).toBeInstanceOf(ThreadAccessError);
          expect((error as Error).message).toBe(`Thread ${conversationId} not found or not accessible`);
        }
      }
      const owner = await repo.getConversation({ conversationId: c.id, tenantId: "owner" });
      expect(owner?.title).toBe("");
      expect(owner?.state).toEqual({});
      expect(
        (await repo.getMessages({ conversationId: c.id, tenantId: "owner" })).map((m) => m.content),
      ).toEqual(["secret plan"]);
    });

    it("property: random cross-tenant reads and writes never leak or modify another tenant's data", async () => {
      const tenants = ["ta", "tb", "tc"].map((t) => `${t}-${randomUUID().slice(0, 8)}`);
      const owned = new Map<string, string>(); // threadId -> tenant
      for (const tenantId of tenants) {
        for (let i = 0; i < 2; i++) {
          const c = await repo.createConversation({ tenantId, userId: "u", title: `${tenantId}-title` });
          await repo.addMessage({ conversationId: c.id, tenantId, role: "user", content: `${tenantId}-msg` });
          owned.set(c.id, tenantId);
        }
      }
      const threadIds = [...owned.keys()];
      const op = fc.record({
        tenant: fc.constantFrom(...tenants),
        thread: fc.constantFrom(...threadIds),
        kind: fc.constantFrom("get", "messages", "recent", "list", "add", "update", "state"),
      });
      let leaks = 0;
      let crossTenantOps = 0;
      await fc.assert(
        fc.asyncProperty(op, async ({ tenant, thread, kind }) => {
          const ref = { conversationId: thread, tenantId: tenant };
          const isOwner = owned.get(thread) === tenant;
          if (!isOwner) crossTenantOps++;
          switch (kind) {
            case "get": {
              const c = await repo.getConversation(ref);
              if (!isOwner && c !== null) leaks++;
              if (c && c.tenantId !== tenant) leaks++;
              break;
            }
            case "messages":
            case "recent": {
              const ms =
                kind === "messages" ? await repo.getMessages(ref) : await repo.getRecentMessages(ref);
              if (!isOwner && ms.length > 0) leaks++;
              if (ms.some((m) => m.tenantId !== tenant || !m.content.startsWith(tenant))) leaks++;
              break;
            }
            case "list": {
              const cs = await repo.listConversations({ tenantId: tenant });
              if (cs.some((c) => c.tenantId !== tenant || owned.get(c.id) !== tenant)) leaks++;
              break;
            }
            default: {
              const write =
                kind === "add"
                  ? repo.addMessage({ ...ref, role: "user", content: `${tenant}-msg` })
                  : kind === "update"
                    ? repo.updateConversation({ ...ref, title: `${tenant}-title` })
                    : repo.updateState({ ...ref, state: { by: tenant } });
              const outcome = await write.then(
                () => "ok",
                (e: unknown) => e,
              );
              if (isOwner && outcome !== "ok") leaks++;
              if (!isOwner && !(outcome instanceof ThreadAccessError)) leaks++;
            }
          }
        }),
        { numRuns: 150, seed: 4242 },
      );
      expect(crossTenantOps).toBeGreaterThan(50);
      expect(leaks).toBe(0);
      // Every thread's data is still its owner's alone.
      for (const [threadId, tenantId] of owned) {
        const c = await repo.getConversation({ conversationId: threadId, tenantId });
        expect(c?.title).toBe(`${tenantId}-title`);
        const state = c?.state as { by?: string };
        if (state.by !== undefined) expect(state.by).toBe(tenantId);
        const ms = await repo.getMessages({ conversationId: threadId, tenantId, limit: 1000 });
        expect(ms.every((m) => m.content === `${tenantId}-msg`)).toBe(true);
      }
    });
  });
}
