/**
 * The shapes the console reads from the gateway's API (see the OpenAPI document at /openapi.json),
 * for the type checker only: the console's modules are JavaScript checked with JSDoc.
 */

/** `GET /v1/me`. */
export interface Me {
  tenantId: string;
  userId: string;
  role: string;
  keyId: string;
  operations: string[];
  readsEveryThread: boolean;
}

export interface Thread {
  id: string;
  userId: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}

export interface Holder {
  kind: "orchestrator" | "handoff";
  agentId: string;
  handoffId?: string;
}

/** `GET /v1/threads/:id`. */
export interface ThreadDetail {
  thread: Thread;
  handoffActive: boolean;
  holder: Holder;
}

export interface Message {
  id: string;
  role: "user" | "assistant" | "system";
  content: string;
  agentId?: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface AgentSkill {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
  examples?: string[];
}

export interface AgentCard {
  identity: { id: string; name: string; description?: string; version?: string };
  service?: { endpoint: string; interfacePreference?: string[] };
  skills?: AgentSkill[];
  capabilities?: { streaming?: boolean; handoff?: boolean };
}

/** One agent of `GET /v1/agents`. */
export interface Agent {
  card: AgentCard;
  source: "static" | "tenant";
  hasCredentials: boolean;
  isDefault: boolean;
  handoff: boolean;
}

/** `GET /v1/agents/:id/health`. */
export interface AgentHealth {
  agentId: string;
  status: "ok" | "unreachable" | "refused" | string;
  latencyMs: number | null;
  checkedAt: string;
  protocol: { version: string; binding: string } | null;
  interfaces?: Array<{ version: string; binding: string }>;
  errorCode?: string;
}

/** One agent's result in `POST /v1/threads/:id/delegations`. */
export interface DelegationResult {
  agentId: string;
  success: boolean;
  response?: string;
  error?: string;
  errorCode?: string;
  latencyMs: number;
  outcome?: string;
}

export interface TimelineEvent {
  kind: string;
  atMs: number;
  agentId?: string;
  durationMs?: number | null;
  outcome?: string;
  errorCode?: string;
  detail?: Record<string, unknown>;
}

export interface TimelineTurn {
  turnId: string;
  trigger?: string;
  startedAt: string;
  durationMs: number | null;
  events: TimelineEvent[];
}

/** One agent the routing selector ranked (a route event's `detail.candidates`, an explanation's). */
export interface RouteCandidate {
  agentId: string;
  score?: number;
  skillId?: string;
  reason?: string;
}

/** `POST /v1/route/explain`. */
export interface RouteExplanation {
  held: boolean;
  handoff?: { handoffId: string; agentId: string };
  routing: boolean;
  outcome: "handoff" | "selected" | "defaults" | "ask";
  agentIds: string[];
  candidates: RouteCandidate[];
  reason: string;
}

/** `GET /v1/routing` (admin), and the answer of `PUT`. */
export interface TenantRouting {
  enabled: boolean;
  maxAgents: number;
  minScore: number;
  fallback: "defaults" | "ask";
  updatedAt?: string;
  updatedBy?: string;
}

/** An SSE frame of `POST /v1/threads/:id/messages`: the event name and its JSON data. */
export interface RouterFrame {
  type: string;
  data: Record<string, unknown>;
}
