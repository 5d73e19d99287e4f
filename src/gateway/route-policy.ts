/**
 * Who may call what: one table from gateway operation to the access it needs. Routes and the
 * service both consult it, so the rule for an operation is written exactly once.
 */
import { PermissionDeniedError } from "../errors.js";
import type { ApiKeyPrincipal } from "../security/api-keys.js";
import { Permission, Role, checkPermission } from "../security/rbac.js";

/** The access an operation needs. */
export type AccessPolicy =
  /** No API key needed (health probes, the console page, the OpenAPI document). */
  | { kind: "public" }
  /** Any of these roles. */
  | { kind: "roles"; name: string; roles: readonly Role[] }
  /** A permission from the RBAC matrix, checked with {@link checkPermission}. */
  | { kind: "permission"; permission: Permission };

const ALL_ROLES: readonly Role[] = Object.freeze(Object.values(Role));

/** The named policies the route table uses. */
export const AccessPolicies = Object.freeze({
  public: { kind: "public" },
  /** Reading threads, messages, handoff state, agents and delegation records. */
  read: { kind: "roles", name: "gateway:read", roles: ALL_ROLES },
  /** Sending a message to the router: everyone who can chat (not viewers or auditors). */
  chat: {
    kind: "roles",
    name: "gateway:chat",
    roles: Object.freeze([Role.END_USER, Role.OPERATOR, Role.DEVELOPER, Role.ADMIN]),
  },
  delegate: { kind: "permission", permission: Permission.ORCHESTRATION_DELEGATE },
  handoffInitiate: { kind: "permission", permission: Permission.HANDOFF_INITIATE },
  handoffCancel: { kind: "permission", permission: Permission.HANDOFF_CANCEL },
  /** Registering and removing a tenant's agents. */
  agentsWrite: {
    kind: "roles",
    name: "gateway:agents:write",
    roles: Object.freeze([Role.OPERATOR, Role.DEVELOPER, Role.ADMIN]),
  },
  /** Reading and changing the tenant's routing setting. */
  routingAdmin: {
    kind: "roles",
    name: "gateway:routing:admin",
    roles: Object.freeze([Role.ADMIN]),
  },
  /** Reading the tenant's audit trail of agent calls. */
  auditRead: {
    kind: "roles",
    name: "audit:read",
    roles: Object.freeze([Role.AUDITOR, Role.ADMIN]),
  },
} as const satisfies Record<string, AccessPolicy>);

/** Every gateway operation (an OpenAPI operationId) and the access it needs. */
export const OPERATION_POLICIES = Object.freeze({
  healthz: AccessPolicies.public,
  me: AccessPolicies.read,
  readyz: AccessPolicies.public,
  console: AccessPolicies.public,
  consoleAsset: AccessPolicies.public,
  openapi: AccessPolicies.public,
  createThread: AccessPolicies.chat,
  listThreads: AccessPolicies.read,
  getThread: AccessPolicies.read,
  renameThread: AccessPolicies.chat,
  getTimeline: AccessPolicies.read,
  listMessages: AccessPolicies.read,
  postMessage: AccessPolicies.chat,
  delegate: AccessPolicies.delegate,
  listDelegations: AccessPolicies.read,
  startHandoff: AccessPolicies.handoffInitiate,
  getHandoff: AccessPolicies.read,
  cancelHandoff: AccessPolicies.handoffCancel,
  completeHandoff: AccessPolicies.handoffCancel,
  listHandoffs: AccessPolicies.read,
  listAgents: AccessPolicies.read,
  getAgent: AccessPolicies.read,
  getAgentHealth: AccessPolicies.read,
  registerAgent: AccessPolicies.agentsWrite,
  removeAgent: AccessPolicies.agentsWrite,
  listAgentCalls: AccessPolicies.auditRead,
  getRouting: AccessPolicies.routingAdmin,
  updateRouting: AccessPolicies.routingAdmin,
  explainRoute: AccessPolicies.read,
} as const satisfies Record<string, AccessPolicy>);

/**
 * Which threads of the tenant a role reaches, on top of the operation's policy — one rule per kind
 * of access, applied the same way on every route:
 * - `read` (thread, messages, agent calls, handoff state): every thread of the tenant, except for
 *   `end_user`, who reaches only their own (another user's thread answers 404, like a missing one);
 * - `write` (post a message, delegate, start a handoff, rename — speaking in the thread): the thread's owner
 *   only; a role that can read the thread but does not own it gets 403;
 * - `supervise` (cancel or complete a handoff — `handoff:cancel`): every thread of the tenant.
 */
export type ThreadAccess = "read" | "write" | "supervise";

/** Roles that read every thread of their tenant; the rest read only their own. */
export const TENANT_WIDE_READERS: readonly Role[] = Object.freeze([
  Role.VIEWER,
  Role.AUDITOR,
  Role.OPERATOR,
  Role.DEVELOPER,
  Role.ADMIN,
]);

/** True when `role` sees threads it does not own. */
export function readsEveryThread(role: Role | string): boolean {
  return (TENANT_WIDE_READERS as readonly string[]).includes(role);
}

/** Every operation the principal may call (for `GET /v1/me`: what a UI may offer). */
export function allowedOperations(role: Role | string): OperationId[] {
  return (Object.keys(OPERATION_POLICIES) as OperationId[]).filter(
    (operation) =>
      OPERATION_POLICIES[operation].kind !== "public" && isAllowed(role, OPERATION_POLICIES[operation]),
  );
}

/** A gateway operation name. */
export type OperationId = keyof typeof OPERATION_POLICIES;

/** True when `role` satisfies `policy`. */
export function isAllowed(role: Role | string, policy: AccessPolicy): boolean {
  switch (policy.kind) {
    case "public":
      return true;
    case "roles":
      return (policy.roles as readonly string[]).includes(role);
    case "permission":
      return checkPermission(role, policy.permission);
  }
}

/** Throws {@link PermissionDeniedError} unless the principal may run `operation`. */
export function authorize(principal: ApiKeyPrincipal, operation: OperationId): void {
  const policy: AccessPolicy = OPERATION_POLICIES[operation];
  if (isAllowed(principal.role, policy)) return;
  throw new PermissionDeniedError(policyName(policy), {
    context: { tenantId: principal.tenantId, userId: principal.userId, role: principal.role },
  });
}

/** A policy's name as errors and the OpenAPI document show it. */
export function policyName(policy: AccessPolicy): string {
  switch (policy.kind) {
    case "public":
      return "public";
    case "roles":
      return policy.name;
    case "permission":
      return policy.permission;
  }
}

/** The roles a policy admits, for documentation. */
export function policyRoles(policy: AccessPolicy): Role[] {
  return ALL_ROLES.filter((role) => isAllowed(role, policy));
}
