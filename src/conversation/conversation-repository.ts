/** The storage interface for threads and their messages. Every call is scoped to one tenant. */
import type { Conversation, ConversationType, Message, MessageRole } from "./models.js";

export interface CreateConversationInput {
  tenantId: string;
  userId: string;
  title?: string;
  conversationType?: ConversationType;
  /** Caller-chosen thread id (a UUID); generated when omitted. */
  conversationId?: string;
  metadata?: Record<string, unknown>;
  state?: Record<string, unknown>;
}

export interface ConversationRef {
  conversationId: string;
  tenantId: string;
}

export interface ListConversationsInput {
  tenantId: string;
  userId?: string;
  limit?: number;
  offset?: number;
}

export interface UpdateConversationInput extends ConversationRef {
  title?: string;
  conversationType?: ConversationType;
  metadata?: Record<string, unknown>;
}

export interface UpdateStateInput extends ConversationRef {
  state: Record<string, unknown>;
}

export interface AddMessageInput extends ConversationRef {
  role: MessageRole;
  content: string;
  agentId?: string;
  metadata?: Record<string, unknown>;
}

export interface GetMessagesInput extends ConversationRef {
  limit?: number;
  offset?: number;
}

export interface GetRecentMessagesInput extends ConversationRef {
  limit?: number;
  /** Include system messages (handoff notes and the like). Default true. */
  includeSystem?: boolean;
}

/**
 * Threads and messages, tenant-scoped. Another tenant's thread is indistinguishable from a
 * missing one: reads return null/empty, writes throw ThreadAccessError.
 */
export interface ConversationRepository {
  createConversation(input: CreateConversationInput): Promise<Conversation>;
  getConversation(input: ConversationRef): Promise<Conversation | null>;
  /** Newest first. */
  listConversations(input: ListConversationsInput): Promise<Conversation[]>;
  updateConversation(input: UpdateConversationInput): Promise<Conversation>;
  updateState(input: UpdateStateInput): Promise<Conversation>;
  addMessage(input: AddMessageInput): Promise<Message>;
  /** Oldest first, paged. */
  getMessages(input: GetMessagesInput): Promise<Message[]>;
  /** The last `limit` messages, oldest first. */
  getRecentMessages(input: GetRecentMessagesInput): Promise<Message[]>;
}
