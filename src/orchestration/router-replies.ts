/**
 * What a routed turn writes into its thread: the user's message, then the reply — whole, or as far
 * as it got with a note when it did not end normally — within what a thread may hold.
 */
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { MessageRole } from "../conversation/models.js";
import { AgentError, ErrorCode } from "../errors.js";
import { LIMITS, cutToBytes } from "../validation.js";
import type { RouterEvent } from "./router-events.js";

/** The thread a turn writes to. */
export interface ThreadRef {
  tenantId: string;
  threadId: string;
}

/** One agent's reply to store. */
export interface Reply {
  thread: ThreadRef;
  agentId: string;
  text: string;
  metadata: Record<string, unknown>;
}

/** What one stored reply may hold, leaving room for the note of an interrupted one. */
const REPLY_STORE_LIMIT = LIMITS.storedContentBytes - 1_024;

/** Notes stored with a reply that did not end normally (what the user saw, and why it stopped). */
const INTERRUPTED_NOTE: Readonly<Record<string, string>> = Object.freeze({
  [ErrorCode.AGENT_RESPONSE_TOO_LARGE]: "the agent exceeded the reply size limit",
  [ErrorCode.AGENT_TIMEOUT]: "the agent did not finish in time",
  [ErrorCode.ABORTED]: "the reader went away before it ended",
});

export class RouterReplies {
  readonly #repo: ConversationRepository;

  constructor(repo: ConversationRepository) {
    this.#repo = repo;
  }

  /**
   * Stores the user's message. The promise is observed here so a failure is never an unhandled
   * rejection; every path awaits it (and so throws) before it yields any of the reply.
   */
  addUserMessage(input: ThreadRef & { message: string }): Promise<void> {
    const stored = this.#repo
      .addMessage({
        conversationId: input.threadId,
        tenantId: input.tenantId,
        role: MessageRole.USER,
        content: input.message,
      })
      .then(() => undefined);
    stored.catch(() => undefined);
    return stored;
  }

  /** Stores a finished reply and yields its `done` event; one larger than a thread may hold fails the turn. */
  async *finish(reply: Reply): AsyncGenerator<RouterEvent> {
    const { thread, agentId } = reply;
    if (Buffer.byteLength(reply.text) > REPLY_STORE_LIMIT) {
      // Larger than a thread may hold (a client configured with a reply limit above it): the
      // agent's fault, not the caller's — kept as far as it fits, and the turn fails.
      await this.storeInterrupted(reply, ErrorCode.AGENT_RESPONSE_TOO_LARGE);
      throw new AgentError(
        ErrorCode.AGENT_RESPONSE_TOO_LARGE,
        `Agent ${agentId} sent a reply larger than a thread can store (${REPLY_STORE_LIMIT} bytes)`,
        { context: { agentId, threadId: thread.threadId } },
      );
    }
    const stored = await this.store(reply);
    yield { type: "done", agentId, text: reply.text, messageId: stored.id };
  }

  store({ thread, agentId, text, metadata }: Reply) {
    return this.#repo.addMessage({
      conversationId: thread.threadId,
      tenantId: thread.tenantId,
      role: MessageRole.ASSISTANT,
      content: text,
      agentId,
      metadata,
    });
  }

  /** Stores a reply that stopped early: the text shown, a note saying why, `metadata.interrupted`. Never throws. */
  async storeInterrupted(reply: Reply, code: string): Promise<void> {
    const why = INTERRUPTED_NOTE[code] ?? "the agent failed before it ended";
    try {
      await this.store({
        ...reply,
        text: `${cutToBytes(reply.text, REPLY_STORE_LIMIT)}\n\n[Reply cut off: ${why}.]`,
        metadata: { ...reply.metadata, interrupted: code },
      });
    } catch {
      // Best effort: the turn's own outcome (its error, or the consumer leaving) stands.
    }
  }

  /**
   * Stores a system note for a turn whose agent failed before it said anything, so the thread
   * shows it after a reload as it was shown live. Only the error code: the error's message may
   * hold the agent's own words. Never throws.
   */
  async storeFailed(input: { thread: ThreadRef; agentId: string }, code: string): Promise<void> {
    try {
      await this.#repo.addMessage({
        conversationId: input.thread.threadId,
        tenantId: input.thread.tenantId,
        role: MessageRole.SYSTEM,
        content: `The agent could not answer: ${code}`,
        agentId: input.agentId,
        metadata: { failed: code },
      });
    } catch {
      // Best effort, as for an interrupted reply.
    }
  }
}
