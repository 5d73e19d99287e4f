/**
 * Routes each user message to whoever holds the thread — the specialist of an active handoff,
 * or the orchestrator over the default agents — and streams the reply back as it arrives.
 */
import { z } from "zod";
import { HANDOFF_EXTENSION_URI, findHandoffReturn } from "../a2a/handoff-extension.js";
import { parseAgentCard, type AgentCard } from "../a2a/agent-card.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { MessageRole } from "../conversation/models.js";
import { DEFAULT_EXIT_COMMANDS, DEFAULT_ROUTE_TIMEOUT_MS } from "../defaults.js";
import {
  AgentError,
  ConfigurationError,
  ErrorCode,
  OrchestrationError,
  isOrchestrationError,
} from "../errors.js";
import { linkSignals } from "../observability.js";
import { LIMITS, boundedText, identifierSchema, parseInput, uuidSchema } from "../validation.js";
import { AgentCallKind } from "./agent-call-audit.js";
import type { HandoffManager, HandoffSession } from "./handoff-manager.js";
import type {
  AgentStreamItem,
  DelegationResult,
  InputRequiredState,
  OrchestrationManager,
} from "./orchestration-manager.js";
import { ThreadManager } from "./thread-manager.js";
import type { CompletionStatus } from "./types.js";
import { OPEN_TASK_LIMITS, type OpenTask, type OpenTaskStore } from "./open-tasks.js";
import { storesOf } from "./stores.js";
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
  | {
      type: "input_required";
      agentId: string;
      taskId: string;
      state: InputRequiredState;
      question: string;
      handoffId?: string;
    }
  | { type: "done"; agentId: string; text: string; messageId?: string }
  | { type: "error"; code: string; message: string; agentId?: string; error: OrchestrationError };

/** Who answers a thread no handoff holds, looked up per turn (e.g. from the tenant's directory). */
export type DefaultAgentsResolver = (ref: {
  tenantId: string;
  threadId: string;
  userId: string;
}) => Promise<readonly AgentCard[]> | readonly AgentCard[];

export interface StreamRouterConfig {
  handoffManager: HandoffManager;
  orchestrationManager: OrchestrationManager;
  /**
   * Who answers when no handoff holds the thread: cards, or a function looked up on each such turn
   * (only then: a thread in a handoff never needs one). One agent streams live; several are
   * delegated to. None: such turns fail with NO_AGENT_AVAILABLE.
   */
  defaultAgents?: readonly AgentCard[] | DefaultAgentsResolver;
  /** With several default agents. Default PARALLEL. */
  strategy?: DelegationStrategy;
  /** Messages that, alone, cancel an active handoff (case-insensitive). Default: exit, cancel, quit, stop. */
  exitCommands?: readonly string[];
  /** Per-turn timeout. Default 120 000. */
  timeoutMs?: number;
  /** Where user messages and replies are stored. Default: the handoff manager's repository. */
  conversationRepo?: ConversationRepository;
  /**
   * Where the tasks agents leave waiting for input are remembered, so the thread's next message
   * continues them. Default: the repository's database (SQL repositories); none otherwise.
   */
  openTasks?: OpenTaskStore;
}

export interface RouteMessageOptions {
  threadId: string;
  tenantId: string;
  userId: string;
  message: string;
  /**
   * Whether the sender may cancel the thread's handoff, and so whether an exit word cancels it.
   * When false, an exit word is ordinary text for the specialist. Default: the handoff manager's
   * RBAC (`handoff:cancel`), or true without RBAC.
   */
  mayCancelHandoff?: boolean;
  signal?: AbortSignal;
}

const routeSchema = z.object({
  threadId: uuidSchema,
  tenantId: identifierSchema,
  userId: identifierSchema,
  message: boundedText(LIMITS.messageBytes),
});

type RouteInput = z.output<typeof routeSchema>;

/** One turn's cancellation: the signal every upstream call of the turn listens to. */
type Turn = ReturnType<typeof linkSignals>;

/** What {@link StreamRouter.#relay} relays. */
interface Relay {
  input: RouteInput;
  agentId: string;
  stream: AsyncGenerator<AgentStreamItem, DelegationResult, undefined>;
  /** The user message being stored; awaited before the first piece of the reply. */
  stored: Promise<void>;
  turn: Turn;
  metadata: Record<string, unknown>;
  /** The handoff whose specialist answers, if any. */
  session?: HandoffSession;
  /** The task this turn continued, if any. */
  open: OpenTask | undefined;
}

/** After a specialist returned control, this long is allowed for the rest of its reply to arrive. */
const DRAIN_AFTER_RETURN_MS = 10_000;

/** Notes stored with a reply that did not end normally (what the user saw, and why it stopped). */
const INTERRUPTED_NOTE: Readonly<Record<string, string>> = Object.freeze({
  [ErrorCode.AGENT_RESPONSE_TOO_LARGE]: "the agent exceeded the reply size limit",
  [ErrorCode.AGENT_TIMEOUT]: "the agent did not finish in time",
  [ErrorCode.ABORTED]: "the reader went away before it ended",
});

export class StreamRouter {
  readonly #handoffs: HandoffManager;
  readonly #orchestrator: OrchestrationManager;
  readonly #repo: ConversationRepository;
  readonly #threads: ThreadManager;
  readonly #defaultAgents: DefaultAgentsResolver;
  readonly #strategy: DelegationStrategy;
  readonly #exitCommands: ReadonlySet<string>;
  readonly #timeoutMs: number;
  readonly #openTasks: OpenTaskStore | undefined;

  constructor(config: StreamRouterConfig) {
    if (!config?.handoffManager)
      throw new ConfigurationError("handoffManager is required", { context: { field: "handoffManager" } });
    if (!config.orchestrationManager) {
      throw new ConfigurationError("orchestrationManager is required", {
        context: { field: "orchestrationManager" },
      });
    }
    this.#handoffs = config.handoffManager;
    this.#orchestrator = config.orchestrationManager;
    this.#repo = config.conversationRepo ?? config.handoffManager.conversationRepo;
    this.#threads = new ThreadManager(this.#repo, { handoffs: config.handoffManager });
    this.#defaultAgents = defaultAgentsResolver(config.defaultAgents);
    this.#strategy = config.strategy ?? DelegationStrategy.PARALLEL;
    this.#exitCommands = new Set(
      (config.exitCommands ?? DEFAULT_EXIT_COMMANDS).map((c) => c.trim().toLowerCase()),
    );
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
    this.#openTasks = config.openTasks ?? storesOf(this.#repo)?.openTaskStore();
  }

  /**
   * Forgets the tasks an agent left waiting in the tenant's threads: when the agent is removed, a
   * later agent of the same id must not be sent its predecessor's task ids.
   */
  async forgetAgent(ref: { tenantId: string; agentId: string }): Promise<void> {
    await this.#openTasks?.removeAgent(ref);
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
   *
   * What the user was shown is stored even when the turn does not end normally: a reply cut off
   * by a failure, the size limit or a consumer that stopped reading is stored as far as it got,
   * with a note; a reply whose specialist already returned control is read to its end first.
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
      const isExit =
        session !== null &&
        this.#exitCommands.has(input.message.trim().toLowerCase()) &&
        (options.mayCancelHandoff ?? (await this.#handoffs.mayCancel(input)));
      // The user message is stored while the agent is already being asked (one round trip off
      // the time to first chunk); every path awaits it before it yields any of the reply.
      const stored = this.#repo
        .addMessage({
          conversationId: input.threadId,
          tenantId: input.tenantId,
          role: MessageRole.USER,
          content: input.message,
        })
        .then(() => undefined);
      // Observed here so a failure is never an unhandled rejection; awaited (and thrown) below.
      stored.catch(() => undefined);
      if (session && isExit) {
        await stored;
        yield* this.#cancelByExitWord(input, session);
      } else if (session) {
        yield* this.#routeToSpecialist(input, session, turn, stored);
      } else {
        yield* this.#routeToOrchestrator(input, turn, stored);
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
    input: RouteInput,
    session: HandoffSession,
    turn: Turn,
    stored: Promise<void>,
  ): AsyncGenerator<RouterEvent> {
    const agentId = session.targetAgentId;
    yield { type: "route", target: "handoff", agentId, agentIds: [agentId], handoffId: session.handoffId };
    const [agentCard, open] = await Promise.all([
      this.#handoffs.targetCardFor(session),
      this.#findOpenTask(input, agentId, session.handoffId),
    ]);
    const stream = this.#continuing(open, (taskId) =>
      this.#orchestrator.streamAgent({
        ...input,
        agentCard,
        metadata: { omniforge: { handoffId: session.handoffId } },
        extensions: [HANDOFF_EXTENSION_URI],
        timeoutMs: this.#timeoutMs,
        trusted: true,
        audit: { kind: AgentCallKind.HANDOFF_TURN, handoffId: session.handoffId },
        signal: turn.signal,
        ...(taskId ? { taskId } : {}),
      }),
    );
    yield* this.#relay({
      input,
      agentId,
      stream,
      stored,
      turn,
      metadata: { handoffId: session.handoffId },
      session,
      open,
    });
    // Only a turn the specialist answered keeps the handoff alive: one that keeps failing lapses
    // after its idle limit, however often the user tries.
    await this.#handoffs.recordActivity(session);
  }

  async *#routeToOrchestrator(
    input: RouteInput,
    turn: Turn,
    stored: Promise<void>,
  ): AsyncGenerator<RouterEvent> {
    const signal = turn.signal;
    const agents = await this.#defaultAgents(input);
    if (agents.length === 0) {
      throw new OrchestrationError(
        ErrorCode.NO_AGENT_AVAILABLE,
        "No agent is available to answer: configure default agents or hand the thread off",
        { context: { threadId: input.threadId, tenantId: input.tenantId } },
      );
    }
    const agentIds = agents.map((card) => card.identity.id);
    if (agents.length === 1) {
      const card = agents[0]!;
      const agentId = card.identity.id;
      yield { type: "route", target: "orchestrator", agentId, agentIds };
      const open = await this.#findOpenTask(input, agentId, undefined);
      const stream = this.#continuing(open, (taskId) =>
        this.#orchestrator.streamAgent({
          ...input,
          agentCard: card,
          timeoutMs: this.#timeoutMs,
          signal,
          ...(taskId ? { taskId } : {}),
        }),
      );
      yield* this.#relay({ input, agentId, stream, stored, turn, metadata: {}, open });
      return;
    }
    yield { type: "route", target: "orchestrator", agentId: ORCHESTRATOR_AGENT_ID, agentIds };
    const results = await this.#orchestrator.delegateToAgents({
      ...input,
      targetAgentCards: [...agents],
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

  /**
   * Relays one agent's streamed reply as chunk events and stores it. With a handoff `session`, a
   * `handoffReturn` in the stream completes the handoff. The stream is read by hand (not `for
   * await`), so that when the consumer stops early the rest of a returned specialist's reply can
   * still be read and stored before the upstream is closed.
   */
  async *#relay(relay: Relay): AsyncGenerator<RouterEvent> {
    const { input, agentId, stream, stored, turn, session } = relay;
    let metadata = relay.metadata;
    let asked: Extract<AgentStreamItem, { type: "input_required" }> | undefined;
    let text = "";
    let returned = false;
    let outcome: "ended" | "failed" | "left" = "left";
    let userMessageStored = false;
    let pending: RouterEvent[] = [];
    const read = async (): Promise<boolean> => {
      const next = await stream.next();
      if (next.done) return false;
      if (!userMessageStored) {
        // The user's message goes into the thread before anything of the reply does.
        await stored;
        userMessageStored = true;
      }
      const item = next.value;
      if (item.type === "text") {
        text += item.text;
        pending.push({ type: "chunk", agentId, text: item.text });
        return true;
      }
      if (item.type === "input_required") {
        asked = item;
        pending.push({
          type: "input_required",
          agentId,
          taskId: item.taskId,
          state: item.state,
          question: item.question,
          ...(session ? { handoffId: session.handoffId } : {}),
        });
        return true;
      }
      const ret = session && !returned ? agentsHandoffReturn(item.data, agentId) : undefined;
      if (ret && session) {
        returned = true;
        const done = await this.#handoffs.finishFromAgent(session, ret);
        pending.push({
          type: "handoff_returned",
          handoffId: session.handoffId,
          agentId,
          completionStatus: ret.completionStatus,
          ...(ret.resultSummary !== undefined ? { resultSummary: ret.resultSummary } : {}),
          artifactsCreated: done.artifactsCreated,
        });
      }
      return true;
    };
    try {
      while (await read()) {
        const events = pending;
        pending = [];
        for (const event of events) yield event;
      }
      outcome = "ended";
    } catch (error) {
      outcome = "failed";
      if (text !== "") {
        await stored.catch(() => undefined);
        await this.#storeInterrupted(input, agentId, text, metadata, errorCodeOf(error));
      }
      throw error;
    } finally {
      if (outcome === "left") {
        // The consumer stopped reading. A specialist that already gave control back gets to
        // finish its reply (bounded); otherwise the upstream is closed and what was shown is kept.
        let complete = false;
        if (returned) {
          // A stuck stream is cut by aborting the turn (a pending read cannot be "returned").
          const deadline = setTimeout(() => turn.abort(), DRAIN_AFTER_RETURN_MS);
          try {
            while (await read()) pending = [];
            complete = true;
          } catch {
            // What arrived before the failure is kept below.
          } finally {
            clearTimeout(deadline);
          }
        } else {
          await stream.return(undefined as never).catch(() => undefined);
        }
        await stored.catch(() => undefined);
        if (complete) await this.#store(input, agentId, text, metadata).catch(() => undefined);
        else if (text !== "") await this.#storeInterrupted(input, agentId, text, metadata, ErrorCode.ABORTED);
      }
    }
    await stored;
    await this.#settleOpenTask(relay, asked);
    if (asked) metadata = { ...metadata, inputRequired: { taskId: asked.taskId, state: asked.state } };
    yield* this.#finish(input, agentId, text, metadata);
  }

  /** The task `agentId` left waiting in this thread (in this handoff, or outside any), if any. */
  async #findOpenTask(
    input: RouteInput,
    agentId: string,
    handoffId: string | undefined,
  ): Promise<OpenTask | undefined> {
    if (this.#openTasks === undefined) return undefined;
    return this.#openTasks.find({
      tenantId: input.tenantId,
      threadId: input.threadId,
      agentId,
      ...(handoffId ? { handoffId } : {}),
    });
  }

  /**
   * The agent's reply stream, continuing `open`'s task when there is one. An agent that no longer
   * knows the task (or will not take it on: finished, expired, restarted without its store) refuses
   * before it says anything; then the task is forgotten and the message goes out as a new task.
   */
  async *#continuing(
    open: OpenTask | undefined,
    start: (taskId: string | undefined) => AsyncGenerator<AgentStreamItem, DelegationResult, undefined>,
  ): AsyncGenerator<AgentStreamItem, DelegationResult, undefined> {
    if (open === undefined) return yield* start(undefined);
    const stream = start(open.taskId);
    let first: IteratorResult<AgentStreamItem, DelegationResult>;
    try {
      first = await stream.next();
    } catch (error) {
      if (!isOrchestrationError(error) || error.code !== ErrorCode.AGENT_PROTOCOL_ERROR) throw error;
      await this.#openTasks?.remove({ ...open, taskId: open.taskId });
      return yield* start(undefined);
    }
    if (first.done) return first.value;
    yield first.value;
    return yield* stream;
  }

  /** After a turn: the task the agent left waiting is remembered; one it finished is forgotten. */
  async #settleOpenTask(
    relay: Relay,
    asked: Extract<AgentStreamItem, { type: "input_required" }> | undefined,
  ): Promise<void> {
    if (this.#openTasks === undefined) return;
    const ref = { tenantId: relay.input.tenantId, threadId: relay.input.threadId, agentId: relay.agentId };
    // A task id no store could keep (the agent chose it) cannot be continued: the next message
    // goes out as a new task rather than the turn failing.
    if (asked !== undefined && keepable(asked.taskId)) {
      const contextId = asked.contextId;
      await this.#openTasks.save({
        ...ref,
        ...(relay.session ? { handoffId: relay.session.handoffId } : {}),
        taskId: asked.taskId,
        ...(contextId && keepable(contextId) ? { contextId } : {}),
        state: asked.state,
        question: asked.question.slice(0, OPEN_TASK_LIMITS.questionLength).replaceAll("\u0000", "\uFFFD"),
      });
    } else if (asked !== undefined || relay.open !== undefined) {
      await this.#openTasks.remove({ ...ref, ...(relay.open ? { taskId: relay.open.taskId } : {}) });
    }
  }

  async *#cancelByExitWord(input: RouteInput, session: HandoffSession): AsyncGenerator<RouterEvent> {
    const reason = `User typed "${input.message.trim()}"`;
    await this.#handoffs.cancelHandoff({
      threadId: input.threadId,
      tenantId: input.tenantId,
      userId: input.userId,
      reason,
    });
    await this.#openTasks?.remove({
      tenantId: input.tenantId,
      threadId: input.threadId,
      agentId: session.targetAgentId,
    });
    yield { type: "handoff_cancelled", handoffId: session.handoffId, agentId: session.targetAgentId, reason };
    const text = `Cancelled the handoff to ${session.targetAgentId}. You are back with the main assistant.`;
    yield { type: "chunk", agentId: ORCHESTRATOR_AGENT_ID, text };
    yield* this.#finish(input, ORCHESTRATOR_AGENT_ID, text, { handoffId: session.handoffId });
  }

  async *#finish(
    input: RouteInput,
    agentId: string,
    text: string,
    metadata: Record<string, unknown>,
  ): AsyncGenerator<RouterEvent> {
    if (Buffer.byteLength(text) > REPLY_STORE_LIMIT) {
      // Larger than a thread may hold (a client configured with a reply limit above it): the
      // agent's fault, not the caller's — kept as far as it fits, and the turn fails.
      await this.#storeInterrupted(input, agentId, text, metadata, ErrorCode.AGENT_RESPONSE_TOO_LARGE);
      throw new AgentError(
        ErrorCode.AGENT_RESPONSE_TOO_LARGE,
        `Agent ${agentId} sent a reply larger than a thread can store (${REPLY_STORE_LIMIT} bytes)`,
        { context: { agentId, threadId: input.threadId } },
      );
    }
    const stored = await this.#store(input, agentId, text, metadata);
    yield { type: "done", agentId, text, messageId: stored.id };
  }

  #store(input: RouteInput, agentId: string, text: string, metadata: Record<string, unknown>) {
    return this.#repo.addMessage({
      conversationId: input.threadId,
      tenantId: input.tenantId,
      role: MessageRole.ASSISTANT,
      content: text,
      agentId,
      metadata,
    });
  }

  /** Stores a reply that stopped early: the text shown, a note saying why, `metadata.interrupted`. Never throws. */
  async #storeInterrupted(
    input: RouteInput,
    agentId: string,
    text: string,
    metadata: Record<string, unknown>,
    code: string,
  ): Promise<void> {
    const why = INTERRUPTED_NOTE[code] ?? "the agent failed before it ended";
    try {
      await this.#store(input, agentId, `${fitted(text)}\n\n[Reply cut off: ${why}.]`, {
        ...metadata,
        interrupted: code,
      });
    } catch {
      // Best effort: the turn's own outcome (its error, or the consumer leaving) stands.
    }
  }
}

/** An id an agent chose that a store can keep as it is (no NUL: PostgreSQL text cannot hold one). */
function keepable(id: string): boolean {
  return id.length <= OPEN_TASK_LIMITS.idLength && !id.includes("\u0000");
}

/** What one stored reply may hold, leaving room for the note of an interrupted one. */
const REPLY_STORE_LIMIT = LIMITS.storedContentBytes - 1_024;

/** `text` cut (at a character boundary) to what a stored reply may hold. */
function fitted(text: string): string {
  if (Buffer.byteLength(text) <= REPLY_STORE_LIMIT) return text;
  return Buffer.from(text)
    .subarray(0, REPLY_STORE_LIMIT)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}

function defaultAgentsResolver(value: StreamRouterConfig["defaultAgents"]): DefaultAgentsResolver {
  if (typeof value === "function") {
    return async (ref) => {
      const cards = await value(ref);
      return cards.map((card, i) => parseAgentCard(card, `defaultAgents[${i}]`));
    };
  }
  if (value !== undefined && !Array.isArray(value)) {
    throw new ConfigurationError("defaultAgents must be an array of agent cards or a function", {
      context: { field: "defaultAgents" },
    });
  }
  const cards = (value ?? []).map((card, i) => parseAgentCard(card, `defaultAgents[${i}]`));
  return () => cards;
}

/** The agent's `handoffReturn`, if the data part is one; a malformed one is the agent's fault. */
function agentsHandoffReturn(data: Record<string, unknown>, agentId: string) {
  try {
    return findHandoffReturn([data]);
  } catch (error) {
    throw new AgentError(
      ErrorCode.AGENT_PROTOCOL_ERROR,
      `Agent ${agentId} sent an invalid handoffReturn: ${(error as Error).message}`,
      { cause: error, context: { agentId } },
    );
  }
}

function errorCodeOf(error: unknown): string {
  return isOrchestrationError(error) ? error.code : ErrorCode.INTERNAL_ERROR;
}

function asOrchestrationError(error: unknown): OrchestrationError {
  if (isOrchestrationError(error)) return error;
  // An unexpected failure (a database's, a bug's) is not explained to the user: its text may name
  // hosts, tables or values. The cause is kept for logs and traces.
  return new OrchestrationError(
    ErrorCode.INTERNAL_ERROR,
    "The message could not be handled (internal error)",
    {
      cause: error,
    },
  );
}
