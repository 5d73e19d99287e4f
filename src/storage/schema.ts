/** Row types of every table, as Kysely sees them. Timestamps are ISO-8601 UTC strings. */
import type { Generated } from "kysely";

export interface ConversationsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  title: string;
  conversation_type: string;
  /** JSON object: workflow state owned by the application. */
  state: string;
  /** JSON object. */
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  seq: Generated<number>;
  id: string;
  conversation_id: string;
  tenant_id: string;
  role: string;
  content: string;
  agent_id: string | null;
  metadata: string;
  created_at: string;
}

export interface HandoffSessionsTable {
  id: string;
  tenant_id: string;
  thread_id: string;
  user_id: string;
  source_agent_id: string;
  target_agent_id: string;
  /** JSON AgentCard: how to reach the specialist after a restart. */
  target_agent_card: string;
  state: string;
  context_summary: string;
  handoff_reason: string;
  estimated_duration_seconds: number | null;
  rejection_reason: string | null;
  result_summary: string | null;
  /** JSON string[]. */
  artifacts_created: string;
  idle_timeout_seconds: number;
  started_at: string;
  updated_at: string;
  last_activity_at: string;
  expires_at: string;
  completed_at: string | null;
  version: number;
}

export interface HandoffEventsTable {
  seq: Generated<number>;
  handoff_id: string;
  tenant_id: string;
  thread_id: string;
  from_state: string | null;
  to_state: string;
  reason: string | null;
  created_at: string;
}

export interface DelegationRecordsTable {
  id: string;
  delegation_id: string;
  tenant_id: string;
  thread_id: string;
  user_id: string;
  agent_id: string;
  strategy: string;
  success: number;
  error_code: string | null;
  latency_ms: number;
  created_at: string;
}

export interface RoleAssignmentsTable {
  tenant_id: string;
  user_id: string;
  role: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  user_id: string;
  role: string;
  name: string;
  /** SHA-256 of the secret, hex. */
  key_hash: string;
  /** The first characters of the key, to recognise it in listings. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Agents a tenant registered through the gateway (migration 0002). */
export interface TenantAgentsTable {
  tenant_id: string;
  agent_id: string;
  /** JSON AgentCard. */
  card: string;
  created_at: string;
}

export interface OmniForgeSchema {
  conversations: ConversationsTable;
  messages: MessagesTable;
  handoff_sessions: HandoffSessionsTable;
  handoff_events: HandoffEventsTable;
  delegation_records: DelegationRecordsTable;
  role_assignments: RoleAssignmentsTable;
  api_keys: ApiKeysTable;
  tenant_agents: TenantAgentsTable;
}
