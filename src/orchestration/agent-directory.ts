/**
 * Where the managers find a tenant's agents by id — card, endpoint and credentials. The database
 * behind it is the source of truth for every replica: nothing here is a process-wide map keyed
 * without the tenant.
 */
import type { AgentCard } from "../a2a/agent-card.js";

/** A tenant's agents, looked up by id. */
export interface AgentDirectory {
  /**
   * The agent `agentId` of `tenantId`, with its credentials (to call it), or undefined when the
   * tenant has no such agent. Another tenant's agent is indistinguishable from a missing one.
   */
  get(tenantId: string, agentId: string): Promise<AgentCard | undefined>;
}
