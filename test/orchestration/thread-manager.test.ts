import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { ThreadAccessError } from "../../src/errors.js";
import { ThreadManager } from "../../src/orchestration/thread-manager.js";
import type { Database } from "../../src/storage/database.js";
import { databaseTargets, openDatabase } from "../helpers/databases.js";

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`ThreadManager [${target.name}]`, () => {
    let database: Database;
    let repo: SqlConversationRepository;
    let threadId: string;
    beforeAll(async () => {
      database = await openDatabase(target);
      repo = new SqlConversationRepository(database);
      threadId = (await repo.createConversation({ tenantId: "t1", userId: "alice" })).id;
      const ref = { conversationId: threadId, tenantId: "t1" };
      await repo.addMessage({ ...ref, role: "user", content: "hello" });
      await repo.addMessage({ ...ref, role: "system", content: "Handoff started" });
      await repo.addMessage({ ...ref, role: "assistant", content: "hi", agentId: "kb" });
    });
    afterAll(async () => {
      await database?.close();
    });

    it("validateThread is true only for the owning tenant and user", async () => {
      const threads = new ThreadManager(repo);
      expect(await threads.validateThread({ threadId, tenantId: "t1", userId: "alice" })).toBe(true);
      expect(await threads.validateThread({ threadId, tenantId: "t1" })).toBe(true);
      expect(await threads.validateThread({ threadId: threadId.toUpperCase(), tenantId: "t1" })).toBe(true);
      expect(await threads.validateThread({ threadId, tenantId: "t1", userId: "bob" })).toBe(false);
      expect(await threads.validateThread({ threadId, tenantId: "t2", userId: "alice" })).toBe(false);
      expect(await threads.validateThread({ threadId: randomUUID(), tenantId: "t1" })).toBe(false);
    });

    it("validateThread never throws on garbage", async () => {
      const threads = new ThreadManager(repo);
      const garbage: unknown[] = [
        { threadId: "not-a-uuid", tenantId: "t1" },
        { threadId, tenantId: "" },
        { threadId, tenantId: "t1", userId: "" },
        { threadId: 42, tenantId: "t1" },
        { threadId: "' OR 1=1 --", tenantId: "t1" },
        null,
        undefined,
      ];
      for (const ref of garbage) expect(await threads.validateThread(ref as never)).toBe(false);
    });

    it("getRecentMessages hides system messages unless asked", async () => {
      const threads = new ThreadManager(repo);
      expect((await threads.getRecentMessages({ threadId, tenantId: "t1" })).map((m) => m.content)).toEqual([
        "hello",
        "hi",
      ]);
      expect(
        (await threads.getRecentMessages({ threadId, tenantId: "t1", includeSystem: true })).map(
          (m) => m.content,
        ),
      ).toEqual(["hello", "Handoff started", "hi"]);
      await expect(threads.getRecentMessages({ threadId, tenantId: "t2" })).rejects.toBeInstanceOf(
        ThreadAccessError,
      );
    });

    it("getThreadContext reads handoff state from the configured reader", async () => {
      const seen: unknown[] = [];
      const threads = new ThreadManager(repo, {
        handoffs: {
          isHandoffActive: async (ref) => {
            seen.push(ref);
            return true;
          },
        },
      });
      const context = await threads.getThreadContext({ threadId, tenantId: "t1", userId: "alice" });
      expect(context.thread.id).toBe(threadId);
      expect(context.recentMessages.map((m) => m.content)).toEqual(["hello", "hi"]);
      expect(context.isHandoffActive).toBe(true);
      expect(seen).toEqual([{ threadId, tenantId: "t1" }]);
      const plain = await new ThreadManager(repo).getThreadContext({ threadId, tenantId: "t1" });
      expect(plain.isHandoffActive).toBe(false);
      await expect(
        new ThreadManager(repo).getThreadContext({ threadId, tenantId: "t9" }),
      ).rejects.toBeInstanceOf(ThreadAccessError);
    });
  });
}
