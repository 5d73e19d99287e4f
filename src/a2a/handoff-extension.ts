/**
 * The OmniForge handoff extension (`urn:omniforge:handoff:v1`) and the other OmniForge payloads
 * that ride on A2A messages: their wire shapes as zod schemas, the inferred types, and helpers to
 * build and find them in a message's data parts. Both sides (A2AClient users and serveAgent) use
 * these, so the shapes are defined exactly once.
 *
 * Every payload travels as one data part: `{ "data": { "<key>": {...} }, "mediaType": "application/json" }`.
 */
import { z } from "zod";
import { ValidationError } from "../errors.js";

/** The extension URI, declared in an agent's `capabilities.extensions` and listed in each handoff message. */
export const HANDOFF_EXTENSION_URI = "urn:omniforge:handoff:v1";

/** The data-part keys OmniForge uses. */
export const OmniforgeDataKey = {
  HANDOFF_REQUEST: "handoffRequest",
  HANDOFF_ACCEPT: "handoffAccept",
  HANDOFF_RETURN: "handoffReturn",
  HANDOFF_CANCEL: "handoffCancel",
  HANDOFF_SUGGEST: "handoffSuggest",
  PREVIOUS_RESULTS: "previousResults",
} as const;
export type OmniforgeDataKey = (typeof OmniforgeDataKey)[keyof typeof OmniforgeDataKey];

/** The key of the OmniForge block in `message.metadata`. */
export const OMNIFORGE_METADATA_KEY = "omniforge";

const id = z.string().min(1, "must not be empty").max(256, "must be at most 256 characters");
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** `{ handoffRequest: {...} }`: the orchestrator asks an agent to take over a thread. */
export const handoffRequestSchema = z.object({
  handoffId: id,
  threadId: id,
  tenantId: id,
  userId: id,
  sourceAgentId: id,
  contextSummary: text(100_000),
  handoffReason: text(10_000),
  recentMessages: z
    .array(z.object({ role: z.string().min(1).max(64), content: text(1_000_000) }))
    .max(1_000, "must have at most 1000 messages"),
});
export type HandoffRequestPayload = z.infer<typeof handoffRequestSchema>;

/** `{ handoffAccept: {...} }`: the agent's answer to a handoff request. */
export const handoffAcceptSchema = z.object({
  accepted: z.boolean(),
  estimatedDurationSeconds: z.number().nonnegative().finite().optional(),
  rejectionReason: text(10_000).optional(),
});
export type HandoffAcceptPayload = z.infer<typeof handoffAcceptSchema>;

/** How a specialist ended its workflow (same values as `CompletionStatus`). */
export const handoffCompletionStatusSchema = z.enum(["completed", "cancelled", "error"]);

/** `{ handoffReturn: {...} }`: the agent gives control of the thread back. */
export const handoffReturnSchema = z.object({
  completionStatus: handoffCompletionStatusSchema,
  resultSummary: text(100_000).optional(),
  artifactsCreated: z.array(text(2_048)).max(1_000).optional(),
});
export type HandoffReturnPayload = z.infer<typeof handoffReturnSchema>;

/** `{ handoffCancel: {...} }`: the orchestrator (or the user) ends a handoff early. */
export const handoffCancelSchema = z.object({
  handoffId: id,
  reason: text(10_000),
});
export type HandoffCancelPayload = z.infer<typeof handoffCancelSchema>;

/**
 * `{ handoffSuggest: {...} }`: an agent answering on the orchestrator path asks that the thread be
 * handed to another agent of the tenant. A request, not a command: the router checks the target
 * against the tenant's directory, the user's right to start handoffs and its loop limits first.
 */
export const handoffSuggestSchema = z.object({
  targetAgentId: id,
  contextSummary: text(20_000),
  reason: z.string().min(1, "must not be empty").max(500, "must be at most 500 characters"),
});
export type HandoffSuggestPayload = z.infer<typeof handoffSuggestSchema>;

/** One earlier agent's answer, passed down a sequential delegation chain. */
export const previousResultSchema = z.object({
  agentId: id,
  response: z.string(),
});
export type PreviousResult = z.infer<typeof previousResultSchema>;

/** `{ previousResults: [...] }`: sequential chaining. */
export const previousResultsSchema = z.array(previousResultSchema).max(1_000);

/** `message.metadata.omniforge`: who the message is for and which handoff it belongs to. */
export const omniforgeMetadataSchema = z.object({
  tenantId: id,
  userId: id,
  threadId: id,
  handoffId: id.optional(),
});
export type OmniforgeMetadata = z.infer<typeof omniforgeMetadataSchema>;

/** A data-part object (the value of a part's `data` field). */
export type DataObject = Record<string, unknown>;

/** Data part payload builders: each returns the object to put in a data part. */
export const handoffData = {
  request: (payload: HandoffRequestPayload): DataObject => ({ [OmniforgeDataKey.HANDOFF_REQUEST]: payload }),
  accept: (payload: HandoffAcceptPayload): DataObject => ({ [OmniforgeDataKey.HANDOFF_ACCEPT]: payload }),
  return: (payload: HandoffReturnPayload): DataObject => ({ [OmniforgeDataKey.HANDOFF_RETURN]: payload }),
  cancel: (payload: HandoffCancelPayload): DataObject => ({ [OmniforgeDataKey.HANDOFF_CANCEL]: payload }),
  suggest: (payload: HandoffSuggestPayload): DataObject => ({ [OmniforgeDataKey.HANDOFF_SUGGEST]: payload }),
  previousResults: (results: readonly PreviousResult[]): DataObject => ({
    [OmniforgeDataKey.PREVIOUS_RESULTS]: results,
  }),
} as const;

function findAndParse<T>(data: readonly unknown[], key: string, schema: z.ZodType<T>): T | undefined {
  for (const entry of data) {
    if (entry === null || typeof entry !== "object" || !Object.hasOwn(entry, key)) continue;
    const result = schema.safeParse((entry as DataObject)[key]);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const path = issue && issue.path.length > 0 ? `${key}.${issue.path.join(".")}` : key;
    throw new ValidationError(path, issue?.message ?? "invalid payload");
  }
  return undefined;
}

/**
 * Finds the first `handoffRequest` payload among data-part objects.
 * Returns undefined when there is none; throws a ValidationError naming the field when it is malformed.
 */
export function findHandoffRequest(data: readonly unknown[]): HandoffRequestPayload | undefined {
  return findAndParse(data, OmniforgeDataKey.HANDOFF_REQUEST, handoffRequestSchema);
}

/** Finds the first `handoffAccept` payload (see {@link findHandoffRequest} for the contract). */
export function findHandoffAccept(data: readonly unknown[]): HandoffAcceptPayload | undefined {
  return findAndParse(data, OmniforgeDataKey.HANDOFF_ACCEPT, handoffAcceptSchema);
}

/** Finds the first `handoffReturn` payload (see {@link findHandoffRequest} for the contract). */
export function findHandoffReturn(data: readonly unknown[]): HandoffReturnPayload | undefined {
  return findAndParse(data, OmniforgeDataKey.HANDOFF_RETURN, handoffReturnSchema);
}

/** Finds the first `handoffCancel` payload (see {@link findHandoffRequest} for the contract). */
export function findHandoffCancel(data: readonly unknown[]): HandoffCancelPayload | undefined {
  return findAndParse(data, OmniforgeDataKey.HANDOFF_CANCEL, handoffCancelSchema);
}

/** Finds the first `handoffSuggest` payload (see {@link findHandoffRequest} for the contract). */
export function findHandoffSuggest(data: readonly unknown[]): HandoffSuggestPayload | undefined {
  return findAndParse(data, OmniforgeDataKey.HANDOFF_SUGGEST, handoffSuggestSchema);
}

/** Finds the `previousResults` list (see {@link findHandoffRequest} for the contract). */
export function findPreviousResults(data: readonly unknown[]): PreviousResult[] | undefined {
  return findAndParse(data, OmniforgeDataKey.PREVIOUS_RESULTS, previousResultsSchema);
}

/**
 * Reads `metadata.omniforge` from a message's metadata. Returns undefined when it is absent;
 * throws a ValidationError naming the field when it is present but malformed.
 */
export function readOmniforgeMetadata(metadata: unknown): OmniforgeMetadata | undefined {
  if (metadata === null || typeof metadata !== "object") return undefined;
  if (!Object.hasOwn(metadata, OMNIFORGE_METADATA_KEY)) return undefined;
  return findAndParse([metadata], OMNIFORGE_METADATA_KEY, omniforgeMetadataSchema);
}

/** Builds message metadata carrying the OmniForge block, merged over `extra`. */
export function withOmniforgeMetadata(
  omniforge: OmniforgeMetadata,
  extra?: Record<string, unknown>,
): Record<string, unknown> {
  return { ...extra, [OMNIFORGE_METADATA_KEY]: omniforge };
}
