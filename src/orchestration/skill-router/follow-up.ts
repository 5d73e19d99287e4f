/**
 * Sticky context: a follow-up stays with the agent that answered the turn before it, unless another
 * agent clearly fits better. A message is a follow-up when it points back ("it", "that one", "and
 * the tracking number?", "same for last year") or carries too little of its own to route on.
 */
import type { SelectorTurn } from "../agent-selector.js";
import { analyze } from "./text-analysis.js";

// Words and openings that refer to what was said before.
const ANAPHORA =
  /\b(?:it|its|it's|that|this|those|these|them|they|their|there|one|ones|same|too|also|instead|again|else|another|other|then|either)\b/i;
const CONNECTIVE = /^\s*(?:and|also|but|so|ok|okay|fine|now|then|what about|how about|same|plus)\b/i;

/** At most this many terms of its own, a message is short enough to lean on the conversation. */
export const SHORT_MESSAGE_TERMS = 2;

/** The agent that answered the latest agent turn of `history`, if any. */
export function previousAgent(history: readonly SelectorTurn[] | undefined): string | undefined {
  if (!history) return undefined;
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i]!;
    if (turn.role === "agent" && turn.agentId !== undefined) return turn.agentId;
  }
  return undefined;
}

/**
 * Whether `message` reads as a continuation of the conversation rather than a new request: it points
 * back, or it is short and the previous agent has some evidence for it ("Nobody answered, escalate.");
 * a short message nothing in the previous agent's skills speaks of ("Tell me a joke.") is a new one.
 */
export function isFollowUp(message: string, previousAgentMatches: boolean): boolean {
  return (
    ANAPHORA.test(message) ||
    CONNECTIVE.test(message) ||
    (previousAgentMatches && analyze(message).terms.length <= SHORT_MESSAGE_TERMS)
  );
}
