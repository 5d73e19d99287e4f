/** The wire shapes of the gateway's routing routes (`/v1/routing`, `/v1/route/explain`), as zod schemas. */
import { z } from "zod";
import { LIMITS, boundedText, enumSchema, uuidSchema } from "../validation.js";
import { routeCandidateSchema } from "./schemas.js";

const fallbackSchema = enumSchema(["defaults", "ask"]).meta({
  description:
    "When no agent fits: the default agents answer (defaults), or the user is asked to choose (ask).",
});

/** `GET /v1/routing`, and the answer of `PUT`. */
export const tenantRoutingSchema = z
  .object({
    enabled: z.boolean().meta({ description: "The router picks the agent for the tenant's messages." }),
    maxAgents: z.number().int().meta({ description: "At most this many agents answer one message." }),
    minScore: z.number().meta({ description: "A candidate below this score (0..1) does not answer." }),
    fallback: fallbackSchema,
    updatedAt: z.string().meta({ format: "date-time" }).optional(),
    updatedBy: z.string().optional(),
  })
  .meta({ id: "TenantRouting" });

/** Body of `PUT /v1/routing`: the whole setting (omitted numbers take their defaults). */
export const updateRoutingBodySchema = z
  .strictObject({
    enabled: z.boolean({ error: "must be a boolean" }),
    maxAgents: z
      .number({ error: "must be a number" })
      .int("must be an integer")
      .min(1, "must be at least 1")
      .max(5, "must be at most 5")
      .optional()
      .meta({ description: "1-5. Default 1." }),
    minScore: z
      .number({ error: "must be a number" })
      .min(0, "must be at least 0")
      .max(1, "must be at most 1")
      .optional()
      .meta({ description: "0..1. Default 0 (the selector's own threshold)." }),
    fallback: fallbackSchema.optional(),
  })
  .meta({ id: "UpdateRoutingRequest" });

/** Body of `POST /v1/route/explain`. */
export const explainRouteBodySchema = z
  .strictObject({
    message: boundedText(LIMITS.messageBytes).meta({ description: "The message to route." }),
    threadId: uuidSchema.optional().meta({
      format: "uuid",
      description: "The thread it would be sent to (its history and handoff count).",
    }),
  })
  .meta({ id: "ExplainRouteRequest" });

/** `POST /v1/route/explain`. */
export const routeExplanationSchema = z
  .object({
    held: z.boolean().meta({ description: "A handoff holds the thread: its specialist answers." }),
    handoff: z.object({ handoffId: z.string(), agentId: z.string() }).optional(),
    routing: z.boolean().meta({ description: "Routing by skills applied (on for the tenant)." }),
    outcome: enumSchema(["handoff", "selected", "defaults", "ask"]),
    agentIds: z
      .array(z.string())
      .meta({ description: "Who would answer; none when the user would be asked." }),
    candidates: z.array(routeCandidateSchema),
    reason: z.string(),
  })
  .meta({ id: "RouteExplanation" });
