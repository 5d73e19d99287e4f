/**
 * What a handoff sends its specialist: whether it takes handoffs at all, the handoff request
 * (with the thread's recent messages) and its answer, and the cancel notification. Every
 * free-text field that leaves passes the sanitizer (the request's only when asked).
 */
import type { AgentCard } from "../a2a/agent-card.js";
import type { A2AClient } from "../a2a/client/a2a-client.js";
import type { OutgoingMessage } from "../a2a/client/types.js";
import {
  HANDOFF_EXTENSION_URI,
  findHandoffAccept,
  handoffData,
  type DataObject,
  type HandoffAcceptPayload,
} from "../a2a/handoff-extension.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { AgentError, ErrorCode, HandoffError, isOrchestrationError } from "../errors.js";
import { errorCodeOf, type Logger } from "../observability.js";
import type { ContextSanitizer } from "../security/sanitizer/index.js";
import { AgentCallKind } from "./agent-call-audit.js";
import type { HandoffCallAudit } from "./handoff-call-audit.js";
import type { HandoffSession } from "./handoff-store.js";
import { buildOutgoingMessage } from "./outgoing-message.js";

export interface HandoffRequestsDeps {
  client: A2AClient;
  repo: ConversationRepository;
  sanitizer: ContextSanitizer;
  audit: HandoffCallAudit;
  logger: Logger;
  /** The card (with credentials) that reaches a session's specialist now. */
  cardFor: (session: HandoffSession) => Promise<AgentCard>;
  requestTimeoutMs: number;
  notifyTimeoutMs: number;
  recentMessages: number;
}

export class HandoffRequests {
  readonly #deps: HandoffRequestsDeps;

  constructor(deps: HandoffRequestsDeps) {
    this.#deps = deps;
  }

  /** Whether `card`'s agent declares the handoff extension; AGENT_UNAVAILABLE when unreachable. */
  async supported(card: AgentCard, tenantId: string, signal: AbortSignal | undefined): Promise<boolean> {
    if (card.capabilities?.handoff === false) return false;
    try {
      return await this.#deps.client.supportsExtension(card, HANDOFF_EXTENSION_URI, {
        timeoutMs: this.#deps.requestTimeoutMs,
        tenantId,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (isOrchestrationError(error) && error.code === ErrorCode.ABORTED) throw error;
      throw new HandoffError(
        ErrorCode.AGENT_UNAVAILABLE,
        `Handoff target ${card.identity.id} is unreachable: ${(error as Error).message}`,
        {
          cause: error,
          context: { agentId: card.identity.id },
        },
      );
    }
  }

  /** Sends the handoff request (audited) and reads the specialist's handoffAccept. */
  async ask(
    card: AgentCard,
    session: HandoffSession,
    sanitize: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HandoffAcceptPayload> {
    const { client, repo, sanitizer, audit } = this.#deps;
    const recent = await repo.getRecentMessages({
      conversationId: session.threadId,
      tenantId: session.tenantId,
      limit: this.#deps.recentMessages,
      includeSystem: false,
    });
    const clean = (text: string) => (sanitize ? sanitizer.sanitize(text) : text);
    const result = await audit.timed(session, AgentCallKind.HANDOFF_REQUEST, () =>
      client.sendMessage(
        card,
        handoffMessage(
          session,
          handoffData.request({
            handoffId: session.handoffId,
            threadId: session.threadId,
            tenantId: session.tenantId,
            userId: session.userId,
            sourceAgentId: session.sourceAgentId,
            contextSummary: clean(session.contextSummary),
            handoffReason: clean(session.handoffReason),
            recentMessages: recent.map((m) => ({ role: m.role, content: clean(m.content) })),
          }),
        ),
        { timeoutMs: this.#deps.requestTimeoutMs, tenantId: session.tenantId, ...(signal ? { signal } : {}) },
      ),
    );
    return acceptIn(result.data, card);
  }

  /** Tells the specialist its handoff ended (best effort: audited, a failure only logged). */
  async notifyCancel(session: HandoffSession, reason: string): Promise<void> {
    const { client, sanitizer, audit } = this.#deps;
    try {
      await audit.timed(session, AgentCallKind.HANDOFF_CANCEL, async () =>
        client.sendMessage(
          await this.#deps.cardFor(session),
          handoffMessage(
            session,
            handoffData.cancel({ handoffId: session.handoffId, reason: sanitizer.sanitize(reason) }),
          ),
          { timeoutMs: this.#deps.notifyTimeoutMs, tenantId: session.tenantId },
        ),
      );
    } catch (error) {
      this.#deps.logger.warn(
        { threadId: session.threadId, handoffId: session.handoffId, errorCode: errorCodeOf(error) },
        "handoff cancel notification not delivered",
      );
    }
  }
}

/** The reply's handoffAccept; AGENT_PROTOCOL_ERROR when it is missing or invalid. */
function acceptIn(data: readonly unknown[], card: AgentCard): HandoffAcceptPayload {
  let accept;
  try {
    accept = findHandoffAccept(data);
  } catch (error) {
    throw new AgentError(
      ErrorCode.AGENT_PROTOCOL_ERROR,
      `invalid handoffAccept: ${(error as Error).message}`,
      {
        cause: error,
        context: { agentId: card.identity.id },
      },
    );
  }
  if (!accept) {
    throw new AgentError(ErrorCode.AGENT_PROTOCOL_ERROR, "the reply carried no handoffAccept data part", {
      context: { agentId: card.identity.id },
    });
  }
  return accept;
}

/**
 * A handoff message to the specialist: the thread as contextId, the extension, our metadata, and
 * the extension's data part (its free-text fields sanitized by the caller, its ids as they are).
 */
function handoffMessage(session: HandoffSession, payload: DataObject): OutgoingMessage {
  return buildOutgoingMessage(
    {
      threadId: session.threadId,
      tenantId: session.tenantId,
      userId: session.userId,
      handoffId: session.handoffId,
      extensions: [HANDOFF_EXTENSION_URI],
      protocolData: [payload],
    },
    undefined,
  );
}

/**
 * The error a failed handoff request becomes: an abort as it is; a protocol error or an
 * unreachable target as a HandoffError.
 */
export function requestFailure(
  error: unknown,
  agentId: string,
  context: { threadId: string; tenantId: string; handoffId: string },
): unknown {
  if (isOrchestrationError(error) && error.code === ErrorCode.ABORTED) return error;
  const code =
    isOrchestrationError(error) && error.code === ErrorCode.AGENT_PROTOCOL_ERROR
      ? ErrorCode.AGENT_PROTOCOL_ERROR
      : ErrorCode.AGENT_UNAVAILABLE;
  return new HandoffError(code, `Handoff target ${agentId} did not answer: ${(error as Error).message}`, {
    cause: error,
    context: {
      threadId: context.threadId,
      tenantId: context.tenantId,
      agentId,
      handoffId: context.handoffId,
    },
  });
}
