/**
 * The audit trail of every call that leaves for an agent: delegations, routed turns, handoff
 * requests, handoff turns and cancel notifications, one record each (who, which thread, which
 * agent, what kind, how it ended, how long it took — never message content). The managers write
 * it through this interface; the SQL implementation lives with storage.
 */
import type { DelegationStrategy } from "./types.js";

/** What kind of call a record describes. */
export const AgentCallKind = {
  /** One agent of `delegateToAgents`. */
  DELEGATION: "delegation",
  /** A routed message answered by a default agent (no handoff holds the thread). */
  ROUTED_TURN: "routed_turn",
  /** The handoff request sent when a handoff starts. */
  HANDOFF_REQUEST: "handoff_request",
  /** A user message routed to the specialist of an active handoff. */
  HANDOFF_TURN: "handoff_turn",
  /** The cancel notification sent to a specialist. */
  HANDOFF_CANCEL: "handoff_cancel",
} as const;
export type AgentCallKind = (typeof AgentCallKind)[keyof typeof AgentCallKind];

/** How a call ended. */
export const AgentCallOutcome = {
  SUCCESS: "success",
  FAILURE: "failure",
  /** Stopped on purpose: a FIRST_SUCCESS loser, a consumer that stopped reading, a caller's abort. */
  CANCELLED: "cancelled",
} as const;
export type AgentCallOutcome = (typeof AgentCallOutcome)[keyof typeof AgentCallOutcome];

/** One audited call. */
export interface AgentCallRecord {
  tenantId: string;
  threadId: string;
  userId: string;
  agentId: string;
  kind: AgentCallKind;
  outcome: AgentCallOutcome;
  /** `outcome === "success"`. */
  success: boolean;
  errorCode?: string;
  latencyMs: number;
  /** Groups the agents of one delegation. */
  delegationId?: string;
  strategy?: DelegationStrategy;
  handoffId?: string;
  createdAt: Date;
}

/** A record to write (`success` and `createdAt` are derived). */
export type NewAgentCallRecord = Omit<AgentCallRecord, "success" | "createdAt">;

/** Filters of {@link AgentCallAudit.list}; always one tenant. */
export interface AgentCallQuery {
  tenantId: string;
  threadId?: string;
  agentId?: string;
  kind?: AgentCallKind;
  /** Only records created strictly before this instant (paging backwards). */
  before?: Date;
  /** Default 100. */
  limit?: number;
}

/** Where audit records go. */
export interface AgentCallAudit {
  record(records: readonly NewAgentCallRecord[]): Promise<void>;
  /** Newest first. */
  list(query: AgentCallQuery): Promise<AgentCallRecord[]>;
}

/** The outcome an error code stands for: aborts are cancellations, anything else a failure. */
export function outcomeOf(errorCode: string | undefined): AgentCallOutcome {
  if (errorCode === undefined) return AgentCallOutcome.SUCCESS;
  return errorCode === "ABORTED" ? AgentCallOutcome.CANCELLED : AgentCallOutcome.FAILURE;
}
