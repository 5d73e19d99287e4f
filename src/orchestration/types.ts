/** Shared orchestration enums: const objects of string values, usable as types. */

/** How {@link OrchestrationManager.delegateToAgents} runs its agents. */
export const DelegationStrategy = {
  PARALLEL: "parallel",
  SEQUENTIAL: "sequential",
  FIRST_SUCCESS: "first_success",
} as const;
export type DelegationStrategy = (typeof DelegationStrategy)[keyof typeof DelegationStrategy];

/** The life cycle of one handoff session. PENDING and ACTIVE are "live"; the rest are terminal. */
export const HandoffState = {
  PENDING: "pending",
  ACTIVE: "active",
  COMPLETED: "completed",
  CANCELLED: "cancelled",
  REJECTED: "rejected",
  ERROR: "error",
  EXPIRED: "expired",
} as const;
export type HandoffState = (typeof HandoffState)[keyof typeof HandoffState];

/** How a specialist ended its workflow when it returns control. */
export const CompletionStatus = {
  COMPLETED: "completed",
  CANCELLED: "cancelled",
  ERROR: "error",
} as const;
export type CompletionStatus = (typeof CompletionStatus)[keyof typeof CompletionStatus];
