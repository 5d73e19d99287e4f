/**
 * The stores orchestration keeps beside the conversations. A conversation repository may offer
 * them (`SqlConversationRepository` does, on its own database): a manager given such a repository
 * needs nothing else; otherwise it is given each store it uses (HandoffManager's `store` and
 * `audit`, OrchestrationManager's `auditStore`, StreamRouter's `openTasks`).
 */
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import type { AgentCallAudit } from "./agent-call-audit.js";
import type { HandoffStore } from "./handoff-store.js";
import type { OpenTaskStore } from "./open-tasks.js";

export interface OrchestrationStores {
  handoffStore(): HandoffStore;
  agentCallAudit(): AgentCallAudit;
  openTaskStore(): OpenTaskStore;
}

/** The stores `repo` offers, when it offers them all. */
export function storesOf(repo: ConversationRepository): OrchestrationStores | undefined {
  const offered = repo as ConversationRepository & Partial<OrchestrationStores>;
  return typeof offered.handoffStore === "function" &&
    typeof offered.agentCallAudit === "function" &&
    typeof offered.openTaskStore === "function"
    ? (offered as OrchestrationStores)
    : undefined;
}
