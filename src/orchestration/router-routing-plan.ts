/**
 * The stream router's `routing` option: what it takes, checked once with its defaults filled in
 * (a ConfigurationError naming `routing.<field>`), as the plan a routed turn runs under.
 */
import { z } from "zod";
import { parseAgentCard, type AgentCard } from "../a2a/agent-card.js";
import { ConfigurationError } from "../errors.js";
import { defaultLogger, type Logger } from "../observability.js";
import { ContextSanitizer } from "../security/sanitizer/index.js";
import { parseConfig } from "../validation.js";
import type { AgentSelector } from "./agent-selector.js";

/** When no candidate reaches `minScore`: answer with the default agents, or ask the user to choose. */
export type RoutingFallback = "defaults" | "ask";

/** One ranked candidate, as the `route` event and the explanation show it. */
export interface RouteCandidate {
  agentId: string;
  score: number;
  skillId?: string;
  reason: string;
}

/** StreamRouter's `routing` option. */
export interface RoutingOptions {
  selector: AgentSelector;
  /** At most this many agents answer (several are delegated to and synthesized). Default 1. */
  maxAgents?: number;
  /** A candidate below this score does not answer (0..1). Default 0: the selector's own threshold. */
  minScore?: number;
  fallback: RoutingFallback;
  /**
   * The agents the selector chooses among, with their credentials (ids as the selector returns
   * them). Default: the router's default agents.
   */
  agents?: readonly AgentCard[];
  /** The callable card of a chosen agent, when `agents` carry no credentials. Default: from `agents`. */
  cardFor?: (agentId: string) => Promise<AgentCard | undefined>;
  /** Earlier messages of the thread the selector sees. Default 10. */
  historyMessages?: number;
  /** How long the selector may take; past it the fallback applies. Default 5 000. */
  selectorTimeoutMs?: number;
  /**
   * Agent-requested transfers (`handoffSuggest`): how many times in a row a thread may move between
   * the same two agents (see README). Default 2; 0 turns transfers off.
   */
  maxBounces?: number;
  /**
   * How a transfer names its target to the handoff manager: `"directory"` by id (the manager's
   * agentDirectory resolves it on every turn, on every replica), `"card"` with the card from
   * `agents`. Default `"card"`.
   */
  transferBy?: "card" | "directory";
  /** Applied to what the selector sees and to a transfer's summary and reason. Default: a new ContextSanitizer. */
  sanitizer?: ContextSanitizer;
  logger?: Logger;
}

/** Who a routing decision is for. */
export interface RoutingRef {
  tenantId: string;
  userId: string;
  threadId?: string;
}

/** Routing looked up per turn (e.g. the tenant's setting); undefined: this turn is not routed. */
export type RoutingResolver = (
  ref: RoutingRef,
) => Promise<RoutingOptions | undefined> | RoutingOptions | undefined;

/** Routing for one turn, checked and with its defaults filled in. */
export interface RoutingPlan {
  selector: AgentSelector;
  maxAgents: number;
  minScore: number;
  fallback: RoutingFallback;
  agents: readonly AgentCard[];
  cardFor: (agentId: string) => Promise<AgentCard | undefined>;
  historyMessages: number;
  selectorTimeoutMs: number;
  maxBounces: number;
  transferBy: "card" | "directory";
  sanitizer: ContextSanitizer;
  logger: Logger;
}

/** What routing decided for a message. */
export interface RouteDecision {
  /** `selected`: `agents` answer; `defaults`: the default agents answer; `ask`: the user is asked. */
  outcome: "selected" | "defaults" | "ask";
  /** The chosen agents (callable cards), best first; empty unless `selected`. */
  agents: AgentCard[];
  candidates: RouteCandidate[];
  reason: string;
}

export const DEFAULT_ROUTING = Object.freeze({
  maxAgents: 1,
  minScore: 0,
  historyMessages: 10,
  selectorTimeoutMs: 5_000,
  maxBounces: 2,
  /** The most candidates a decision shows. */
  candidates: 5,
});

const routingSchema = z.object({
  selector: z.custom<AgentSelector>(
    (value) => typeof (value as AgentSelector | undefined)?.select === "function",
    "must have a select({ message, history }) method",
  ),
  maxAgents: z.number().int().min(1).max(20).optional(),
  minScore: z.number().min(0).max(1).optional(),
  fallback: z.enum(["defaults", "ask"], { error: 'must be "defaults" or "ask"' }),
  agents: z.array(z.unknown()).max(10_000).optional(),
  cardFor: z.custom<RoutingOptions["cardFor"]>((value) => typeof value === "function").optional(),
  historyMessages: z.number().int().min(0).max(100).optional(),
  selectorTimeoutMs: z.number().int().positive().max(120_000).optional(),
  maxBounces: z.number().int().min(0).max(100).optional(),
  transferBy: z.enum(["card", "directory"]).optional(),
  sanitizer: z.instanceof(ContextSanitizer).optional(),
  logger: z.custom<Logger>((value) => typeof (value as Logger | undefined)?.warn === "function").optional(),
});

/** Checks `options` (a ConfigurationError naming `routing.<field>`) and fills in the defaults. */
export function routingPlan(
  options: RoutingOptions,
  defaults: readonly AgentCard[],
  /** Lists of cards already checked (a resolver that returns the same list each turn is checked once). */
  checkedLists?: WeakMap<readonly unknown[], AgentCard[]>,
): RoutingPlan {
  const checked = parseConfig(routingSchema, options, "routing");
  let agents: AgentCard[];
  try {
    // The default agents are checked where they are looked up.
    const given = options.agents;
    agents =
      given === undefined
        ? [...defaults]
        : (checkedLists?.get(given) ?? given.map((card, i) => parseAgentCard(card, `routing.agents[${i}]`)));
    if (given !== undefined) checkedLists?.set(given, agents);
  } catch (error) {
    throw new ConfigurationError((error as Error).message, {
      cause: error,
      context: { field: "routing.agents" },
    });
  }
  return withAgents(
    {
      selector: checked.selector,
      maxAgents: checked.maxAgents ?? DEFAULT_ROUTING.maxAgents,
      minScore: checked.minScore ?? DEFAULT_ROUTING.minScore,
      fallback: checked.fallback,
      historyMessages: checked.historyMessages ?? DEFAULT_ROUTING.historyMessages,
      selectorTimeoutMs: checked.selectorTimeoutMs ?? DEFAULT_ROUTING.selectorTimeoutMs,
      maxBounces: checked.maxBounces ?? DEFAULT_ROUTING.maxBounces,
      transferBy: checked.transferBy ?? "card",
      sanitizer: checked.sanitizer ?? new ContextSanitizer(),
      logger: (checked.logger ?? defaultLogger()).child({ component: "routing" }),
    },
    agents,
    checked.cardFor,
  );
}

/** `plan` choosing among `agents` (callable cards), found by id unless `cardFor` is given. */
export function withAgents(
  plan: Omit<RoutingPlan, "agents" | "cardFor">,
  agents: readonly AgentCard[],
  cardFor?: RoutingPlan["cardFor"],
): RoutingPlan {
  const byId = new Map(agents.map((card) => [card.identity.id, card]));
  return { ...plan, agents, cardFor: cardFor ?? (async (agentId) => byId.get(agentId)) };
}
