import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, ValidationError } from "../../src/errors.js";
import { ApiKeyService } from "../../src/security/api-keys.js";
import { Role } from "../../src/security/rbac.js";
import type { Database } from "../../src/storage/database.js";
import { databaseTargets, openDatabase } from "../helpers/databases.js";

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`ApiKeyService [${target.name}]`, () => {
    let database: Database;
    let keys: ApiKeyService;
    beforeAll(async () => {
      database = await openDatabase(target);
      keys = new ApiKeyService(database);
    });
    afterAll(async () => {
      await database?.close();
    });

    it("creates an of_ key of 32 random bytes, shown once, stored only as its SHA-256", async () => {
      const created = await keys.create({
        tenantId: "acme",
        userId: "alice",
        role: Role.OPERATOR,
        name: "cli",
      });
      expect(created.key).toMatch(/^of_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(created.key.slice(3), "base64url")).toHaveLength(32);
      expect(created.prefix).toBe(created.key.slice(0, 10));
      expect(created).toMatchObject({ tenantId: "acme", userId: "alice", role: "operator", name: "cli" });

      const row = await database.db
        .selectFrom("api_keys")
        .selectAll()
        .where("id", "=", created.id)
        .executeTakeFirstOrThrow();
      expect(row.key_hash).toBe(createHash("sha256").update(created.key).digest("hex"));
      expect(JSON.stringify(row)).not.toContain(created.key);
    });

    it("two keys never collide", async () => {
      const a = await keys.create({ tenantId: "acme", userId: "alice", role: Role.VIEWER, name: "a" });
      const b = await keys.create({ tenantId: "acme", userId: "alice", role: Role.VIEWER, name: "b" });
      expect(a.key).not.toBe(b.key);
      expect(a.id).not.toBe(b.id);
    });

    it("verify maps a key to its principal and records when it was used", async () => {
      const created = await keys.create({
        tenantId: "acme",
        userId: "bob",
        role: Role.END_USER,
        name: "bob",
      });
      expect(
        (await keys.list({ tenantId: "acme" })).find((k) => k.id === created.id)?.lastUsedAt,
      ).toBeUndefined();
      expect(await keys.verify(created.key)).toEqual({
        keyId: created.id,
        tenantId: "acme",
        userId: "bob",
        role: "end_user",
      });
      const listed = (await keys.list({ tenantId: "acme" })).find((k) => k.id === created.id);
      expect(listed?.lastUsedAt).toBeInstanceOf(Date);
    });

    it("verify refuses unknown, malformed, truncated and revoked keys", async () => {
      const created = await keys.create({ tenantId: "acme", userId: "carol", role: Role.ADMIN, name: "c" });
      expect(await keys.verify(`of_${"A".repeat(43)}`)).toBeNull();
      expect(await keys.verify(created.key.slice(0, -1))).toBeNull();
      expect(await keys.verify(`${created.key}x`)).toBeNull();
      expect(await keys.verify("")).toBeNull();
      expect(await keys.verify(undefined)).toBeNull();
      expect(await keys.verify(42)).toBeNull();
      expect(await keys.revoke({ id: created.id, tenantId: "acme" })).toBe(true);
      expect(await keys.verify(created.key)).toBeNull();
      // Revoking twice, or another tenant's key, changes nothing.
      expect(await keys.revoke({ id: created.id, tenantId: "acme" })).toBe(false);
    });

    it("revoke is tenant-scoped: another tenant cannot revoke the key", async () => {
      const created = await keys.create({ tenantId: "acme", userId: "dan", role: Role.VIEWER, name: "d" });
      expect(await keys.revoke({ id: created.id, tenantId: "globex" })).toBe(false);
      expect(await keys.verify(created.key)).not.toBeNull();
    });

    it("list shows the tenant's keys without secrets or hashes, revoked ones marked", async () => {
      const created = await keys.create({
        tenantId: "initech",
        userId: "erin",
        role: Role.AUDITOR,
        name: "e",
      });
      await keys.create({ tenantId: "other", userId: "x", role: Role.AUDITOR, name: "x" });
      await keys.revoke({ id: created.id, tenantId: "initech" });
      const listed = await keys.list({ tenantId: "initech" });
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ id: created.id, prefix: created.prefix, role: "auditor", name: "e" });
      expect(listed[0]?.revokedAt).toBeInstanceOf(Date);
      const text = JSON.stringify(listed);
      expect(text).not.toContain(created.key);
      expect(text).not.toMatch(/hash/i);
      expect(text).not.toContain(createHash("sha256").update(created.key).digest("hex"));
    });

    it("rejects bad input with a ValidationError naming the field", async () => {
      const cases: Array<[unknown, string]> = [
        [{ tenantId: "", userId: "u", role: Role.ADMIN, name: "n" }, "tenantId"],
        [{ tenantId: "t", userId: " padded ", role: Role.ADMIN, name: "n" }, "userId"],
        [{ tenantId: "t", userId: "u", role: "superuser", name: "n" }, "role"],
        [{ tenantId: "t", userId: "u", role: Role.ADMIN, name: "   " }, "name"],
        [{ tenantId: "t", userId: "u", role: Role.ADMIN }, "name"],
      ];
      for (const [input, field] of cases) {
        const error = await keys.create(input as never).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).code).toBe(ErrorCode.INVALID_INPUT);
        expect((error as ValidationError).field).toBe(field);
      }
      await expect(keys.revoke({ id: "not-a-uuid", tenantId: "t" })).rejects.toMatchObject({ field: "id" });
      await expect(keys.list({ tenantId: "" })).rejects.toMatchObject({ field: "tenantId" });
      // Nothing half-written.
      expect(await keys.list({ tenantId: "t" })).toEqual([]);
    });
  });
}
