/** The storage interface for threads and their messages. Every call is scoped to one tenant. */
import type { Conversation, ConversationType, Message, MessageRole } from "./models.js";

export interface CreateConversationOptions {
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

export interface ListConversationsOptions {
  tenantId: string;
  userId?: string;
  limit?: number;
  offset?: number;
}

export interface UpdateConversationOptions extends ConversationRef {
  title?: string;
  conversationType?: ConversationType;
  metadata?: Record<string, unknown>;
}

export interface UpdateStateOptions extends ConversationRef {
  state: Record<string, unknown>;
}

export interface AddMessageOptions extends ConversationRef {
  role: MessageRole;
  content: string;
  agentId?: string;
  metadata?: Record<string, unknown>;
}

export interface GetMessagesOptions extends ConversationRef {
  limit?: number;
  offset?: number;
}

export interface GetRecentMessagesOptions extends ConversationRef {
  limit?: number;
  /** Include system messages (handoff notes and the like). Default true. */
  includeSystem?: boolean;
}

/**
 * Threads and messages, tenant-scoped. Another tenant's thread is indistinguishable from a
 * missing one: reads return null/empty, writes throw ThreadAccessError.
 */
export interface ConversationRepository {
  createConversation(input: CreateConversationOptions): Promise<Conversation>;
  getConversation(input: ConversationRef): Promise<Conversation | null>;
  /** Newest first. */
  listConversations(input: ListConversationsOptions): Promise<Conversation[]>;
  updateConversation(input: UpdateConversationOptions): Promise<Conversation>;
  updateState(input: UpdateStateOptions): Promise<Conversation>;
  addMessage(input: AddMessageOptions): Promise<Message>;
  /** Oldest first, paged. */
  getMessages(input: GetMessagesOptions): Promise<Message[]>;
  /** The last `limit` messages, oldest first. */
  getRecentMessages(input: GetRecentMessagesOptions): Promise<Message[]>;
}
