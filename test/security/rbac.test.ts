import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, PermissionDeniedError, ValidationError } from "../../src/errors.js";
import { Permission, RbacService, Role, checkPermission } from "../../src/security/rbac.js";
import type { Database } from "../../src/storage/database.js";
import { databaseTargets, openDatabase } from "../helpers/databases.js";

describe("checkPermission: the role matrix", () => {
  const expected: Record<Role, Permission[]> = {
    end_user: [Permission.HANDOFF_INITIATE],
    viewer: [],
    auditor: [],
    operator: [Permission.ORCHESTRATION_DELEGATE, Permission.HANDOFF_INITIATE, Permission.HANDOFF_CANCEL],
    developer: [Permission.ORCHESTRATION_DELEGATE, Permission.HANDOFF_INITIATE, Permission.HANDOFF_CANCEL],
    admin: [Permission.ORCHESTRATION_DELEGATE, Permission.HANDOFF_INITIATE, Permission.HANDOFF_CANCEL],
  };
  for (const role of Object.values(Role)) {
    for (const permission of Object.values(Permission)) {
      const granted = expected[role].includes(permission);
      it(`${role} ${granted ? "has" : "lacks"} ${permission}`, () => {
        expect(checkPermission(role, permission)).toBe(granted);
      });
    }
  }
  it("enum values are the documented strings", () => {
    expect(Permission).toEqual({
      ORCHESTRATION_DELEGATE: "orchestration:delegate",
      HANDOFF_INITIATE: "handoff:initiate",
      HANDOFF_CANCEL: "handoff:cancel",
    });
    expect(Object.values(Role)).toEqual(["end_user", "viewer", "operator", "developer", "auditor", "admin"]);
  });
  it("unknown roles and permissions grant nothing", () => {
    expect(checkPermission("superuser", Permission.HANDOFF_CANCEL)).toBe(false);
    expect(checkPermission(Role.ADMIN, "everything")).toBe(false);
  });
});

for (const target of databaseTargets()) {
  describe.skipIf(!target.available)(`RbacService [${target.name}]`, () => {
    let database: Database;
    let rbac: RbacService;
    beforeAll(async () => {
      database = await openDatabase(target);
      rbac = new RbacService(database);
    });
    afterAll(async () => {
      await database?.close();
    });

    it("grants what the assigned role allows, per tenant", async () => {
      await rbac.assignRole({ tenantId: "acme", userId: "alice", role: Role.END_USER });
      expect(await rbac.hasPermission("alice", "acme", Permission.HANDOFF_INITIATE)).toBe(true);
      expect(await rbac.hasPermission("alice", "acme", Permission.ORCHESTRATION_DELEGATE)).toBe(false);
      // The same user in another tenant has no role there.
      expect(await rbac.hasPermission("alice", "globex", Permission.HANDOFF_INITIATE)).toBe(false);
    });

    it("assignRole is idempotent; several roles combine; revoke removes one", async () => {
      await rbac.assignRole({ tenantId: "acme", userId: "bob", role: Role.VIEWER });
      await rbac.assignRole({ tenantId: "acme", userId: "bob", role: Role.VIEWER });
      expect(await rbac.getRoles({ tenantId: "acme", userId: "bob" })).toEqual(["viewer"]);
      expect(await rbac.hasPermission("bob", "acme", Permission.HANDOFF_CANCEL)).toBe(false);
      await rbac.assignRole({ tenantId: "acme", userId: "bob", role: Role.OPERATOR });
      expect(await rbac.getRoles({ tenantId: "acme", userId: "bob" })).toEqual(["operator", "viewer"]);
      expect(await rbac.hasPermission("bob", "acme", Permission.HANDOFF_CANCEL)).toBe(true);
      expect(await rbac.revokeRole({ tenantId: "acme", userId: "bob", role: Role.OPERATOR })).toBe(true);
      expect(await rbac.revokeRole({ tenantId: "acme", userId: "bob", role: Role.OPERATOR })).toBe(false);
      expect(await rbac.hasPermission("bob", "acme", Permission.HANDOFF_CANCEL)).toBe(false);
    });

    it("requirePermission throws PermissionDeniedError naming the permission", async () => {
      await rbac.assignRole({ tenantId: "acme", userId: "carol", role: Role.AUDITOR });
      const error = await rbac
        .requirePermission("carol", "acme", Permission.ORCHESTRATION_DELEGATE)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as PermissionDeniedError).code).toBe(ErrorCode.PERMISSION_DENIED);
      expect((error as PermissionDeniedError).permission).toBe("orchestration:delegate");
      await rbac.assignRole({ tenantId: "acme", userId: "dave", role: Role.ADMIN });
      await expect(
        rbac.requirePermission("dave", "acme", Permission.ORCHESTRATION_DELEGATE),
      ).resolves.toBeUndefined();
    });

    it("rejects bad input and writes nothing", async () => {
      const count = async () =>
        Number(
          (
            await database.db
              .selectFrom("role_assignments")
              .select((eb) => eb.fn.countAll().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      await expect(rbac.assignRole({ tenantId: "", userId: "x", role: Role.ADMIN })).rejects.toThrow(
        /^tenantId: must not be empty/,
      );
      await expect(rbac.assignRole({ tenantId: "t", userId: "", role: Role.ADMIN })).rejects.toThrow(
        /^userId:/,
      );
      await expect(rbac.assignRole({ tenantId: "t", userId: "x", role: "root" as never })).rejects.toThrow(
        /^role: must be one of/,
      );
      await expect(rbac.hasPermission("x", "", Permission.HANDOFF_CANCEL)).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(rbac.hasPermission("x", "t", "fly" as never)).rejects.toThrow(/^permission:/);
      await expect(
        rbac.assignRole({ tenantId: "'; drop table role_assignments; --", userId: "x", role: Role.VIEWER }),
      ).resolves.toBeUndefined();
      expect(await count()).toBe(before + 1);
    });
  });
}
