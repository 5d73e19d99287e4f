/** Conversation (thread) and message models. */

export const ConversationType = {
  CHAT: "chat",
  SKILL_CREATION: "skill_creation",
  AGENT_BUILDING: "agent_building",
  DEBUGGING_SESSION: "debugging_session",
} as const;
export type ConversationType = (typeof ConversationType)[keyof typeof ConversationType];

export const MessageRole = {
  USER: "user",
  ASSISTANT: "assistant",
  SYSTEM: "system",
} as const;
export type MessageRole = (typeof MessageRole)[keyof typeof MessageRole];

/** A conversation thread. `id` is the threadId (a UUID). */
export interface Conversation {
  id: string;
  tenantId: string;
  userId: string;
  title: string;
  conversationType: ConversationType;
  /** Application-owned workflow state (JSON object). */
  state: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** One message in a thread. */
export interface Message {
  id: string;
  conversationId: string;
  tenantId: string;
  role: MessageRole;
  content: string;
  /** The agent that produced an assistant message, if any. */
  agentId?: string;
  metadata: Record<string, unknown>;
  createdAt: Date;
}
