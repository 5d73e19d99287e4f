/**
 * Routing by skills in the stream router: on a turn no handoff holds, an {@link AgentSelector}
 * ranks the tenant's agents for the message (and the turns before it) and the router sends the
 * message to the best ones; when none fits it falls back to the default agents or asks the user.
 * A selector that fails or is slow never fails the turn. The same decision explains a route
 * without calling any agent (`StreamRouter.explainRoute`). The option itself: `router-routing-plan.ts`.
 */
import { z } from "zod";
import type { AgentCard } from "../a2a/agent-card.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { MessageRole } from "../conversation/models.js";
import { ConfigurationError, isOrchestrationError } from "../errors.js";
import { linkSignals } from "../observability.js";
import { LIMITS, boundedText, identifierSchema, uuidSchema } from "../validation.js";
import type { RankedAgent, SelectorTurn } from "./agent-selector.js";
import { ORCHESTRATOR_AGENT_ID, type RouterEvent } from "./router-events.js";
import type { RouterReplies, ThreadRef } from "./router-replies.js";
import {
  DEFAULT_ROUTING,
  routingPlan,
  withAgents,
  type RouteCandidate,
  type RouteDecision,
  type RoutingOptions,
  type RoutingPlan,
  type RoutingRef,
  type RoutingResolver,
} from "./router-routing-plan.js";
import { TransferWatch, type TransferTurn } from "./router-transfers.js";

export * from "./router-routing-plan.js";

/** Input of `StreamRouter.explainRoute`. */
export interface ExplainRouteOptions {
  tenantId: string;
  userId: string;
  message: string;
  /** Omitted: as for a new thread (no history, no handoff). */
  threadId?: string;
  signal?: AbortSignal;
}

export const explainSchema = z.object({
  tenantId: identifierSchema,
  userId: identifierSchema,
  message: boundedText(LIMITS.messageBytes),
  threadId: uuidSchema.optional(),
});

/**
 * The thread's last `limit` user messages and replies, oldest first, as the selector sees them:
 * each reply with the agent that gave it. `current`, the message being routed, is left out when the
 * newest stored user message is it (it is stored while the turn starts).
 */
export async function selectorHistory(
  repo: ConversationRepository,
  ref: { tenantId: string; threadId: string },
  limit: number,
  current?: string,
): Promise<SelectorTurn[]> {
  if (limit === 0) return [];
  const messages = await repo.getRecentMessages({
    conversationId: ref.threadId,
    tenantId: ref.tenantId,
    limit: current === undefined ? limit : limit + 1,
    includeSystem: false,
  });
  const last = messages.at(-1);
  if (current !== undefined && last?.role === MessageRole.USER && last.content === current) messages.pop();
  return messages.slice(-limit).map((message) =>
    message.role === MessageRole.USER
      ? { role: "user", text: message.content }
      : {
          role: "agent",
          text: message.content,
          ...(message.agentId && message.agentId !== ORCHESTRATOR_AGENT_ID
            ? { agentId: message.agentId }
            : {}),
        },
  );
}

/** Asks the plan's selector and decides who answers; never throws for the selector's failure. */
export async function decideRoute(
  plan: RoutingPlan,
  input: { message: string; history: readonly SelectorTurn[]; signal?: AbortSignal | undefined },
  log: { tenantId: string; threadId?: string | undefined },
): Promise<RouteDecision> {
  let ranked: RankedAgent[];
  try {
    ranked = await select(plan, input);
  } catch (error) {
    // Logged without the message: its code only.
    const code = failureCode(error);
    plan.logger.warn({ ...log, errorCode: code }, "agent selector failed; routing falls back");
    return fallback(plan, [], `the selector failed (${code})`);
  }
  const known = new Set(plan.agents.map((card) => card.identity.id));
  const candidates = candidatesOf(ranked, known);
  const fits = candidates.filter((candidate) => candidate.score >= plan.minScore).slice(0, plan.maxAgents);
  const agents: AgentCard[] = [];
  for (const candidate of fits) {
    const card = await plan.cardFor(candidate.agentId);
    if (card) agents.push(card);
  }
  if (agents.length === 0) {
    const best = candidates[0];
    const why = best
      ? `no agent fits well enough (best: ${best.agentId} at ${best.score.toFixed(2)}, below ${plan.minScore})`
      : "no agent fits the message";
    return fallback(plan, candidates, why);
  }
  const chosen = fits[0]!;
  const others = agents.length > 1 ? ` and ${agents.length - 1} more` : "";
  return {
    outcome: "selected",
    agents,
    candidates,
    reason: `${chosen.agentId}${others} (score ${chosen.score.toFixed(2)}): ${chosen.reason}`,
  };
}

/** The orchestrator's reply when no agent fits and the fallback is `ask`. */
export function askReply(plan: RoutingPlan): string {
  const names = [...new Set(plan.agents.map((card) => card.identity.name))];
  if (names.length === 0)
    return "I am not sure who can help with that, and no agents are available. Could you rephrase?";
  return (
    "I am not sure which of our agents should answer that. Could you rephrase, or say which one you want: " +
    `${names.join(", ")}?`
  );
}

async function select(plan: RoutingPlan, input: Parameters<typeof decideRoute>[1]): Promise<RankedAgent[]> {
  const bounded = linkSignals(input.signal);
  const timer = setTimeout(() => bounded.abort(), plan.selectorTimeoutMs);
  try {
    const asked = plan.selector.select({
      message: plan.sanitizer.sanitize(input.message),
      history: input.history.map((turn) => ({ ...turn, text: plan.sanitizer.sanitize(turn.text) })),
      limit: Math.max(plan.maxAgents, DEFAULT_ROUTING.candidates),
      signal: bounded.signal,
    });
    // A selector that ignores its signal is not waited for past the timeout either.
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(new SelectorTimeout());
      if (bounded.signal.aborted) fail();
      else bounded.signal.addEventListener("abort", fail, { once: true });
    });
    aborted.catch(() => undefined);
    const ranked = await Promise.race([asked, aborted]);
    if (!Array.isArray(ranked)) throw new TypeError("the selector did not return a list");
    return ranked;
  } finally {
    clearTimeout(timer);
    bounded.dispose();
  }
}

function failureCode(error: unknown): string {
  if (error instanceof SelectorTimeout) return error.code;
  return isOrchestrationError(error) ? error.code : "SELECTOR_ERROR";
}

class SelectorTimeout extends Error {
  readonly code = "SELECTOR_TIMEOUT";
  constructor() {
    super("the agent selector did not answer in time");
  }
}

/** The selector's answer, well-formed and limited to the plan's agents, best first. */
function candidatesOf(ranked: readonly RankedAgent[], known: ReadonlySet<string>): RouteCandidate[] {
  const seen = new Set<string>();
  const out: RouteCandidate[] = [];
  for (const entry of ranked) {
    if (entry === null || typeof entry !== "object") continue;
    const { agentId, score } = entry;
    if (typeof agentId !== "string" || !known.has(agentId) || seen.has(agentId)) continue;
    if (typeof score !== "number" || !Number.isFinite(score)) continue;
    seen.add(agentId);
    out.push({
      agentId,
      score: Math.min(1, Math.max(0, score)),
      ...(typeof entry.skillId === "string" ? { skillId: entry.skillId } : {}),
      reason: typeof entry.reason === "string" ? entry.reason.slice(0, 500) : "",
    });
  }
  out.sort((a, b) => b.score - a.score);
  return out.slice(0, DEFAULT_ROUTING.candidates);
}

function fallback(plan: RoutingPlan, candidates: RouteCandidate[], why: string): RouteDecision {
  return plan.fallback === "ask"
    ? { outcome: "ask", agents: [], candidates, reason: `${why}; asking the user to choose` }
    : { outcome: "defaults", agents: [], candidates, reason: `${why}; the default agents answer` };
}

/** A routed turn: the plan it ran under and what it decided. */
export interface RoutedTurn {
  plan: RoutingPlan;
  decision: RouteDecision;
}

/** What `StreamRouter.explainRoute` answers: who would answer the message, and why. */
export interface RouteExplanation {
  /** True when a handoff holds the thread: its specialist answers, whatever the message. */
  held: boolean;
  handoff?: { handoffId: string; agentId: string };
  /** True when routing by skills applied (the router has `routing` and it is on for the tenant). */
  routing: boolean;
  outcome: "handoff" | "selected" | "defaults" | "ask";
  /** Who would answer: the specialist, the chosen agents or the default agents; none when asking. */
  agentIds: string[];
  candidates: RouteCandidate[];
  reason: string;
}

/** The `route` event's routing fields for a routed turn (none for a turn without routing). */
export function routeFields(routed: RoutedTurn | undefined): {
  candidates?: RouteCandidate[];
  reason?: string;
} {
  return routed ? { candidates: routed.decision.candidates, reason: routed.decision.reason } : {};
}

/** The router's default agents, looked up for a turn. */
type DefaultsLookup = (
  ref: RoutingRef & { threadId: string },
) => Promise<readonly AgentCard[]> | readonly AgentCard[];

/** The router's routing: the option (or resolver), looked up and applied per turn. */
export class RouterRouting {
  readonly #resolve: RoutingResolver;
  readonly #static: RoutingPlan | undefined;
  readonly #staticAgents: boolean = false;
  readonly #staticCardFor: RoutingPlan["cardFor"] | undefined;
  readonly #defaults: DefaultsLookup;
  readonly #repo: ConversationRepository;
  readonly #checkedLists = new WeakMap<readonly unknown[], AgentCard[]>();

  constructor(config: {
    routing: RoutingOptions | RoutingResolver;
    defaults: DefaultsLookup;
    repo: ConversationRepository;
  }) {
    const { routing } = config;
    if (typeof routing === "function") this.#resolve = routing;
    else if (routing !== null && typeof routing === "object") {
      // Checked now: a bad option is the constructor's ConfigurationError, not a failed turn.
      this.#static = routingPlan(routing, []);
      this.#staticAgents = routing.agents !== undefined;
      this.#staticCardFor = routing.cardFor;
      this.#resolve = () => routing;
    } else {
      throw new ConfigurationError("routing must be an object ({ selector, fallback, ... }) or a function", {
        context: { field: "routing" },
      });
    }
    this.#defaults = config.defaults;
    this.#repo = config.repo;
  }

  /** The turn's plan, or undefined when routing is off for it. */
  async plan(ref: RoutingRef & { threadId: string }): Promise<RoutingPlan | undefined> {
    if (this.#static) {
      if (this.#staticAgents) return this.#static;
      return withAgents(this.#static, await this.#defaults(ref), this.#staticCardFor);
    }
    const options = await this.#resolve(ref);
    if (options === undefined) return undefined;
    const defaults = options.agents === undefined ? await this.#defaults(ref) : [];
    return routingPlan(options, defaults, this.#checkedLists);
  }

  /** Routes a turn: its plan (none: not routed) and decision, once the user message is stored. */
  async route(
    input: { tenantId: string; threadId: string; userId: string; message: string },
    state: { stored: Promise<void>; turn: { signal: AbortSignal } },
  ): Promise<RoutedTurn | undefined> {
    const plan = await this.plan(input);
    if (!plan) return undefined;
    await state.stored;
    return this.decide(plan, input, state.turn.signal, true);
  }

  /** The `ask` fallback: the orchestrator asks the user to rephrase or choose, and no agent is called. */
  async *ask(input: ThreadRef, routed: RoutedTurn, replies: RouterReplies): AsyncGenerator<RouterEvent> {
    const agentId = ORCHESTRATOR_AGENT_ID;
    yield { type: "route", target: "orchestrator", agentId, agentIds: [], ...routeFields(routed) };
    const text = askReply(routed.plan);
    yield { type: "chunk", agentId, text };
    yield* replies.finish({ thread: input, agentId, text, metadata: { routing: "ask" } });
  }

  /** Watches a routed agent's reply for a transfer request (see {@link TransferWatch}). */
  watch(routed: RoutedTurn, turn: Omit<TransferTurn, "plan" | "repo">): TransferWatch {
    return new TransferWatch({ ...turn, plan: routed.plan, repo: turn.handoffs.conversationRepo });
  }

  /** Decides who answers the turn's message (the thread's earlier messages as history). */
  async decide(
    plan: RoutingPlan,
    input: { tenantId: string; threadId: string; message: string },
    signal: AbortSignal | undefined,
    current: boolean,
  ): Promise<RoutedTurn> {
    // No thread yet (an explanation for a new one): no history.
    const history =
      input.threadId === ""
        ? []
        : await selectorHistory(this.#repo, input, plan.historyMessages, current ? input.message : undefined);
    const decision = await decideRoute(
      plan,
      { message: input.message, history, signal },
      {
        tenantId: input.tenantId,
        ...(input.threadId !== "" ? { threadId: input.threadId } : {}),
      },
    );
    return { plan, decision };
  }

  /**
   * What a turn would decide now for `message` (no agent called, nothing stored): the specialist of
   * the handoff holding the thread, else routing's choice, else the default agents.
   */
  async explain(
    ref: RoutingRef & { threadId: string; message: string; signal?: AbortSignal | undefined },
    held: { handoffId: string; targetAgentId: string } | null,
  ): Promise<RouteExplanation> {
    if (held) {
      return {
        held: true,
        handoff: { handoffId: held.handoffId, agentId: held.targetAgentId },
        routing: false,
        outcome: "handoff",
        agentIds: [held.targetAgentId],
        candidates: [],
        reason: `a handoff holds the thread: ${held.targetAgentId} answers every message until it ends`,
      };
    }
    const plan = await this.plan(ref);
    if (!plan) {
      const defaults = await this.#defaults(ref);
      return {
        held: false,
        routing: false,
        outcome: "defaults",
        agentIds: defaults.map((card) => card.identity.id),
        candidates: [],
        reason: "routing is off: the default agents answer",
      };
    }
    const { decision } = await this.decide(plan, ref, ref.signal, false);
    const agentIds =
      decision.outcome === "selected"
        ? decision.agents.map((card) => card.identity.id)
        : decision.outcome === "defaults"
          ? (await this.#defaults(ref)).map((card) => card.identity.id)
          : [];
    return {
      held: false,
      routing: true,
      outcome: decision.outcome,
      agentIds,
      candidates: decision.candidates,
      reason: decision.reason,
    };
  }
}
