import type { ConversationRepository } from "../conversation/conversation-repository.js";
import type { Conversation, Message } from "../conversation/models.js";
import { ThreadAccessError } from "../errors.js";
import { identifierSchema, isUuid } from "../validation.js";

/** Answers "is there a live handoff on this thread?" from the durable handoff table. */
export interface HandoffStateReader {
  isHandoffActive(input: { threadId: string; tenantId: string }): Promise<boolean>;
}

export interface ThreadRef {
  threadId: string;
  tenantId: string;
  /** When given, the thread must also belong to this user. */
  userId?: string;
}

export interface ThreadContext {
  thread: Conversation;
  recentMessages: Message[];
  isHandoffActive: boolean;
}

export interface ThreadManagerConfig {
  /** Where `isHandoffActive` reads from (a HandoffManager). Without it, no handoff is active. */
  handoffs?: HandoffStateReader;
}

/** Thread-level checks and reads on top of a {@link ConversationRepository}. */
export class ThreadManager {
  readonly #repository: ConversationRepository;
  readonly #handoffs: HandoffStateReader | undefined;

  constructor(repository: ConversationRepository, config: ThreadManagerConfig = {}) {
    this.#repository = repository;
    this.#handoffs = config.handoffs;
  }

  /**
   * True when the thread exists, belongs to `tenantId` (and `userId` if given). Never throws:
   * a bad UUID, a missing thread, another tenant's or user's thread, bad ids all give false.
   */
  async validateThread(ref: ThreadRef): Promise<boolean> {
    try {
      return (await this.#find(ref)) !== null;
    } catch {
      return false;
    }
  }

  /** The thread, or ThreadAccessError (missing and not-yours look the same). */
  async requireThread(ref: ThreadRef): Promise<Conversation> {
    const thread = await this.#find(ref);
    if (thread === null)
      throw new ThreadAccessError(String(ref.threadId), { context: { tenantId: ref.tenantId } });
    return thread;
  }

  /** The last `limit` messages, oldest first; system messages only when asked. */
  async getRecentMessages(ref: ThreadRef & { limit?: number; includeSystem?: boolean }): Promise<Message[]> {
    await this.requireThread(ref);
    const input = {
      conversationId: ref.threadId,
      tenantId: ref.tenantId,
      includeSystem: ref.includeSystem ?? false,
    };
    return this.#repository.getRecentMessages(
      ref.limit === undefined ? input : { ...input, limit: ref.limit },
    );
  }

  /** The thread, its recent messages (no system messages), and whether a handoff holds it. */
  async getThreadContext(ref: ThreadRef & { limit?: number }): Promise<ThreadContext> {
    const thread = await this.requireThread(ref);
    const [recentMessages, isHandoffActive] = await Promise.all([
      this.getRecentMessages(ref),
      this.#handoffs
        ? this.#handoffs.isHandoffActive({ threadId: thread.id, tenantId: thread.tenantId })
        : false,
    ]);
    return { thread, recentMessages, isHandoffActive };
  }

  async #find(ref: ThreadRef): Promise<Conversation | null> {
    if (ref === null || typeof ref !== "object" || !isUuid(ref.threadId)) return null;
    if (!identifierSchema.safeParse(ref.tenantId).success) return null;
    if (ref.userId !== undefined && !identifierSchema.safeParse(ref.userId).success) return null;
    const thread = await this.#repository.getConversation({
      conversationId: ref.threadId,
      tenantId: ref.tenantId,
    });
    if (thread === null || (ref.userId !== undefined && thread.userId !== ref.userId)) return null;
    return thread;
  }
}
