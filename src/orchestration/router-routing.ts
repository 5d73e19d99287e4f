/**
 * Routing by skills in the stream router: on a turn no handoff holds, an {@link AgentSelector}
 * ranks the tenant's agents for the message (and the turns before it) and the router sends the
 * message to the best ones; when none fits it falls back to the default agents or asks the user.
 * A selector that fails or is slow never fails the turn. The same decision explains a route
 * without calling any agent (`StreamRouter.explainRoute`).
 */
import { z } from "zod";
import { parseAgentCard, type AgentCard } from "../a2a/agent-card.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { MessageRole } from "../conversation/models.js";
import { ConfigurationError, isOrchestrationError } from "../errors.js";
import { defaultLogger, linkSignals, type Logger } from "../observability.js";
import { ContextSanitizer } from "../security/sanitizer/index.js";
import { parseConfig } from "../validation.js";
import type { AgentSelector, RankedAgent, SelectorTurn } from "./agent-selector.js";
import { ORCHESTRATOR_AGENT_ID } from "./router-events.js";

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
export function routingPlan(options: RoutingOptions, defaults: readonly AgentCard[]): RoutingPlan {
  const checked = parseConfig(routingSchema, options, "routing");
  let agents: AgentCard[];
  try {
    agents = (checked.agents ?? defaults).map((card, i) => parseAgentCard(card, `routing.agents[${i}]`));
  } catch (error) {
    throw new ConfigurationError((error as Error).message, {
      cause: error,
      context: { field: "routing.agents" },
    });
  }
  const byId = new Map(agents.map((card) => [card.identity.id, card]));
  return {
    selector: checked.selector,
    maxAgents: checked.maxAgents ?? DEFAULT_ROUTING.maxAgents,
    minScore: checked.minScore ?? DEFAULT_ROUTING.minScore,
    fallback: checked.fallback,
    agents,
    cardFor: checked.cardFor ?? (async (agentId) => byId.get(agentId)),
    historyMessages: checked.historyMessages ?? DEFAULT_ROUTING.historyMessages,
    selectorTimeoutMs: checked.selectorTimeoutMs ?? DEFAULT_ROUTING.selectorTimeoutMs,
    maxBounces: checked.maxBounces ?? DEFAULT_ROUTING.maxBounces,
    transferBy: checked.transferBy ?? "card",
    sanitizer: checked.sanitizer ?? new ContextSanitizer(),
    logger: (checked.logger ?? defaultLogger()).child({ component: "routing" }),
  };
}

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
