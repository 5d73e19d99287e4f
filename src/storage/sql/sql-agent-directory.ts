/**
 * The tenant agent directory in the `tenant_agents` table: every agent a tenant registered, with its
 * credentials sealed (AES-256-GCM, key id beside the ciphertext), plus operator-configured agents
 * that every tenant may use. Every read and write names the tenant; credentials are opened only by
 * {@link SqlAgentDirectory.get}, which the managers use to call the agent, and never listed.
 */
import { z } from "zod";
import { parseAgentCard, type AgentCard } from "../../a2a/agent-card.js";
import { ConfigurationError, ErrorCode, StorageError, ValidationError } from "../../errors.js";
import type { AgentDirectory } from "../../orchestration/agent-directory.js";
import {
  directoryCredentialsContext,
  openAgentAuth,
  sealAgentAuth,
  withCredentials,
  withoutCredentials,
} from "../../a2a/agent-credentials.js";
import { SECRET_KEY_ENV, type SecretKeyring } from "../../security/secret-keyring.js";
import { asConfigurationError, configNumber, identifierSchema, parseInput } from "../../validation.js";
import type { Database } from "../database.js";
import type { TenantAgentsTable } from "../schema.js";

/** Where a directory entry comes from. */
export type AgentSource = "static" | "tenant";

/** A directory entry as it may be shown: the card never carries credentials. */
export interface AgentDirectoryEntry {
  card: AgentCard;
  source: AgentSource;
  /** True when credentials are stored for it (never shown). */
  hasCredentials: boolean;
  createdAt?: Date;
  updatedAt?: Date;
}

/** Construction input of {@link SqlAgentDirectory}. */
export interface SqlAgentDirectoryConfig {
  database: Database;
  /** Seals and opens credentials. Default: `SecretKeyring.fromEnvironment()`. */
  secrets?: SecretKeyring;
  /**
   * Operator-configured agents every tenant may use (they may carry credentials; they live in the
   * configuration, which every replica must share). Tenants cannot register their ids.
   */
  staticAgents?: readonly AgentCard[];
  /** The most agents one tenant may register. Default 500. */
  maxAgentsPerTenant?: number;
}

/** Paging of {@link SqlAgentDirectory.list}. */
export interface AgentListOptions {
  /** Default: every agent. */
  limit?: number;
  offset?: number;
}

/** The most registered agents one list call returns. */
const MAX_LIST = 100_000;

/** The most agents one tenant may register, by default. */
export const DEFAULT_MAX_AGENTS_PER_TENANT = 500;

const tenantSchema = z.object({ tenantId: identifierSchema });

export class SqlAgentDirectory implements AgentDirectory {
  readonly #database: Database;
  readonly #secrets: SecretKeyring | undefined;
  readonly #static: ReadonlyMap<string, AgentCard>;
  readonly #maxAgents: number;

  constructor(config: SqlAgentDirectoryConfig) {
    if (!config?.database) {
      throw new ConfigurationError("database is required", { context: { field: "database" } });
    }
    this.#database = config.database;
    this.#secrets = config.secrets;
    const cards = new Map<string, AgentCard>();
    for (const [index, card] of (config.staticAgents ?? []).entries()) {
      const parsed = staticCard(card, `agents[${index}]`);
      if (cards.has(parsed.identity.id)) {
        const field = `agents[${index}].identity.id`;
        throw new ConfigurationError(`${field}: duplicate agent id "${parsed.identity.id}"`, {
          context: { field },
        });
      }
      cards.set(parsed.identity.id, parsed);
    }
    this.#static = cards;
    this.#maxAgents = configNumber(
      config.maxAgentsPerTenant ?? DEFAULT_MAX_AGENTS_PER_TENANT,
      "positiveInteger",
      "maxAgentsPerTenant",
    );
  }

  /** The operator-configured agents (without credentials), in configuration order. */
  get staticAgents(): AgentCard[] {
    return [...this.#static.values()].map(withoutCredentials);
  }

  /** The tenant's agents: static ones first (configuration order), then registered ones by id. */
  async list(tenantId: string, options: AgentListOptions = {}): Promise<AgentDirectoryEntry[]> {
    parseInput(tenantSchema, { tenantId });
    const statics = [...this.#static.values()].map(staticEntry);
    const offset = options.offset ?? 0;
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    const fromStatic = statics.slice(offset, offset + limit);
    const remaining = limit - fromStatic.length;
    if (remaining <= 0) return fromStatic;
    const rows = await this.#database.db
      .selectFrom("tenant_agents")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .orderBy("agent_id", "asc")
      .limit(Math.min(remaining, MAX_LIST))
      .offset(Math.max(0, offset - statics.length))
      .execute();
    return [...fromStatic, ...rows.map(rowEntry)];
  }

  /** One agent of the tenant as it may be shown (no credentials), or undefined. */
  async describe(tenantId: string, agentId: string): Promise<AgentDirectoryEntry | undefined> {
    const staticCard = this.#static.get(agentId);
    if (staticCard) return staticEntry(staticCard);
    const row = await this.#row(tenantId, agentId);
    return row ? rowEntry(row) : undefined;
  }

  /** The agent with its credentials opened, to call it; undefined when the tenant has none by that id. */
  async get(tenantId: string, agentId: string): Promise<AgentCard | undefined> {
    const staticCard = this.#static.get(agentId);
    if (staticCard) return staticCard;
    const row = await this.#row(tenantId, agentId);
    if (!row) return undefined;
    const card = storedCard(row);
    if (row.credentials === null || row.credentials_key_id === null) return card;
    const auth = openAgentAuth(
      this.#secrets,
      { keyId: row.credentials_key_id, ciphertext: row.credentials },
      directoryCredentialsContext(tenantId, agentId),
    );
    return withCredentials(card, auth);
  }

  /** The cards (with credentials) of `agentIds`, in order; an unknown id is a ValidationError naming `field[i]`. */
  async resolve(tenantId: string, agentIds: readonly string[], field: string): Promise<AgentCard[]> {
    const cards: AgentCard[] = [];
    for (const [index, agentId] of agentIds.entries()) {
      const card = await this.get(tenantId, agentId);
      if (!card) throw new ValidationError(`${field}[${index}]`, `unknown agent "${agentId}"`);
      cards.push(card);
    }
    return cards;
  }

  /**
   * Registers an agent for the tenant; its credentials are sealed first (a ConfigurationError when
   * no key is configured). An id taken by a static or registered agent -> ALREADY_EXISTS.
   */
  async register(tenantId: string, card: AgentCard): Promise<AgentDirectoryEntry> {
    parseInput(tenantSchema, { tenantId });
    const parsed = parseAgentCard(card, "card");
    const agentId = parsed.identity.id;
    const taken = () =>
      new StorageError(ErrorCode.ALREADY_EXISTS, `Agent "${agentId}" already exists`, {
        context: { field: "card.identity.id", agentId },
      });
    if (this.#static.has(agentId)) throw taken();
    const auth = parsed.service?.auth;
    const sealed = auth
      ? sealAgentAuth(
          this.#secrets,
          auth,
          directoryCredentialsContext(tenantId, agentId),
          `Agent "${agentId}"`,
        )
      : undefined;
    const count = await this.#database.db
      .selectFrom("tenant_agents")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("tenant_id", "=", tenantId)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= this.#maxAgents) {
      throw new StorageError(
        ErrorCode.LIMIT_EXCEEDED,
        `The tenant already has ${this.#maxAgents} registered agents, the most allowed`,
        { context: { field: "card", limit: this.#maxAgents } },
      );
    }
    const now = new Date().toISOString();
    const row: TenantAgentsTable = {
      tenant_id: tenantId,
      agent_id: agentId,
      card: JSON.stringify(withoutCredentials(parsed)),
      created_at: now,
      credentials: sealed?.ciphertext ?? null,
      credentials_key_id: sealed?.keyId ?? null,
      updated_at: now,
    };
    try {
      await this.#database.db.insertInto("tenant_agents").values(row).execute();
    } catch (error) {
      if (this.#database.backend.isUniqueViolation(error)) throw taken();
      throw new StorageError(ErrorCode.STORAGE_ERROR, "Could not register the agent", { cause: error });
    }
    return rowEntry(row);
  }

  /** Removes a registered agent. Unknown -> NOT_FOUND; a static agent -> INVALID_INPUT. */
  async remove(tenantId: string, agentId: string): Promise<void> {
    parseInput(tenantSchema, { tenantId });
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
   * Seals credentials that v0.1 stored in clear inside the card, and re-seals credentials sealed
   * with an older key under the current one. Returns how many rows changed. Without a key, plain
   * credentials are a ConfigurationError (they must not stay in clear).
   */
  async sealCredentials(): Promise<number> {
    const rows = await this.#database.db.selectFrom("tenant_agents").selectAll().execute();
    let changed = 0;
    for (const row of rows) {
      const card = parseAgentCard(JSON.parse(row.card) as unknown, "storedCard");
      const context = directoryCredentialsContext(row.tenant_id, row.agent_id);
      let auth = card.service?.auth;
      if (auth === undefined && row.credentials !== null && row.credentials_key_id !== null) {
        const sealed = { keyId: row.credentials_key_id, ciphertext: row.credentials };
        if (this.#secrets === undefined || !this.#secrets.isStale(sealed)) continue;
        auth = openAgentAuth(this.#secrets, sealed, context);
      }
      if (auth === undefined) continue;
      if (this.#secrets === undefined) {
        throw new ConfigurationError(
          `Registered agents hold credentials in clear (stored by OmniForge 0.1): set ${SECRET_KEY_ENV} so they can be encrypted`,
          { context: { field: "secrets" } },
        );
      }
      const sealed = sealAgentAuth(this.#secrets, auth, context, `Agent "${row.agent_id}"`);
      await this.#database.db
        .updateTable("tenant_agents")
        .set({
          card: JSON.stringify(withoutCredentials(card)),
          credentials: sealed.ciphertext,
          credentials_key_id: sealed.keyId,
          updated_at: new Date().toISOString(),
        })
        .where("tenant_id", "=", row.tenant_id)
        .where("agent_id", "=", row.agent_id)
        .execute();
      changed++;
    }
    return changed;
  }

  async #row(tenantId: string, agentId: string): Promise<TenantAgentsTable | undefined> {
    parseInput(tenantSchema, { tenantId });
    return this.#database.db
      .selectFrom("tenant_agents")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("agent_id", "=", agentId)
      .executeTakeFirst();
  }
}

function storedCard(row: TenantAgentsTable): AgentCard {
  return parseAgentCard(JSON.parse(row.card) as unknown, "storedCard");
}

function staticEntry(card: AgentCard): AgentDirectoryEntry {
  return {
    card: withoutCredentials(card),
    source: "static",
    hasCredentials: card.service?.auth !== undefined,
  };
}

function rowEntry(row: TenantAgentsTable): AgentDirectoryEntry {
  const card = storedCard(row);
  return {
    card: withoutCredentials(card),
    source: "tenant",
    hasCredentials: row.credentials !== null || card.service?.auth !== undefined,
    createdAt: new Date(row.created_at),
    ...(row.updated_at ? { updatedAt: new Date(row.updated_at) } : {}),
  };
}

/** A configured (static) agent's card, or the ConfigurationError naming what is wrong with it. */
function staticCard(card: unknown, field: string): AgentCard {
  try {
    return parseAgentCard(card, field);
  } catch (error) {
    throw asConfigurationError(error);
  }
}
