/**
 * What the handoff manager accepts: the schemas its calls are checked against, and its config
 * numbers with their defaults filled in (each a positive integer, or a ConfigurationError).
 */
import { z } from "zod";
import {
  DEFAULT_HANDOFF_IDLE_TIMEOUT_SECONDS,
  DEFAULT_HANDOFF_NOTIFY_TIMEOUT_MS,
  DEFAULT_HANDOFF_RECENT_MESSAGES,
  DEFAULT_HANDOFF_REQUEST_TIMEOUT_MS,
} from "../defaults.js";
import {
  LIMITS,
  boundedText,
  configNumber,
  enumSchema,
  identifierSchema,
  uuidSchema,
} from "../validation.js";
import { CompletionStatus } from "./types.js";

export const initiateSchema = z.object({
  threadId: uuidSchema,
  tenantId: identifierSchema,
  userId: identifierSchema,
  sourceAgentId: identifierSchema,
  contextSummary: boundedText(LIMITS.summaryLength, { allowEmpty: true }),
  handoffReason: boundedText(LIMITS.titleLength),
  sanitize: z.boolean().optional(),
});
export const refSchema = z.object({ threadId: uuidSchema, tenantId: identifierSchema });
export const tenantSchema = z.object({ tenantId: identifierSchema });
export const sessionRefSchema = z.object({ handoffId: uuidSchema, tenantId: identifierSchema });
const completionSchema = enumSchema(Object.values(CompletionStatus));
export const handoffReturnSchema = z.object({
  threadId: uuidSchema,
  tenantId: identifierSchema,
  sourceAgentId: identifierSchema,
  targetAgentId: identifierSchema,
  completionStatus: completionSchema,
  resultSummary: boundedText(LIMITS.summaryLength, { allowEmpty: true }).optional(),
  artifactsCreated: z.array(z.string().max(2048)).max(1_000).optional(),
});
export const cancelSchema = refSchema.extend({
  reason: boundedText(LIMITS.titleLength),
  userId: identifierSchema.optional(),
});

/** The manager's numbers (see `HandoffManagerConfig`). */
export interface HandoffSettings {
  idleTimeoutSeconds: number;
  requestTimeoutMs: number;
  notifyTimeoutMs: number;
  recentMessages: number;
}

/** The configured numbers, defaults filled in, checked in this order. */
export function handoffSettings(config: Partial<HandoffSettings>): HandoffSettings {
  return {
    idleTimeoutSeconds: positiveInt(
      config.idleTimeoutSeconds ?? DEFAULT_HANDOFF_IDLE_TIMEOUT_SECONDS,
      "idleTimeoutSeconds",
    ),
    requestTimeoutMs: positiveInt(
      config.requestTimeoutMs ?? DEFAULT_HANDOFF_REQUEST_TIMEOUT_MS,
      "requestTimeoutMs",
    ),
    notifyTimeoutMs: positiveInt(
      config.notifyTimeoutMs ?? DEFAULT_HANDOFF_NOTIFY_TIMEOUT_MS,
      "notifyTimeoutMs",
    ),
    recentMessages: positiveInt(config.recentMessages ?? DEFAULT_HANDOFF_RECENT_MESSAGES, "recentMessages"),
  };
}

function positiveInt(value: number, field: string): number {
  return configNumber(value, "positiveInteger", field);
}
