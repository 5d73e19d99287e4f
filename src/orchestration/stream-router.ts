/**
 * Routes each user message to whoever holds the thread — the specialist of an active handoff,
 * or the orchestrator over the default agents — and streams the reply back as it arrives.
 */
import { z } from "zod";
import { HANDOFF_EXTENSION_URI, findHandoffReturn } from "../a2a/handoff-extension.js";
import { parseAgentCard, type AgentCard } from "../agents/agent-card.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { MessageRole } from "../conversation/models.js";
import { DEFAULT_EXIT_COMMANDS, DEFAULT_ROUTE_TIMEOUT_MS } from "../defaults.js";
import { ConfigurationError, ErrorCode, OrchestrationError, isOrchestrationError } from "../errors.js";
import { linkSignals } from "../observability.js";
import { LIMITS, boundedText, identifierSchema, parseInput, uuidSchema } from "../validation.js";
import type { HandoffManager, HandoffSession } from "./handoff-manager.js";
import type { DelegationResult, OrchestrationManager } from "./orchestration-manager.js";
import { ThreadManager } from "./thread-manager.js";
import type { CompletionStatus } from "./types.js";
import { DelegationStrategy } from "./types.js";

/** The orchestrator's own id in events and stored replies. */
export const ORCHESTRATOR_AGENT_ID = "orchestrator";

/** What {@link StreamRouter.routeEvents} yields. */
export type RouterEvent =
  | {
      type: "route";
      target: "handoff" | "orchestrator";
      agentId: string;
      agentIds: string[];
      handoffId?: string;
    }
  | { type: "chunk"; agentId: string; text: string }
  | {
      type: "handoff_returned";
      handoffId: string;
      agentId: string;
      completionStatus: CompletionStatus;
      resultSummary?: string;
      artifactsCreated: string[];
    }
  | { type: "handoff_cancelled"; handoffId: string; agentId: string; reason: string }
  | { type: "delegation"; results: DelegationResult[] }
  | { type: "done"; agentId: string; text: string; messageId?: string }
  | { type: "error"; code: string; message: string; agentId?: string; error: OrchestrationError };

export interface StreamRouterConfig {
  handoffManager: HandoffManager;
  orchestrationManager: OrchestrationManager;
  /** Who answers when no handoff holds the thread. One agent streams live; several are delegated to. */
  defaultAgents: AgentCard[];
  /** With several default agents. Default PARALLEL. */
  strategy?: DelegationStrategy;
  /** Messages that, alone, cancel an active handoff (case-insensitive). Default: exit, cancel, quit, stop. */
  exitCommands?: readonly string[];
  /** Per-turn timeout. Default 120 000. */
  timeoutMs?: number;
  /** Where user messages and replies are stored. Default: the handoff manager's repository. */
  conversationRepo?: ConversationRepository;
}

export interface RouteMessageOptions {
  threadId: string;
  tenantId: string;
  userId: string;
  message: string;
  signal?: AbortSignal;
}

const routeSchema = z.object({
  threadId: uuidSchema,
  tenantId: identifierSchema,
  userId: identifierSchema,
  message: boundedText(LIMITS.messageBytes),
});

export class StreamRouter {
  readonly #handoffs: HandoffManager;
  readonly #orchestrator: OrchestrationManager;
  readonly #repo: ConversationRepository;
  readonly #threads: ThreadManager;
  readonly #defaultAgents: AgentCard[];
  readonly #strategy: DelegationStrategy;
  readonly #exitCommands: ReadonlySet<string>;
  readonly #timeoutMs: number;

  constructor(config: StreamRouterConfig) {
    if (!config?.handoffManager)
      throw new ConfigurationError("handoffManager is required", { context: { field: "handoffManager" } });
    if (!config.orchestrationManager) {
      throw new ConfigurationError("orchestrationManager is required", {
        context: { field: "orchestrationManager" },
      });
    }
    if (!Array.isArray(config.defaultAgents) || config.defaultAgents.length === 0) {
      throw new ConfigurationError("defaultAgents must list at least one agent", {
        context: { field: "defaultAgents" },
      });
    }
    this.#handoffs = config.handoffManager;
    this.#orchestrator = config.orchestrationManager;
    this.#repo = config.conversationRepo ?? config.handoffManager.conversationRepo;
    this.#threads = new ThreadManager(this.#repo, { handoffs: config.handoffManager });
    this.#defaultAgents = config.defaultAgents.map((card, i) => parseAgentCard(card, `defaultAgents[${i}]`));
    this.#strategy = config.strategy ?? DelegationStrategy.PARALLEL;
    this.#exitCommands = new Set(
      (config.exitCommands ?? DEFAULT_EXIT_COMMANDS).map((c) => c.trim().toLowerCase()),
    );
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
  }

  /** True when a handoff holds the thread. */
  isHandoffActive(ref: { threadId: string; tenantId: string }): Promise<boolean> {
    return this.#handoffs.isHandoffActive(ref);
  }

  /**
   * Routes one message and yields the reply's text chunks as they arrive. Throws the
   * OrchestrationError of a failed turn.
   */
  async *routeMessage(options: RouteMessageOptions): AsyncGenerator<string, void, undefined> {
    for await (const event of this.routeEvents(options)) {
      if (event.type === "chunk") yield event.text;
      else if (event.type === "error") throw event.error;
    }
  }

  /**
   * Routes one message and yields typed events: `route` (who answers), `chunk`s, then
   * `handoff_returned` / `handoff_cancelled` when control moves, `delegation` with per-agent
   * results when several agents answered, and `done` — or `error`. Never throws.
   */
  async *routeEvents(options: RouteMessageOptions): AsyncGenerator<RouterEvent, void, undefined> {
    const turn = linkSignals(options.signal);
    // Set once the turn ran to its end: then nothing upstream is left to abort (and no abort
    // reason, an Error with a stack, needs building on the hot path).
    let settled = false;
    try {
      const input = parseInput(routeSchema, options);
      // Independent reads and writes go out together: on PostgreSQL each is a round trip.
      const [, session] = await Promise.all([
        this.#threads.requireThread(input),
        this.#handoffs.getActiveHandoff(input),
      ]);
      const isExit = this.#exitCommands.has(input.message.trim().toLowerCase());
      // The user message is stored while the agent is already being asked (one round trip off
      // the time to first chunk); every path awaits it before it yields any of the reply.
      const stored = Promise.all([
        this.#repo.addMessage({
          conversationId: input.threadId,
          tenantId: input.tenantId,
          role: MessageRole.USER,
          content: input.message,
        }),
        session && !isExit ? this.#handoffs.recordActivity(session) : undefined,
      ]).then(() => undefined);
      // Observed here so a failure is never an unhandled rejection; awaited (and thrown) below.
      stored.catch(() => undefined);
      if (session && isExit) {
        await stored;
        yield* this.#cancelByExitWord(input, session);
      } else if (session) {
        yield* this.#routeToSpecialist(input, session, turn.signal, stored);
      } else {
        yield* this.#routeToOrchestrator(input, turn.signal, stored);
      }
      settled = true;
    } catch (error) {
      const failure = asOrchestrationError(error);
      yield {
        type: "error",
        code: failure.code,
        message: failure.message,
        ...(failure.agentId ? { agentId: failure.agentId } : {}),
        error: failure,
      };
    } finally {
      // A consumer that stops early lands here: abort whatever is still streaming upstream.
      if (!settled) turn.abort();
      turn.dispose();
    }
  }

  async *#routeToSpecialist(
    input: z.output<typeof routeSchema>,
    session: HandoffSession,
    signal: AbortSignal,
    stored: Promise<void>,
  ): AsyncGenerator<RouterEvent> {
    const agentId = session.targetAgentId;
    yield { type: "route", target: "handoff", agentId, agentIds: [agentId], handoffId: session.handoffId };
    let text = "";
    let returned = false;
    const stream = this.#orchestrator.streamAgent({
      ...input,
      agentCard: this.#handoffs.targetCard(session),
      metadata: { omniforge: { handoffId: session.handoffId } },
      extensions: [HANDOFF_EXTENSION_URI],
      timeoutMs: this.#timeoutMs,
      trusted: true,
      // A handoff turn is not a delegation: it is recorded as the thread's messages and the
      // session's activity, not as a delegation audit row.
      audit: false,
      signal,
    });
    let userMessageStored = false;
    for await (const item of stream) {
      if (!userMessageStored) {
        await stored;
        userMessageStored = true;
      }
      if (item.type === "text") {
        text += item.text;
        yield { type: "chunk", agentId, text: item.text };
        continue;
      }
      const ret = returned ? undefined : findHandoffReturn([item.data]);
      if (!ret) continue;
      returned = true;
      const done = await this.#handoffs.finishFromAgent(session, ret);
      yield {
        type: "handoff_returned",
        handoffId: session.handoffId,
        agentId,
        completionStatus: ret.completionStatus,
        ...(ret.resultSummary !== undefined ? { resultSummary: ret.resultSummary } : {}),
        artifactsCreated: done.artifactsCreated,
      };
    }
    await stored;
    yield* this.#finish(input, agentId, text, { handoffId: session.handoffId });
  }

  async *#routeToOrchestrator(
    input: z.output<typeof routeSchema>,
    signal: AbortSignal,
    stored: Promise<void>,
  ): AsyncGenerator<RouterEvent> {
    const agentIds = this.#defaultAgents.map((card) => card.identity.id);
    if (this.#defaultAgents.length === 1) {
      const card = this.#defaultAgents[0]!;
      const agentId = card.identity.id;
      yield { type: "route", target: "orchestrator", agentId, agentIds };
      let text = "";
      let userMessageStored = false;
      for await (const item of this.#orchestrator.streamAgent({
        ...input,
        agentCard: card,
        timeoutMs: this.#timeoutMs,
        signal,
      })) {
        if (!userMessageStored) {
          await stored;
          userMessageStored = true;
        }
        if (item.type !== "text") continue;
        text += item.text;
        yield { type: "chunk", agentId, text: item.text };
      }
      await stored;
      yield* this.#finish(input, agentId, text, {});
      return;
    }
    yield { type: "route", target: "orchestrator", agentId: ORCHESTRATOR_AGENT_ID, agentIds };
    const results = await this.#orchestrator.delegateToAgents({
      ...input,
      targetAgentCards: this.#defaultAgents,
      strategy: this.#strategy,
      timeoutMs: this.#timeoutMs,
      signal,
    });
    await stored;
    yield { type: "delegation", results };
    const text = this.#orchestrator.synthesizeResponses(results);
    yield { type: "chunk", agentId: ORCHESTRATOR_AGENT_ID, text };
    yield* this.#finish(input, ORCHESTRATOR_AGENT_ID, text, {
      delegation: results.map(({ agentId, success, latencyMs, errorCode }) => ({
        agentId,
        success,
        latencyMs,
        ...(errorCode ? { errorCode } : {}),
      })),
    });
  }

  async *#cancelByExitWord(
    input: z.output<typeof routeSchema>,
    session: HandoffSession,
  ): AsyncGenerator<RouterEvent> {
    const reason = `User typed "${input.message.trim()}"`;
    await this.#handoffs.cancelHandoff({
      threadId: input.threadId,
      tenantId: input.tenantId,
      userId: input.userId,
      reason,
    });
    yield { type: "handoff_cancelled", handoffId: session.handoffId, agentId: session.targetAgentId, reason };
    const text = `Cancelled the handoff to ${session.targetAgentId}. You are back with the main assistant.`;
    yield { type: "chunk", agentId: ORCHESTRATOR_AGENT_ID, text };
    yield* this.#finish(input, ORCHESTRATOR_AGENT_ID, text, { handoffId: session.handoffId });
  }

  async *#finish(
    input: z.output<typeof routeSchema>,
    agentId: string,
    text: string,
    metadata: Record<string, unknown>,
  ): AsyncGenerator<RouterEvent> {
    const stored = await this.#repo.addMessage({
      conversationId: input.threadId,
      tenantId: input.tenantId,
      role: MessageRole.ASSISTANT,
      content: text,
      agentId,
      metadata,
    });
    yield { type: "done", agentId, text, messageId: stored.id };
  }
}

function asOrchestrationError(error: unknown): OrchestrationError {
  if (isOrchestrationError(error)) return error;
  return new OrchestrationError(
    ErrorCode.INTERNAL_ERROR,
    error instanceof Error ? error.message : String(error),
    { cause: error },
  );
}
