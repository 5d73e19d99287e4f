/**
 * Role-based access control: the role matrix, and role assignments stored per tenant and user.
 */
import { z } from "zod";
import type { Database } from "../storage/database.js";
import { enumSchema, identifierSchema, parseInput } from "../validation.js";
import { PermissionDeniedError } from "../errors.js";

export const Permission = {
  ORCHESTRATION_DELEGATE: "orchestration:delegate",
  HANDOFF_INITIATE: "handoff:initiate",
  HANDOFF_CANCEL: "handoff:cancel",
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const Role = {
  END_USER: "end_user",
  VIEWER: "viewer",
  OPERATOR: "operator",
  DEVELOPER: "developer",
  AUDITOR: "auditor",
  ADMIN: "admin",
} as const;
export type Role = (typeof Role)[keyof typeof Role];

const ALL: readonly Permission[] = Object.values(Permission);

/** The role matrix (DESIGN.md). */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  [Role.END_USER]: [Permission.HANDOFF_INITIATE],
  [Role.VIEWER]: [],
  [Role.AUDITOR]: [],
  [Role.OPERATOR]: ALL,
  [Role.DEVELOPER]: ALL,
  [Role.ADMIN]: ALL,
});

/** True when `role` grants `permission`. Unknown roles grant nothing. */
export function checkPermission(role: Role | string, permission: Permission | string): boolean {
  const granted = (ROLE_PERMISSIONS as Record<string, readonly string[]>)[role];
  return granted !== undefined && granted.includes(permission);
}

export const roleSchema = enumSchema(Object.values(Role));
export const permissionSchema = enumSchema(Object.values(Permission));

const assignmentSchema = z.object({ tenantId: identifierSchema, userId: identifierSchema, role: roleSchema });
const userSchema = z.object({ tenantId: identifierSchema, userId: identifierSchema });

/** What a manager needs from RBAC: one question. */
export interface PermissionChecker {
  hasPermission(userId: string, tenantId: string, permission: Permission): Promise<boolean>;
}

/** Role assignments stored in the database, per tenant and user. A user may hold several roles. */
export class RbacService implements PermissionChecker {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /** Grants `role` to the user in the tenant. Idempotent. */
  async assignRole(input: { tenantId: string; userId: string; role: Role }): Promise<void> {
    const value = parseInput(assignmentSchema, input);
    await this.#database.db
      .insertInto("role_assignments")
      .values({
        tenant_id: value.tenantId,
        user_id: value.userId,
        role: value.role,
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.columns(["tenant_id", "user_id", "role"]).doNothing())
      .execute();
  }

  /** Removes `role` from the user; true when it was held. */
  async revokeRole(input: { tenantId: string; userId: string; role: Role }): Promise<boolean> {
    const value = parseInput(assignmentSchema, input);
    const result = await this.#database.db
      .deleteFrom("role_assignments")
      .where("tenant_id", "=", value.tenantId)
      .where("user_id", "=", value.userId)
      .where("role", "=", value.role)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The user's roles in the tenant, sorted. */
  async getRoles(input: { tenantId: string; userId: string }): Promise<Role[]> {
    const value = parseInput(userSchema, input);
    const rows = await this.#database.db
      .selectFrom("role_assignments")
      .select("role")
      .where("tenant_id", "=", value.tenantId)
      .where("user_id", "=", value.userId)
      .orderBy("role")
      .execute();
    return rows.map((row) => row.role as Role);
  }

  /** True when any of the user's roles in the tenant grants `permission`. */
  async hasPermission(userId: string, tenantId: string, permission: Permission): Promise<boolean> {
    parseInput(permissionSchema, permission, "permission");
    const roles = await this.getRoles({ tenantId, userId });
    return roles.some((role) => checkPermission(role, permission));
  }

  /** Throws {@link PermissionDeniedError} unless the user holds `permission`. */
  async requirePermission(userId: string, tenantId: string, permission: Permission): Promise<void> {
    if (!(await this.hasPermission(userId, tenantId, permission))) {
      throw new PermissionDeniedError(permission, { context: { tenantId, userId } });
    }
  }
}
