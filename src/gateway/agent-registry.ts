/**
 * Agents a tenant adds through the gateway: a card as given, or one discovered from the agent's
 * URL. Both are checked against the outbound network policy before anything is stored; the tenant
 * directory ({@link SqlAgentDirectory}) stores them.
 */
import type { A2AClient } from "../a2a/client/a2a-client.js";
import { HANDOFF_EXTENSION_URI } from "../a2a/handoff-extension.js";
import {
  AGENT_CARD_LIMITS,
  boundedSkills,
  parseAgentCard,
  type AgentCard,
  type AgentSkill,
} from "../a2a/agent-card.js";
import { ValidationError } from "../errors.js";
import { NetworkPolicyError, type NetworkPolicy } from "../security/network-policy.js";

/** Input of {@link discoverAgent}. */
export interface DiscoverAgentOptions {
  /** The agent's base URL; its A2A card is read from `{url}/.well-known/agent-card.json`. */
  url: string;
  /** The id to register it under. Default: a slug of the card's name. */
  id?: string;
  /** The tenant the agent is discovered for (the client caches per tenant). */
  tenantId?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const DISCOVERY_TIMEOUT_MS = 10_000;
const MAX_DESCRIPTION = 4096;
const MAX_SLUG = 64;

/**
 * Refuses, before any connection, an agent URL the policy forbids outright (a literal private or
 * loopback address, `localhost`, credentials in the URL). Host names are checked again on their
 * resolved addresses when the client connects.
 */
export function checkAgentUrl(policy: NetworkPolicy, url: string, field: string): void {
  try {
    policy.checkUrl(url);
  } catch (error) {
    if (error instanceof NetworkPolicyError) throw new ValidationError(field, error.message);
    throw error;
  }
}

/**
 * Reads an agent's A2A card from `{url}/.well-known/agent-card.json` and builds the OmniForge
 * card: id (given, or a slug of the name), name, description, version, skills, streaming, and
 * `capabilities.handoff` when the card declares the handoff extension.
 */
export async function discoverAgent(client: A2AClient, options: DiscoverAgentOptions): Promise<AgentCard> {
  checkAgentUrl(client.networkPolicy, options.url, "url");
  const endpoint = options.url.replace(/\/+$/, "");
  const probe: AgentCard = {
    identity: { id: options.id ?? "discovered-agent", name: endpoint },
    service: { endpoint },
  };
  const remote = await client.getAgentCard(probe, {
    timeoutMs: options.timeoutMs ?? DISCOVERY_TIMEOUT_MS,
    ...(options.tenantId ? { tenantId: options.tenantId } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const id = options.id ?? slugify(remote.name);
  if (id === "") throw new ValidationError("id", "the agent's name gives no usable id; pass one");
  // The agent's card is its word: cut to what a card may hold, so a huge one cannot bloat a directory.
  const skills = boundedSkills(
    remote.skills.map((skill) => ({
      id: skill.id,
      name: skill.name,
      description: skill.description,
      tags: skill.tags,
      examples: skill.examples,
    })),
  );
  const handoff = remote.capabilities?.extensions.some((e) => e.uri === HANDOFF_EXTENSION_URI) ?? false;
  const card = (kept: AgentSkill[]): AgentCard => ({
    identity: {
      id,
      name: remote.name.slice(0, 256) || id,
      ...(remote.description ? { description: remote.description.slice(0, MAX_DESCRIPTION) } : {}),
      ...(remote.version ? { version: remote.version.slice(0, 64) } : {}),
    },
    service: { endpoint },
    ...(kept.length > 0 ? { skills: kept } : {}),
    capabilities: { streaming: remote.capabilities?.streaming ?? false, handoff },
  });
  while (skills.length > 0 && Buffer.byteLength(JSON.stringify(card(skills))) > AGENT_CARD_LIMITS.cardBytes) {
    skills.pop();
  }
  return parseAgentCard(card(skills), "card");
}

/** What a tenant asks to register: a card, or the URL to discover one from. */
export interface RegistrationRequest {
  card?: AgentCard;
  url?: string;
  /** With `url`: the id to register it under. */
  id?: string;
  tenantId: string;
  signal?: AbortSignal;
}

/**
 * The card to register: the given one, once its endpoint passes the network policy, or the one
 * discovered from `url`.
 */
export async function registrationCard(client: A2AClient, request: RegistrationRequest): Promise<AgentCard> {
  const { card } = request;
  if (card === undefined) {
    if (request.url === undefined) throw new ValidationError("card", "give exactly one of card or url");
    return discoverAgent(client, {
      url: request.url,
      tenantId: request.tenantId,
      ...(request.id !== undefined ? { id: request.id } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  }
  if (card.service?.endpoint === undefined) {
    throw new ValidationError(
      "card.service.endpoint",
      "is required: the gateway reaches agents at their endpoint",
    );
  }
  checkAgentUrl(client.networkPolicy, card.service.endpoint, "card.service.endpoint");
  return card;
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
