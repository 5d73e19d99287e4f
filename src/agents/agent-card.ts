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

export const agentAuthSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("bearer"), token: z.string().min(1) }),
  z.object({ type: z.literal("apiKey"), key: z.string().min(1), header: z.string().min(1).optional() }),
]);

export const agentCardSchema = z.object({
  identity: z.object({
    id: agentIdSchema,
    name: z.string().min(1).max(256),
    description: z.string().max(4096).optional(),
    version: z.string().max(64).optional(),
  }),
  service: z.object({ endpoint: httpUrlSchema, auth: agentAuthSchema.optional() }).optional(),
  skills: z
    .array(
      z.object({
        id: z.string().min(1),
        name: z.string().min(1),
        description: z.string().optional(),
        tags: z.array(z.string()).optional(),
        examples: z.array(z.string()).optional(),
      }),
    )
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
  return result.data as AgentCard;
}
