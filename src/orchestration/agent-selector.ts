/**
 * What the stream router asks of a skill-aware selector: given a user message (and the turns before
 * it), which of the tenant's agents should answer, best first, each with a score in 0..1 and a
 * reason a person can read. An empty list means nothing fits. `SkillRouter` is the bundled one.
 */

/** One earlier turn of the conversation, as the selector sees it. */
export interface SelectorTurn {
  role: "user" | "agent";
  text: string;
  /** For agent turns: who answered. Lets a follow-up stay with the agent that answered it. */
  agentId?: string;
}

export interface SelectInput {
  message: string;
  history?: readonly SelectorTurn[];
  /** At most this many candidates (default: the selector's own). */
  limit?: number;
  signal?: AbortSignal;
}

/** One candidate, best first. */
export interface RankedAgent {
  agentId: string;
  /** 0..1, calibrated so that the selector's threshold means "fits". */
  score: number;
  /** The skill that matched best, when one did. */
  skillId?: string;
  /** Why, in a sentence: the matched skill and terms, "follow-up", or the LLM's reason. */
  reason: string;
}

export interface AgentSelector {
  select(input: SelectInput): Promise<RankedAgent[]>;
}
