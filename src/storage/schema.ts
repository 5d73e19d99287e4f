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
  /** Where the specialist's card comes from: "card" (the caller's, kept here) or "directory" (migration 0003). */
  target_source: string;
  /** The caller's card's credentials, sealed (AES-256-GCM); null without credentials or for "directory". */
  target_credentials: string | null;
  target_credentials_key_id: string | null;
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

/** The audit trail: one row per call that left for an agent (migration 0003; no message content). */
export interface AgentCallsTable {
  id: string;
  tenant_id: string;
  thread_id: string;
  user_id: string;
  agent_id: string;
  /** delegation | routed_turn | handoff_request | handoff_turn | handoff_cancel */
  kind: string;
  /** success | failure | cancelled */
  outcome: string;
  success: number;
  error_code: string | null;
  latency_ms: number;
  /** Groups the calls of one delegation. */
  delegation_id: string | null;
  strategy: string | null;
  handoff_id: string | null;
  created_at: string;
}

/** Shared request counters for rate limits (migration 0003). */
export interface RateLimitsTable {
  key: string;
  /** Start of the counter's fixed window, ms since the epoch. */
  window_start: number | string;
  count: number;
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
  /** JSON AgentCard, without credentials (since migration 0003). */
  card: string;
  created_at: string;
  /** The card's credentials, sealed with AES-256-GCM (migration 0003). */
  credentials: string | null;
  credentials_key_id: string | null;
  updated_at: string | null;
}

/** The task an agent left waiting for input in a thread (migration 0004). */
export interface OpenTasksTable {
  tenant_id: string;
  thread_id: string;
  agent_id: string;
  /** The handoff whose specialist asked; null outside a handoff. */
  handoff_id: string | null;
  task_id: string;
  context_id: string | null;
  /** TASK_STATE_INPUT_REQUIRED or TASK_STATE_AUTH_REQUIRED. */
  state: string;
  /** What the agent asked (its status message's text). */
  question: string;
  created_at: string;
  updated_at: string;
}

/** Tasks of agents served with serveAgent on a database: the SDK's DatabaseTaskStore layout (migration 0004). */
export interface A2ATasksTable {
  tenant: string;
  owner: string;
  id: string;
  context_id: string;
  status_last_updated: number | string;
  status_state: string | null;
  status: string | null;
  artifacts: string | null;
  history: string | null;
  metadata: string | null;
  protocol_version: string | null;
}

/** One event of a thread's turn (migration 0005): ids, kinds, timings, outcomes, codes — never text. */
export interface TurnEventsTable {
  tenant_id: string;
  thread_id: string;
  turn_id: string;
  /** The event's place in its turn, from 0. */
  seq: number;
  /** What started the turn: message | delegation | handoff_start | handoff_cancel | handoff_complete */
  turn_trigger: string;
  turn_started_at: string;
  turn_duration_ms: number | null;
  kind: string;
  /** Milliseconds from the turn's start. */
  at_ms: number;
  agent_id: string | null;
  duration_ms: number | null;
  /** success | failure | cancelled */
  outcome: string | null;
  error_code: string | null;
  /** JSON object, or null. */
  detail: string | null;
}

/** A tenant's routing setting (migration 0006); no row: routing is off. */
export interface TenantRoutingTable {
  tenant_id: string;
  /** 1: the router picks the agent for the tenant's messages. */
  enabled: number;
  max_agents: number;
  min_score: number;
  /** defaults | ask */
  fallback: string;
  updated_at: string;
  /** The user who last changed it. */
  updated_by: string;
}

export interface OmniForgeSchema {
  conversations: ConversationsTable;
  messages: MessagesTable;
  handoff_sessions: HandoffSessionsTable;
  handoff_events: HandoffEventsTable;
  agent_calls: AgentCallsTable;
  rate_limits: RateLimitsTable;
  role_assignments: RoleAssignmentsTable;
  api_keys: ApiKeysTable;
  tenant_agents: TenantAgentsTable;
  open_tasks: OpenTasksTable;
  a2a_tasks: A2ATasksTable;
  turn_events: TurnEventsTable;
  tenant_routing: TenantRoutingTable;
}
