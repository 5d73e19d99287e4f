/**
 * The orchestrator's view of a remote agent: who it is, where it lives, how to authenticate,
 * and per-agent policy. This is distinct from the agent's own A2A card (served at
 * `/.well-known/agent-card.json`), which the A2A client resolves from `service.endpoint`.
 */
import { z } from "zod";
import { ValidationError } from "../errors.js";

/** Credentials sent to one agent. Never logged. */
export type AgentAuth =
  | { type: "bearer"; token: string }
  | { type: "apiKey"; key: string; /** defaults to `x-api-key` */ header?: string };

export interface AgentSkill {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
  examples?: string[];
}

export interface AgentCard {
  identity: {
    /** Stable id, unique among the agents an orchestrator talks to. */
    id: string;
    name: string;
    description?: string;
    version?: string;
  };
  service?: {
    /** The agent's base URL; its A2A card is read from `{endpoint}/.well-known/agent-card.json`. */
    endpoint: string;
    auth?: AgentAuth;
    /**
     * Which of the agent's interfaces to use, best first: `"JSONRPC"`, `"HTTP+JSON/0.3"`, `"GRPC/1.0"`...
     * (binding, optionally `/version`). Default: the client's order.
     */
    interfacePreference?: string[];
  };
  skills?: AgentSkill[];
  capabilities?: {
    streaming?: boolean;
    /** Declares support for the OmniForge handoff extension (`urn:omniforge:handoff:v1`). */
    handoff?: boolean;
  };
  policy?: {
    /** `false` opts this agent out of PII sanitizing. Default true. */
    sanitize?: boolean;
    /** A handoff idle longer than this expires. */
    handoffIdleTimeoutSeconds?: number;
  };
}

/** An agent id: letters, digits, '.', '_', ':' and '-', at most 128 characters. */
export const agentIdSchema = z
  .string({ error: "must be a string" })
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "may contain only letters, digits, '.', '_', ':' and '-'");

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** An absolute http(s) URL of at most 2048 characters, without credentials in it. */
export const httpUrlSchema = z
  .string({ error: "must be a string" })
  .max(2048, "must be at most 2048 characters")
  .refine((value) => {
    const url = parsedUrl(value);
    return url !== undefined && (url.protocol === "http:" || url.protocol === "https:");
  }, "must be an absolute http(s) URL")
  .refine((value) => {
    const url = parsedUrl(value);
    return url === undefined || (url.username === "" && url.password === "");
  }, "must not contain credentials (user:password@); give them as service.auth")
  .meta({ format: "uri" });

/** How much one card may hold: a directory of cards is listed and kept in memory, so each is bounded. */
export const AGENT_CARD_LIMITS = Object.freeze({
  skills: 100,
  skillIdLength: 128,
  skillNameLength: 256,
  descriptionLength: 4096,
  tags: 32,
  tagLength: 64,
  examples: 20,
  exampleLength: 1_000,
  /** The whole card, serialized. */
  cardBytes: 64 * 1024,
});

/**
 * Headers a credential may not be sent in: they frame the request, route it (`host`), or are the
 * protocol's own; a token in them would break or redirect the call.
 */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "expect",
  "te",
  "trailer",
  "proxy-authorization",
  "proxy-connection",
  "accept",
  "a2a-version",
  "a2a-extensions",
  "traceparent",
  "tracestate",
]);

/** A credential value: printable, no line breaks (it becomes an HTTP header value). */
const credentialValue = z
  .string({ error: "must be a string" })
  .min(1, "must not be empty")
  .max(8192, "must be at most 8192 characters")
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters or line breaks");

export const agentAuthSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("bearer"), token: credentialValue }),
  z.object({
    type: z.literal("apiKey"),
    key: credentialValue,
    header: z
      .string({ error: "must be a string" })
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, "must be an HTTP header name (letters, digits, '-')")
      .refine(
        (name) => !RESERVED_HEADERS.has(name.toLowerCase()),
        "is a header OmniForge or HTTP itself sets",
      )
      .optional(),
  }),
]);

const boundedString = (max: number) =>
  z.string({ error: "must be a string" }).max(max, `must be at most ${max} characters`);

export const agentSkillSchema = z.object({
  id: boundedString(AGENT_CARD_LIMITS.skillIdLength).min(1, "must not be empty"),
  name: boundedString(AGENT_CARD_LIMITS.skillNameLength).min(1, "must not be empty"),
  description: boundedString(AGENT_CARD_LIMITS.descriptionLength).optional(),
  tags: z
    .array(boundedString(AGENT_CARD_LIMITS.tagLength))
    .max(AGENT_CARD_LIMITS.tags, `must list at most ${AGENT_CARD_LIMITS.tags} tags`)
    .optional(),
  examples: z
    .array(boundedString(AGENT_CARD_LIMITS.exampleLength))
    .max(AGENT_CARD_LIMITS.examples, `must list at most ${AGENT_CARD_LIMITS.examples} examples`)
    .optional(),
});

export const agentCardSchema = z.object({
  identity: z.object({
    id: agentIdSchema,
    name: z.string().min(1).max(256),
    description: z.string().max(AGENT_CARD_LIMITS.descriptionLength).optional(),
    version: z.string().max(64).optional(),
  }),
  service: z
    .object({
      endpoint: httpUrlSchema,
      auth: agentAuthSchema.optional(),
      interfacePreference: z
        .array(
          z
            .string({ error: "must be a string" })
            .regex(
              /^\s*(?:JSONRPC|HTTP\+JSON|REST|GRPC)\s*(?:[/@]\s*v?(?:1(?:\.0)*|0\.3(?:\.\d+)?))?\s*$/i,
              "must be JSONRPC, HTTP+JSON or GRPC, optionally with /1.0 or /0.3",
            ),
        )
        .min(1, "must list at least one interface")
        .max(10, "must list at most 10 interfaces")
        .optional(),
    })
    .optional(),
  skills: z
    .array(agentSkillSchema)
    .max(AGENT_CARD_LIMITS.skills, `must list at most ${AGENT_CARD_LIMITS.skills} skills`)
    .optional(),
  capabilities: z.object({ streaming: z.boolean().optional(), handoff: z.boolean().optional() }).optional(),
  policy: z
    .object({
      sanitize: z.boolean().optional(),
      handoffIdleTimeoutSeconds: z
        .number()
        .int()
        .positive()
        .max(7 * 24 * 3600)
        .optional(),
    })
    .optional(),
});

/** The agent's base URL, or a ValidationError naming `field` when the card has none. */
export function agentEndpoint(card: AgentCard, field = "agentCard.service.endpoint"): string {
  const endpoint = card.service?.endpoint;
  if (!endpoint) throw new ValidationError(field, `agent ${card.identity.id} has no service endpoint`);
  return endpoint;
}

/**
 * Validates a card supplied by a caller and returns it typed. `field` prefixes the error path so
 * callers see e.g. `targetAgentCards[2].service.endpoint: must be an absolute http(s) URL`.
 */
export function parseAgentCard(value: unknown, field = "agentCard"): AgentCard {
  const result = agentCardSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue && issue.path.length > 0 ? `${field}.${issue.path.join(".")}` : field;
    throw new ValidationError(path, issue?.message ?? "invalid agent card");
  }
  if (Buffer.byteLength(JSON.stringify(result.data)) > AGENT_CARD_LIMITS.cardBytes) {
    throw new ValidationError(field, `must be at most ${AGENT_CARD_LIMITS.cardBytes} bytes as JSON`);
  }
  return result.data as AgentCard;
}

/**
 * A skill list cut to what a card may hold: at most {@link AGENT_CARD_LIMITS} skills, tags and
 * examples, each string truncated. For cards read from agents, which OmniForge does not control.
 */
export function boundedSkills(skills: readonly AgentSkill[]): AgentSkill[] {
  const L = AGENT_CARD_LIMITS;
  return skills
    .filter((skill) => skill.id !== "" && skill.name !== "")
    .slice(0, L.skills)
    .map((skill) => ({
      id: skill.id.slice(0, L.skillIdLength),
      name: skill.name.slice(0, L.skillNameLength),
      ...(skill.description ? { description: skill.description.slice(0, L.descriptionLength) } : {}),
      ...(skill.tags?.length
        ? { tags: skill.tags.slice(0, L.tags).map((t) => t.slice(0, L.tagLength)) }
        : {}),
      ...(skill.examples?.length
        ? { examples: skill.examples.slice(0, L.examples).map((e) => e.slice(0, L.exampleLength)) }
        : {}),
    }));
}
