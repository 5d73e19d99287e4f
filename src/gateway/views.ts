/**
 * Domain objects -> the JSON the API returns. Dates become ISO strings, credentials and stored
 * internals (a session's target card) are dropped; the types come from the response schemas.
 */
import type { z } from "zod";
import type { Conversation, Message } from "../conversation/models.js";
import type { AgentCallRecord } from "../orchestration/agent-call-audit.js";
import type { HandoffSession } from "../orchestration/handoff-store.js";
import type { TurnRecord } from "../orchestration/turn-timeline.js";
import { ORCHESTRATOR_AGENT_ID, type RouterEvent } from "../orchestration/stream-router.js";
import type { ApiKeyPrincipal } from "../security/api-keys.js";
import { withoutCredentials } from "../a2a/agent-credentials.js";
import type { AgentDirectoryEntry } from "../storage/sql/sql-agent-directory.js";
import { toHttpFailure } from "./http-errors.js";
import { allowedOperations, readsEveryThread } from "./route-policy.js";
import type { agentHealthSchema, turnSchema } from "./console-schemas.js";
import type {
  agentCallRecordSchema,
  agentViewSchema,
  handoffSessionViewSchema,
  messageViewSchema,
  routerEventSchema,
  threadDetailSchema,
  threadViewSchema,
} from "./schemas.js";

/** A thread in API responses. */
export type ThreadView = z.output<typeof threadViewSchema>;
/** A message in API responses. */
export type MessageView = z.output<typeof messageViewSchema>;
/** A handoff session in API responses. */
export type HandoffSessionView = z.output<typeof handoffSessionViewSchema>;
/** An audited agent call in API responses. */
export type AgentCallRecordView = z.output<typeof agentCallRecordSchema>;
/** An agent in API responses. */
export type AgentView = z.output<typeof agentViewSchema>;
/** A router event in API responses and SSE frames. */
export type RouterEventView = z.output<typeof routerEventSchema>;

/** A conversation as a {@link ThreadView}. */
export function threadView(thread: Conversation): ThreadView {
  return {
    id: thread.id,
    userId: thread.userId,
    title: thread.title,
    conversationType: thread.conversationType,
    createdAt: thread.createdAt.toISOString(),
    updatedAt: thread.updatedAt.toISOString(),
  };
}

/** A message as a {@link MessageView}. */
export function messageView(message: Message): MessageView {
  return {
    id: message.id,
    role: message.role,
    content: message.content,
    ...(message.agentId !== undefined ? { agentId: message.agentId } : {}),
    metadata: message.metadata,
    createdAt: message.createdAt.toISOString(),
  };
}

/** A session as a {@link HandoffSessionView} (without its stored card). */
export function handoffSessionView(session: HandoffSession): HandoffSessionView {
  return {
    handoffId: session.handoffId,
    threadId: session.threadId,
    userId: session.userId,
    sourceAgentId: session.sourceAgentId,
    targetAgentId: session.targetAgentId,
    state: session.state,
    contextSummary: session.contextSummary,
    handoffReason: session.handoffReason,
    startedAt: session.startedAt.toISOString(),
    ...(session.completedAt ? { completedAt: session.completedAt.toISOString() } : {}),
    expiresAt: session.expiresAt.toISOString(),
    ...(session.estimatedDurationSeconds !== undefined
      ? { estimatedDurationSeconds: session.estimatedDurationSeconds }
      : {}),
    ...(session.rejectionReason !== undefined ? { rejectionReason: session.rejectionReason } : {}),
    ...(session.resultSummary !== undefined ? { resultSummary: session.resultSummary } : {}),
    artifactsCreated: session.artifactsCreated,
  };
}

/** An audit record as an {@link AgentCallRecordView}. */
export function agentCallRecordView(record: AgentCallRecord): AgentCallRecordView {
  return {
    threadId: record.threadId,
    agentId: record.agentId,
    userId: record.userId,
    kind: record.kind,
    outcome: record.outcome,
    success: record.success,
    ...(record.errorCode !== undefined ? { errorCode: record.errorCode } : {}),
    latencyMs: record.latencyMs,
    ...(record.delegationId !== undefined ? { delegationId: record.delegationId } : {}),
    ...(record.strategy !== undefined ? { strategy: record.strategy } : {}),
    ...(record.handoffId !== undefined ? { handoffId: record.handoffId } : {}),
    createdAt: record.createdAt.toISOString(),
  };
}

/** An agent as an {@link AgentView}; `defaultIds` are the agents that answer by default. */
export function agentView(agent: AgentDirectoryEntry, defaultIds: ReadonlySet<string>): AgentView {
  return {
    card: withoutCredentials(agent.card),
    source: agent.source,
    hasCredentials: agent.hasCredentials,
    isDefault: defaultIds.has(agent.card.identity.id),
    handoff: agent.card.capabilities?.handoff === true,
    ...(agent.createdAt ? { createdAt: agent.createdAt.toISOString() } : {}),
  };
}

/** A router event as JSON: the `error` event carries `{ code, message, agentId }` only. */
export function routerEventView(event: RouterEvent): RouterEventView {
  if (event.type === "error") {
    // The same code and wording an HTTP error would carry: internal failures say nothing more.
    const { code, message } = toHttpFailure(event.error).body.error;
    return {
      type: "error",
      code,
      message,
      ...(event.agentId !== undefined ? { agentId: event.agentId } : {}),
    };
  }
  return event;
}

/** Who answers a thread's next message. */
export interface ThreadHolder {
  kind: "orchestrator" | "handoff";
  agentId: string;
  handoffId?: string;
  since?: string;
}

/** Who a key speaks for, and what it may do. */
export interface MeView {
  tenantId: string;
  userId: string;
  role: ApiKeyPrincipal["role"];
  keyId: string;
  operations: string[];
  readsEveryThread: boolean;
}

/** Who the key speaks for and which operations it may call. */
export function meView(principal: ApiKeyPrincipal): MeView {
  return {
    tenantId: principal.tenantId,
    userId: principal.userId,
    role: principal.role,
    keyId: principal.keyId,
    operations: allowedOperations(principal.role),
    readsEveryThread: readsEveryThread(principal.role),
  };
}

/** The active handoff's specialist, or the orchestrator when no handoff holds the thread. */
export function threadHolderView(session: HandoffSession | null): ThreadHolder {
  return session
    ? {
        kind: "handoff",
        agentId: session.targetAgentId,
        handoffId: session.handoffId,
        since: session.startedAt.toISOString(),
      }
    : { kind: "orchestrator", agentId: ORCHESTRATOR_AGENT_ID };
}

/** `GET /v1/threads/:threadId` (and a rename's answer). */
export type ThreadDetailView = z.output<typeof threadDetailSchema>;
/** One turn of a thread's timeline. */
export type TurnView = z.output<typeof turnSchema>;
/** An agent health check. */
export type AgentHealthView = z.output<typeof agentHealthSchema>;

/** A recorded turn as a {@link TurnView} (the tenant and thread are the request's). */
export function turnView(turn: TurnRecord): TurnView {
  return {
    turnId: turn.turnId,
    trigger: turn.trigger,
    startedAt: turn.startedAt.toISOString(),
    durationMs: turn.durationMs,
    events: turn.events.map((event) => ({ ...event })),
  };
}
