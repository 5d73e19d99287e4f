/**
 * Routes each user message to whoever holds the thread — the specialist of an active handoff,
 * or the orchestrator over the default agents — and streams the reply back as it arrives.
 */
import { z } from "zod";
import { HANDOFF_EXTENSION_URI } from "../a2a/handoff-extension.js";
import { parseAgentCard, type AgentCard } from "../a2a/agent-card.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { DEFAULT_ROUTE_TIMEOUT_MS } from "../defaults.js";
import { ConfigurationError, ErrorCode, OrchestrationError } from "../errors.js";
import { linkSignals } from "../observability.js";
import {
  LIMITS,
  asConfigurationError,
  boundedText,
  identifierSchema,
  parseInput,
  uuidSchema,
} from "../validation.js";
import { AgentCallKind } from "./agent-call-audit.js";
import type { HandoffManager, HandoffSession } from "./handoff-manager.js";
import type { OpenTaskStore } from "./open-tasks.js";
import type { OrchestrationManager } from "./orchestration-manager.js";
import { ORCHESTRATOR_AGENT_ID, errorEvent, type RouterEvent } from "./router-events.js";
import { ExitWords } from "./router-exit-words.js";
import { RouterOpenTasks } from "./router-open-tasks.js";
import { relayReply, type Relay, type Turn } from "./router-relay.js";
import { RouterReplies } from "./router-replies.js";
import {
  RouterRouting,
  explainSchema,
  routeFields,
  type ExplainRouteOptions,
  type RouteExplanation,
  type RoutedTurn,
  type RoutingOptions,
  type RoutingResolver,
} from "./router-routing.js";
import { storesOf } from "./stores.js";
import { ThreadManager } from "./thread-manager.js";
import { TurnRecorder, TurnTrigger, type TurnLog, type TurnTimelineStore } from "./turn-timeline.js";
import { DelegationStrategy } from "./types.js";

export { ORCHESTRATOR_AGENT_ID, type RouterEvent } from "./router-events.js";

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
  /**
   * Where each turn's timeline goes (route, agent calls, timings, outcomes — never message text),
   * written once per turn at its end, a failed or abandoned one too. Default: none, nothing recorded.
   * `SqlConversationRepository#turnTimelineStore()` gives the SQL one.
   */
  timeline?: TurnTimelineStore;
  /**
   * Routing by skills: on a turn no handoff holds, `selector` picks who answers among the agents
   * (default: `defaultAgents`), and agents may ask for a transfer (`handoffSuggest`). A function is
   * looked up per turn (undefined: not routed). Without it the router behaves exactly as before.
   */
  routing?: RoutingOptions | RoutingResolver;
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
  /**
   * Whether the sender may start handoffs, and so whether an agent's `handoffSuggest` is acted on.
   * Default: the handoff manager's RBAC (`handoff:initiate`), or true without RBAC.
   */
  mayStartHandoff?: boolean;
  signal?: AbortSignal;
}

const routeSchema = z.object({
  threadId: uuidSchema,
  tenantId: identifierSchema,
  userId: identifierSchema,
  message: boundedText(LIMITS.messageBytes),
});

type RouteInput = z.output<typeof routeSchema>;
export class StreamRouter {
  readonly #handoffs: HandoffManager;
  readonly #orchestrator: OrchestrationManager;
  readonly #threads: ThreadManager;
  readonly #defaultAgents: DefaultAgentsResolver;
  readonly #strategy: DelegationStrategy;
  readonly #exitWords: ExitWords;
  readonly #timeoutMs: number;
  readonly #replies: RouterReplies;
  readonly #openTasks: RouterOpenTasks;
  readonly #recorder: TurnRecorder | undefined;
  readonly #routing: RouterRouting | undefined;
  readonly #explainer: RouterRouting;

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
    const repo = config.conversationRepo ?? config.handoffManager.conversationRepo;
    this.#threads = new ThreadManager(repo, { handoffs: config.handoffManager });
    this.#defaultAgents = defaultAgentsResolver(config.defaultAgents);
    this.#strategy = config.strategy ?? DelegationStrategy.PARALLEL;
    this.#exitWords = new ExitWords(config.exitCommands);
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
    this.#replies = new RouterReplies(repo);
    this.#openTasks = new RouterOpenTasks(config.openTasks ?? storesOf(repo)?.openTaskStore());
    this.#recorder = config.timeline ? new TurnRecorder({ store: config.timeline }) : undefined;
    this.#routing =
      config.routing === undefined
        ? undefined
        : new RouterRouting({ routing: config.routing, defaults: this.#defaultAgents, repo });
    this.#explainer =
      this.#routing ?? new RouterRouting({ routing: () => undefined, defaults: this.#defaultAgents, repo });
  }

  /**
   * Forgets the tasks an agent left waiting in the tenant's threads: when the agent is removed, a
   * later agent of the same id must not be sent its predecessor's task ids.
   */
  async forgetAgent(ref: { tenantId: string; agentId: string }): Promise<void> {
    await this.#openTasks.forgetAgent(ref);
  }

  /**
   * Who would answer `message` now, and why: the specialist of a handoff holding the thread, else
   * routing's choice with its candidates, else the default agents. No agent is called and nothing
   * is stored. Without `threadId`: as for a new thread. Checks the thread is the tenant's; who may
   * read it is the caller's to check.
   */
  async explainRoute(options: ExplainRouteOptions): Promise<RouteExplanation> {
    const input = parseInput(explainSchema, options);
    const ref = { ...input, threadId: input.threadId ?? "", signal: options.signal };
    let held: HandoffSession | null = null;
    if (input.threadId !== undefined) {
      const thread = { threadId: input.threadId, tenantId: input.tenantId };
      [, held] = await Promise.all([
        this.#threads.requireThread(thread),
        this.#handoffs.getActiveHandoff(thread),
      ]);
    }
    return this.#explainer.explain(ref, held);
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
    const log = this.#recorder?.begin(TurnTrigger.MESSAGE);
    if (!log) return yield* this.#turnEvents(options, undefined);
    let ended = false;
    try {
      for await (const event of this.#turnEvents(options, log)) {
        log.observe(event);
        yield event;
      }
      ended = true;
    } finally {
      if (!ended) log.abandoned();
      await log.finish();
    }
  }

  async *#turnEvents(options: RouteMessageOptions, log: TurnLog | undefined): AsyncGenerator<RouterEvent> {
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
      log?.bind(input);
      const isExit =
        session !== null &&
        this.#exitWords.matches(input.message) &&
        (options.mayCancelHandoff ?? (await this.#handoffs.mayCancel(input)));
      // The user message is stored while the agent is already being asked (one round trip off
      // the time to first chunk); every path awaits it before it yields any of the reply.
      const stored = this.#replies.addUserMessage(input);
      if (session && isExit) {
        await stored;
        yield* this.#cancelByExitWord(input, session);
      } else if (session) {
        yield* this.#routeToSpecialist(input, session, { turn, stored });
      } else {
        const mayStartHandoff = options.mayStartHandoff;
        yield* this.#routeToOrchestrator(input, { turn, stored, log, mayStartHandoff });
      }
      settled = true;
    } catch (error) {
      yield errorEvent(error);
    } finally {
      // A consumer that stops early lands here: abort whatever is still streaming upstream.
      if (!settled) turn.abort();
      turn.dispose();
    }
  }

  async *#routeToSpecialist(
    input: RouteInput,
    session: HandoffSession,
    { turn, stored }: TurnState,
  ): AsyncGenerator<RouterEvent> {
    const agentId = session.targetAgentId;
    yield { type: "route", target: "handoff", agentId, agentIds: [agentId], handoffId: session.handoffId };
    const [agentCard, open] = await Promise.all([
      this.#handoffs.targetCardFor(session),
      this.#openTasks.find(input, { agentId, handoffId: session.handoffId }),
    ]);
    const stream = this.#openTasks.continuing(open, (taskId) =>
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

  async *#routeToOrchestrator(input: RouteInput, state: TurnState): AsyncGenerator<RouterEvent> {
    const routed = await this.#routing?.route(input, state);
    if (routed?.decision.outcome === "ask") {
      yield* this.#routing!.ask(input, routed, this.#replies);
      return;
    }
    state.routed = routed;
    const agents =
      routed?.decision.outcome === "selected" ? routed.decision.agents : await this.#defaultAgents(input);
    if (agents.length === 0) {
      throw new OrchestrationError(
        ErrorCode.NO_AGENT_AVAILABLE,
        "No agent is available to answer: configure default agents or hand the thread off",
        { context: { threadId: input.threadId, tenantId: input.tenantId } },
      );
    }
    const agentIds = agents.map((card) => card.identity.id);
    if (agents.length === 1) {
      yield* this.#routeToDefaultAgent(input, agents[0]!, state);
      return;
    }
    yield {
      type: "route",
      target: "orchestrator",
      agentId: ORCHESTRATOR_AGENT_ID,
      agentIds,
      ...routeFields(state.routed),
    };
    const results = await this.#orchestrator.delegateToAgents({
      ...input,
      targetAgentCards: [...agents],
      strategy: this.#strategy,
      timeoutMs: this.#timeoutMs,
      signal: state.turn.signal,
      ...(state.log ? { onAttempts: state.log.attempts(this.#strategy) } : {}),
    });
    await state.stored;
    yield { type: "delegation", results };
    const text = this.#orchestrator.synthesizeResponses(results);
    yield { type: "chunk", agentId: ORCHESTRATOR_AGENT_ID, text };
    yield* this.#replies.finish({
      thread: input,
      agentId: ORCHESTRATOR_AGENT_ID,
      text,
      metadata: {
        delegation: results.map(({ agentId, success, latencyMs, errorCode }) => ({
          agentId,
          success,
          latencyMs,
          ...(errorCode ? { errorCode } : {}),
        })),
      },
    });
  }

  /** The one default agent streams its reply live. */
  async *#routeToDefaultAgent(
    input: RouteInput,
    card: AgentCard,
    { turn, stored, routed, mayStartHandoff }: TurnState,
  ): AsyncGenerator<RouterEvent> {
    const agentId = card.identity.id;
    yield { type: "route", target: "orchestrator", agentId, agentIds: [agentId], ...routeFields(routed) };
    const open = await this.#openTasks.find(input, { agentId, handoffId: undefined });
    const stream = this.#openTasks.continuing(open, (taskId) =>
      this.#orchestrator.streamAgent({
        ...input,
        agentCard: card,
        timeoutMs: this.#timeoutMs,
        signal: turn.signal,
        ...(taskId ? { taskId } : {}),
      }),
    );
    // A routed agent may ask for a transfer (handoffSuggest): acted on once its reply is stored.
    const watch =
      routed &&
      this.#routing!.watch(routed, {
        handoffs: this.#handoffs,
        input,
        agentId,
        mayStartHandoff,
        signal: turn.signal,
      });
    const relayed = this.#relay({
      input,
      agentId,
      stream: watch ? watch.tap(stream) : stream,
      stored,
      turn,
      metadata: {},
      open,
    });
    yield* watch ? watch.around(relayed) : relayed;
  }

  #relay(relay: Relay): AsyncGenerator<RouterEvent> {
    return relayReply(relay, {
      handoffs: this.#handoffs,
      replies: this.#replies,
      openTasks: this.#openTasks,
    });
  }

  async *#cancelByExitWord(input: RouteInput, session: HandoffSession): AsyncGenerator<RouterEvent> {
    const reason = `User typed "${input.message.trim()}"`;
    await this.#handoffs.cancelHandoff({
      threadId: input.threadId,
      tenantId: input.tenantId,
      userId: input.userId,
      reason,
    });
    await this.#openTasks.forget({
      tenantId: input.tenantId,
      threadId: input.threadId,
      agentId: session.targetAgentId,
    });
    yield { type: "handoff_cancelled", handoffId: session.handoffId, agentId: session.targetAgentId, reason };
    const text = `Cancelled the handoff to ${session.targetAgentId}. You are back with the main assistant.`;
    yield { type: "chunk", agentId: ORCHESTRATOR_AGENT_ID, text };
    yield* this.#replies.finish({
      thread: input,
      agentId: ORCHESTRATOR_AGENT_ID,
      text,
      metadata: { handoffId: session.handoffId },
    });
  }
}

/** What every path of one turn shares: its cancellation, and the user message being stored. */
interface TurnState {
  turn: Turn;
  stored: Promise<void>;
  /** The turn's timeline, when one is recorded. */
  log?: TurnLog;
  /** What routing decided, when the turn was routed. */
  routed?: RoutedTurn;
  mayStartHandoff?: boolean | undefined;
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
  let cards: AgentCard[];
  try {
    cards = (value ?? []).map((card, i) => parseAgentCard(card, `defaultAgents[${i}]`));
  } catch (error) {
    throw asConfigurationError(error);
  }
  return () => cards;
}
