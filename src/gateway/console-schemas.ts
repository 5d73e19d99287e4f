/**
 * The shapes of the console's routes (#13): a thread's rename, its turn timeline, an agent's health.
 * Like every gateway schema, they validate requests and generate the OpenAPI document.
 */
import { z } from "zod";
import { AgentCallOutcome } from "../orchestration/agent-call-audit.js";
import { TurnEventKind, TurnTrigger } from "../orchestration/turn-timeline.js";
import { enumSchema } from "../validation.js";
import { MAX_TIMELINE_TURNS } from "./defaults.js";
import { isoDate, queryInteger, threadTitleSchema } from "./schemas.js";

/** Body of `PATCH /v1/threads/:threadId`: the same rule as a title given at creation. */
export const renameThreadBodySchema = z
  .strictObject({
    title: threadTitleSchema,
  })
  .meta({ id: "RenameThreadRequest" });

/** `GET /v1/threads/:threadId/timeline` query. */
export const timelineQuerySchema = z.object({
  limit: queryInteger(1, MAX_TIMELINE_TURNS)
    .optional()
    .meta({ description: `The newest this many turns, 1-${MAX_TIMELINE_TURNS}. Default 20.` }),
});

/** One event of a turn: ids, kinds, timings, outcomes and codes, never message text. */
export const turnEventSchema = z
  .object({
    kind: enumSchema(Object.values(TurnEventKind)),
    atMs: z.number().meta({ description: "Milliseconds from the turn's start." }),
    agentId: z.string().optional(),
    durationMs: z.number().optional(),
    outcome: enumSchema(Object.values(AgentCallOutcome)).optional(),
    errorCode: z.string().optional(),
    detail: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({
        description:
          "route: { target, agentIds, handoffId?, candidates?, reason? }; delegation: { agentId, outcome, " +
          "latencyMs, errorCode?, strategy }; input_required: { taskId, state, handoffId? }; " +
          "handoff_*: { handoffId, ... }; done: { messageId? }.",
      }),
  })
  .meta({ id: "TurnEvent" });

/** One turn of a thread. */
export const turnSchema = z
  .object({
    turnId: z.string(),
    trigger: enumSchema(Object.values(TurnTrigger)).meta({ description: "What started the turn." }),
    startedAt: isoDate,
    durationMs: z.number().nullable(),
    events: z.array(turnEventSchema),
  })
  .meta({ id: "Turn" });

/** `GET /v1/threads/:threadId/timeline`. */
export const timelineSchema = z
  .object({ turns: z.array(turnSchema) })
  .meta({ id: "Timeline", description: "The newest turns, oldest first (newest last)." });

const protocolSchema = z.object({ version: z.string(), binding: z.string() });

/** `GET /v1/agents/:agentId/health`. */
export const agentHealthSchema = z
  .object({
    agentId: z.string(),
    status: enumSchema(["ok", "unreachable", "refused"]).meta({
      description: "refused: the outbound network policy refuses the agent's address.",
    }),
    latencyMs: z.number().nullable().meta({ description: "How long the card took to read; null unless ok." }),
    checkedAt: isoDate,
    protocol: protocolSchema
      .nullable()
      .meta({ description: "The interface calls go through; null unless ok." }),
    interfaces: z.array(protocolSchema).optional().meta({ description: "Every interface the agent offers." }),
    errorCode: z.string().optional(),
  })
  .meta({ id: "AgentHealth" });
