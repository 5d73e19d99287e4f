/**
 * The card a v0.3 client reads: the v0.3 fields (`url`, `preferredTransport`, `protocolVersion`,
 * `additionalInterfaces`) taken from the card's v0.3 interfaces, with the v1.0 `supportedInterfaces`
 * kept beside them — one document that v0.3 clients, v1.0 clients and OmniForge all read right.
 * (The SDK's own translator is internal to its express adapter.)
 */
import { AgentCard as A2AAgentCardCodec } from "@a2a-js/sdk";
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";

const LEGACY_PROTOCOL_VERSION = "0.3.0";

export function legacyCardJson(card: A2AAgentCard): Record<string, unknown> {
  const v1 = A2AAgentCardCodec.toJSON(card) as Record<string, unknown>;
  const legacy = card.supportedInterfaces.filter((entry) => entry.protocolVersion.startsWith("0."));
  const primary = legacy.find((entry) => entry.protocolBinding === "JSONRPC") ?? legacy[0];
  return {
    name: card.name,
    description: card.description,
    version: card.version,
    protocolVersion: LEGACY_PROTOCOL_VERSION,
    ...(primary ? { url: primary.url, preferredTransport: primary.protocolBinding } : {}),
    additionalInterfaces: legacy.map((entry) => ({ url: entry.url, transport: entry.protocolBinding })),
    capabilities: {
      streaming: card.capabilities?.streaming ?? false,
      pushNotifications: card.capabilities?.pushNotifications ?? false,
      extensions: (card.capabilities?.extensions ?? []).map((extension) => ({
        uri: extension.uri,
        description: extension.description,
        required: extension.required,
      })),
    },
    defaultInputModes: card.defaultInputModes,
    defaultOutputModes: card.defaultOutputModes,
    skills: card.skills.map((skill) => ({
      id: skill.id,
      name: skill.name,
      description: skill.description,
      tags: skill.tags,
      ...(skill.examples.length > 0 ? { examples: skill.examples } : {}),
    })),
    supportsAuthenticatedExtendedCard: false,
    supportedInterfaces: v1.supportedInterfaces,
  };
}
