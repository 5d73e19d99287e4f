/**
 * A delegation request, checked: the agents' cards, the strategy, the timeouts and the shared reply
 * budget. Bad input is a DelegationError naming the field.
 */
import { agentEndpoint, parseAgentCard, type AgentCard } from "../a2a/agent-card.js";
import { ReplyBudget } from "../a2a/client/call-scope.js";
import {
  DEFAULT_DELEGATION_REPLY_BYTES,
  DEFAULT_DELEGATION_TIMEOUT_MS,
  MAX_DELEGATION_AGENTS,
  MAX_DELEGATION_TIMEOUT_MS,
} from "../defaults.js";
import { DelegationError } from "../errors.js";
import { LIMITS, enumSchema } from "../validation.js";
import type { DelegateOptions } from "./orchestration-manager.js";
import { DelegationStrategy } from "./types.js";

const strategySchema = enumSchema(Object.values(DelegationStrategy));

/** A validated delegation request. */
export interface ValidatedDelegation {
  cards: AgentCard[];
  strategy: DelegationStrategy;
  timeoutMs: number;
  maxConcurrency: number;
  sanitize: boolean;
  message: string;
  /** What every agent's reply draws on together. */
  replyBudget: ReplyBudget;
}

export function validateDelegation(options: DelegateOptions): ValidatedDelegation {
  const fail = (field: string, message: string) =>
    new DelegationError(`${field}: ${message}`, { context: { field } });
  if (typeof options.message !== "string" || options.message.trim() === "")
    throw fail("message", "must not be empty");
  if (Buffer.byteLength(options.message) > LIMITS.messageBytes) {
    throw fail("message", `must be at most ${LIMITS.messageBytes} bytes`);
  }
  if (!Array.isArray(options.targetAgentCards) || options.targetAgentCards.length === 0) {
    throw fail("targetAgentCards", "at least one agent is required");
  }
  if (options.targetAgentCards.length > MAX_DELEGATION_AGENTS) {
    throw fail("targetAgentCards", `at most ${MAX_DELEGATION_AGENTS} agents`);
  }
  const cards = options.targetAgentCards.map((card, index) => {
    const field = `targetAgentCards[${index}]`;
    try {
      const parsed = parseAgentCard(card, field);
      agentEndpoint(parsed, `${field}.service.endpoint`);
      return parsed;
    } catch (error) {
      throw new DelegationError((error as Error).message, { cause: error, context: { field } });
    }
  });
  const seen = new Set<string>();
  for (const [index, card] of cards.entries()) {
    if (seen.has(card.identity.id)) {
      throw fail(`targetAgentCards[${index}].identity.id`, `duplicate agent id "${card.identity.id}"`);
    }
    seen.add(card.identity.id);
  }
  const strategy = options.strategy ?? DelegationStrategy.PARALLEL;
  if (!strategySchema.safeParse(strategy).success) {
    throw fail(
      "strategy",
      `unknown strategy "${String(strategy)}"; use ${Object.values(DelegationStrategy).join(", ")}`,
    );
  }
  let timeoutMs: number;
  try {
    timeoutMs = validateTimeout(options.timeoutMs);
  } catch (error) {
    throw new DelegationError((error as Error).message, { context: { field: "timeoutMs" } });
  }
  const maxConcurrency = options.maxConcurrency ?? cards.length;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)
    throw fail("maxConcurrency", "must be a positive integer");
  if (options.sanitize !== undefined && typeof options.sanitize !== "boolean")
    throw fail("sanitize", "must be a boolean");
  const maxTotalReplyBytes = options.maxTotalReplyBytes ?? DEFAULT_DELEGATION_REPLY_BYTES;
  if (!Number.isInteger(maxTotalReplyBytes) || maxTotalReplyBytes < 1)
    throw fail("maxTotalReplyBytes", "must be a positive integer");
  return {
    cards,
    strategy,
    timeoutMs,
    maxConcurrency,
    sanitize: options.sanitize !== false,
    message: options.message,
    replyBudget: new ReplyBudget(maxTotalReplyBytes),
  };
}

export function validateTimeout(timeoutMs: number | undefined): number {
  const value = timeoutMs ?? DEFAULT_DELEGATION_TIMEOUT_MS;
  if (!Number.isFinite(value) || value < 1 || value > MAX_DELEGATION_TIMEOUT_MS) {
    throw new DelegationError(`timeoutMs: must be between 1 and ${MAX_DELEGATION_TIMEOUT_MS}`, {
      context: { field: "timeoutMs" },
    });
  }
  return Math.ceil(value);
}
