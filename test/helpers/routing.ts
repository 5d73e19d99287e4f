/**
 * A small, real AgentSelector for the routing suites: an agent scores by the share of its skill
 * tags found in the message (a follow-up keeps the agent that answered last). Deterministic, so
 * tests can say who must answer. Also agents with skills, built with serveAgent.
 */
import type { AgentSkill } from "../../src/a2a/agent-card.js";
import { serveAgent, type AgentMessageContext, type ServedAgent } from "../../src/a2a/server/serve-agent.js";
import type { AgentSelector, RankedAgent, SelectInput } from "../../src/orchestration/agent-selector.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";

export class TagSelector implements AgentSelector {
  readonly calls: SelectInput[] = [];
  readonly #agents: readonly AgentCard[];

  constructor(agents: readonly AgentCard[]) {
    this.#agents = agents;
  }

  async select(input: SelectInput): Promise<RankedAgent[]> {
    this.calls.push(input);
    const words = new Set(input.message.toLowerCase().match(/[a-z]+/g) ?? []);
    const ranked: RankedAgent[] = [];
    for (const card of this.#agents) {
      for (const skill of card.skills ?? []) {
        const tags = skill.tags ?? [];
        const hits = tags.filter((tag) => words.has(tag));
        if (hits.length === 0) continue;
        ranked.push({
          agentId: card.identity.id,
          score: Math.min(1, hits.length / 2),
          skillId: skill.id,
          reason: `matched ${hits.join(", ")} in ${skill.name}`,
        });
      }
    }
    if (ranked.length === 0 && /^(and|what about)\b/i.test(input.message.trim())) {
      const last = [...(input.history ?? [])].reverse().find((turn) => turn.role === "agent" && turn.agentId);
      if (last?.agentId) ranked.push({ agentId: last.agentId, score: 0.6, reason: "follow-up" });
    }
    ranked.sort((a, b) => b.score - a.score);
    return ranked.slice(0, input.limit ?? 5);
  }
}

/** A selector that fails, or never answers (it ignores its signal on purpose). */
export const failingSelector: AgentSelector = {
  select: async () => {
    throw new Error("selector exploded: the message was secret-message-text");
  },
};
export const hangingSelector: AgentSelector = { select: () => new Promise(() => {}) };

export interface SkilledAgent {
  card: AgentCard;
  received: AgentMessageContext[];
  handoffRequests: number;
  close(): Promise<void>;
}

/** A real agent with skills; `handle` answers (yield text or `{ data }`), handoffs accepted when `handoff`. */
export async function startSkilledAgent(options: {
  id: string;
  name?: string;
  skills: AgentSkill[];
  handoff?: boolean;
  handle?: (ctx: AgentMessageContext) => AsyncGenerator<string | { data: Record<string, unknown> }, void>;
}): Promise<SkilledAgent> {
  const received: AgentMessageContext[] = [];
  const state = { handoffRequests: 0 };
  const agent: ServedAgent = await serveAgent({
    card: {
      identity: { id: options.id, name: options.name ?? options.id, description: `agent ${options.id}` },
      skills: options.skills,
    },
    port: 0,
    host: "127.0.0.1",
    async *handleMessage(ctx) {
      received.push(ctx);
      if (options.handle) yield* options.handle(ctx);
      else yield `${options.id} answers: ${ctx.text}`;
    },
    ...(options.handoff
      ? {
          onHandoffRequest: async () => {
            state.handoffRequests++;
            return { accepted: true, estimatedDurationSeconds: 60 };
          },
        }
      : {}),
  });
  return {
    card: agent.card,
    received,
    get handoffRequests() {
      return state.handoffRequests;
    },
    close: () => agent.close(),
  };
}
