/**
 * Who answers a thread no handoff holds: the configured default agents, else the tenant's general
 * (non-handoff) agents. Handoff-capable agents are specialists: they take threads over, they do not
 * answer by default.
 */
import type { AgentCard } from "../a2a/agent-card.js";
import { ConfigurationError } from "../errors.js";
import type { SqlAgentDirectory } from "../storage/sql/sql-agent-directory.js";

/** Construction input of {@link DefaultAgents}. */
export interface DefaultAgentsConfig {
  directory: SqlAgentDirectory;
  /** Ids among the directory's static agents. Default: every static agent that is not handoff-capable. */
  ids?: readonly string[] | undefined;
}

export class DefaultAgents {
  readonly #directory: SqlAgentDirectory;
  readonly #static: readonly AgentCard[];

  constructor(config: DefaultAgentsConfig) {
    this.#directory = config.directory;
    this.#static = pickDefaults(config.directory.staticAgents, config.ids);
  }

  /** The ids of the defaults: the static ones when there are any, else the general agents among `cards`. */
  idsAmong(cards: readonly AgentCard[]): Set<string> {
    const defaults = this.#static.length > 0 ? this.#static : cards.filter(isGeneralAgent);
    return new Set(defaults.map((card) => card.identity.id));
  }

  /** The tenant's default agents, as the directory holds them (with their credentials). */
  async forTenant(tenantId: string): Promise<AgentCard[]> {
    if (this.#static.length > 0) {
      return Promise.all(
        this.#static.map(async (card) => (await this.#directory.get(tenantId, card.identity.id)) ?? card),
      );
    }
    const entries = (await this.#directory.list(tenantId)).filter((entry) => isGeneralAgent(entry.card));
    const cards = await Promise.all(
      entries.map((entry) => this.#directory.get(tenantId, entry.card.identity.id)),
    );
    return cards.filter((card): card is AgentCard => card !== undefined);
  }
}

/** The configured default agents, or every agent that is not handoff-capable. */
function pickDefaults(agents: readonly AgentCard[], ids: readonly string[] | undefined): AgentCard[] {
  if (ids === undefined) return agents.filter(isGeneralAgent);
  return ids.map((id, index) => {
    const card = agents.find((agent) => agent.identity.id === id);
    if (!card) {
      throw new ConfigurationError(`defaultAgentIds[${index}]: "${id}" is not one of the configured agents`, {
        context: { field: `defaultAgentIds[${index}]` },
      });
    }
    return card;
  });
}

function isGeneralAgent(card: AgentCard): boolean {
  return card.capabilities?.handoff !== true;
}
