/**
 * The agents a tenant can reach through the gateway: static agents from the gateway's config
 * (shared by every tenant) plus the ones the tenant registered, stored in `tenant_agents`.
 */
import type { A2AClient } from "../a2a/a2a-client.js";
import { HANDOFF_EXTENSION_URI } from "../a2a/handoff-extension.js";
import { parseAgentCard, type AgentCard, type AgentSkill } from "../agents/agent-card.js";
import { ErrorCode, StorageError, ValidationError } from "../errors.js";
import type { Database } from "../storage/database.js";

/** Where an agent comes from. */
export type AgentSource = "static" | "tenant";

/** An agent a tenant can use. */
export interface RegisteredAgent {
  card: AgentCard;
  source: AgentSource;
  /** When the tenant registered it (tenant agents only). */
  createdAt?: Date;
}

/** Construction input of {@link AgentRegistry}. */
export interface AgentRegistryConfig {
  database: Database;
  a2aClient: A2AClient;
  /** Agents every tenant can use; they cannot be removed through the API. */
  staticAgents?: readonly AgentCard[];
}

/** Input of {@link AgentRegistry.discover}. */
export interface DiscoverAgentOptions {
  /** The agent's base URL; its A2A card is read from `{url}/.well-known/agent-card.json`. */
  url: string;
  /** The id to register it under. Default: a slug of the card's name. */
  id?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const DISCOVERY_TIMEOUT_MS = 10_000;
const MAX_DESCRIPTION = 4096;
const MAX_SLUG = 64;

/** Static agents plus per-tenant registrations. Every query is scoped to one tenant. */
export class AgentRegistry {
  readonly #database: Database;
  readonly #client: A2AClient;
  readonly #static: ReadonlyMap<string, AgentCard>;

  constructor(config: AgentRegistryConfig) {
    this.#database = config.database;
    this.#client = config.a2aClient;
    const cards = new Map<string, AgentCard>();
    for (const [index, card] of (config.staticAgents ?? []).entries()) {
      const parsed = parseAgentCard(card, `agents[${index}]`);
      if (cards.has(parsed.identity.id)) {
        throw new ValidationError(
          `agents[${index}].identity.id`,
          `duplicate agent id "${parsed.identity.id}"`,
        );
      }
      cards.set(parsed.identity.id, parsed);
    }
    this.#static = cards;
  }

  /** The static agents, in configuration order. */
  get staticAgents(): AgentCard[] {
    return [...this.#static.values()];
  }

  /** The tenant's agents: static ones first (configuration order), then registered ones by id. */
  async list(tenantId: string): Promise<RegisteredAgent[]> {
    const rows = await this.#database.db
      .selectFrom("tenant_agents")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("agent_id", "asc")
      .execute();
    return [
      ...this.staticAgents.map((card) => ({ card, source: "static" as const })),
      ...rows.map((row) => ({
        card: parseAgentCard(JSON.parse(row.card) as unknown, "storedCard"),
        source: "tenant" as const,
        createdAt: new Date(row.created_at),
      })),
    ];
  }

  /** One agent of the tenant, or undefined. */
  async get(tenantId: string, agentId: string): Promise<RegisteredAgent | undefined> {
    const staticCard = this.#static.get(agentId);
    if (staticCard) return { card: staticCard, source: "static" };
    const row = await this.#database.db
      .selectFrom("tenant_agents")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("agent_id", "=", agentId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      card: parseAgentCard(JSON.parse(row.card) as unknown, "storedCard"),
      source: "tenant",
      createdAt: new Date(row.created_at),
    };
  }

  /**
   * The cards of `agentIds`, in order. An unknown id is a ValidationError naming `field[index]`.
   */
  async resolve(tenantId: string, agentIds: readonly string[], field: string): Promise<AgentCard[]> {
    const cards: AgentCard[] = [];
    for (const [index, agentId] of agentIds.entries()) {
      const agent = await this.get(tenantId, agentId);
      if (!agent) throw new ValidationError(`${field}[${index}]`, `unknown agent "${agentId}"`);
      cards.push(agent.card);
    }
    return cards;
  }

  /** Registers an agent for the tenant. An id taken by a static or registered agent -> ALREADY_EXISTS. */
  async add(tenantId: string, card: AgentCard): Promise<RegisteredAgent> {
    const parsed = parseAgentCard(card, "card");
    const agentId = parsed.identity.id;
    const taken = () =>
      new StorageError(ErrorCode.ALREADY_EXISTS, `Agent "${agentId}" already exists`, {
        context: { field: "card.identity.id", agentId },
      });
    if (this.#static.has(agentId)) throw taken();
    const createdAt = new Date();
    try {
      await this.#database.db
        .insertInto("tenant_agents")
        .values({
          tenant_id: tenantId,
          agent_id: agentId,
          card: JSON.stringify(parsed),
          created_at: createdAt.toISOString(),
        })
        .execute();
    } catch (error) {
      if (this.#database.backend.isUniqueViolation(error)) throw taken();
      throw new StorageError(ErrorCode.STORAGE_ERROR, "Could not register the agent", { cause: error });
    }
    return { card: parsed, source: "tenant", createdAt };
  }

  /**
   * Removes a registered agent. Unknown -> NOT_FOUND; a static agent -> INVALID_INPUT (it belongs
   * to the gateway's configuration, not the tenant).
   */
  async remove(tenantId: string, agentId: string): Promise<void> {
    if (this.#static.has(agentId)) {
      throw new ValidationError("agentId", `"${agentId}" is configured on the gateway and cannot be removed`);
    }
    const result = await this.#database.db
      .deleteFrom("tenant_agents")
      .where("tenant_id", "=", tenantId)
      .where("agent_id", "=", agentId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw new StorageError(ErrorCode.NOT_FOUND, `Agent "${agentId}" not found`, {
        context: { field: "agentId", agentId },
      });
    }
  }

  /**
   * Reads an agent's A2A card from `{url}/.well-known/agent-card.json` and builds the OmniForge
   * card: id (given, or a slug of the name), name, description, version, skills, streaming, and
   * `capabilities.handoff` when the card declares the handoff extension.
   */
  async discover(options: DiscoverAgentOptions): Promise<AgentCard> {
    const endpoint = options.url.replace(/\/+$/, "");
    const probe: AgentCard = {
      identity: { id: options.id ?? "discovered-agent", name: endpoint },
      service: { endpoint },
    };
    const remote = await this.#client.getAgentCard(probe, {
      timeoutMs: options.timeoutMs ?? DISCOVERY_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const id = options.id ?? slugify(remote.name);
    if (id === "") throw new ValidationError("id", "the agent's name gives no usable id; pass one");
    const skills: AgentSkill[] = remote.skills
      .filter((skill) => skill.id !== "" && skill.name !== "")
      .map((skill) => ({
        id: skill.id,
        name: skill.name,
        ...(skill.description ? { description: skill.description } : {}),
        ...(skill.tags.length > 0 ? { tags: [...skill.tags] } : {}),
        ...(skill.examples.length > 0 ? { examples: [...skill.examples] } : {}),
      }));
    const handoff = remote.capabilities?.extensions.some((e) => e.uri === HANDOFF_EXTENSION_URI) ?? false;
    return parseAgentCard(
      {
        identity: {
          id,
          name: remote.name.slice(0, 256) || id,
          ...(remote.description ? { description: remote.description.slice(0, MAX_DESCRIPTION) } : {}),
          ...(remote.version ? { version: remote.version.slice(0, 64) } : {}),
        },
        service: { endpoint },
        ...(skills.length > 0 ? { skills } : {}),
        capabilities: { streaming: remote.capabilities?.streaming ?? false, handoff },
      },
      "card",
    );
  }
}

/** "Skill Creator (beta)" -> "skill-creator-beta". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_SLUG)
    .replace(/-+$/, "");
}
