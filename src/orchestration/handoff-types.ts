/**
 * The values handoff calls take and give: who starts a handoff and how, what it comes to, and
 * what a specialist hands back. `HandoffManager` re-exports them.
 */
import type { AgentCard } from "../a2a/agent-card.js";
import type { CompletionStatus } from "./types.js";

/** What a specialist hands back when it returns control. */
export interface HandoffReturn {
  threadId: string;
  tenantId: string;
  /** The specialist returning control. */
  sourceAgentId: string;
  /** Who gets control back (the agent that started the handoff). */
  targetAgentId: string;
  completionStatus: CompletionStatus;
  resultSummary?: string;
  artifactsCreated?: string[];
}

/** The outcome of `HandoffManager.initiateHandoff`. */
export interface HandoffAcceptance {
  accepted: boolean;
  handoffId?: string;
  estimatedDurationSeconds?: number;
  rejectionReason?: string;
}

export interface InitiateHandoffOptions {
  threadId: string;
  tenantId: string;
  userId: string;
  sourceAgentId: string;
  /**
   * The specialist, as a card (kept in the session, its credentials sealed). Give this or
   * `targetAgentId`.
   */
  targetAgentCard?: AgentCard;
  /** The specialist, by id in the tenant's agent directory (needs `agentDirectory`). */
  targetAgentId?: string;
  contextSummary: string;
  handoffReason: string;
  /** false: send summary and history unsanitized (a card's policy can also opt out). */
  sanitize?: boolean;
  signal?: AbortSignal;
}

export interface ThreadHandoffRef {
  threadId: string;
  tenantId: string;
  signal?: AbortSignal;
}
