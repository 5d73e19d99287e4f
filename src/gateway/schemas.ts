/**
 * Every shape that crosses the gateway, as zod schemas: request parts are validated with them,
 * response types are inferred from them, and the OpenAPI document is generated from them.
 */
import { z } from "zod";
import { agentCardSchema, agentIdSchema, httpUrlSchema } from "../a2a/agent-card.js";
import { ConversationType, MessageRole } from "../conversation/models.js";
import { MAX_DELEGATION_AGENTS, MAX_DELEGATION_TIMEOUT_MS } from "../defaults.js";
import { AgentCallKind, AgentCallOutcome } from "../orchestration/agent-call-audit.js";
import { CompletionStatus, DelegationStrategy, HandoffState } from "../orchestration/types.js";
import { Role } from "../security/rbac.js";
import { LIMITS, boundedText, enumSchema, uuidSchema } from "../validation.js";
import { MAX_PAGE_LIMIT } from "./defaults.js";

/** An ISO-8601 date-time in a response. */
export const isoDate = z.string().meta({ format: "date-time" });

// ---------------------------------------------------------------- request parts

/** `:threadId`. */
export const threadParamsSchema = z.object({ threadId: uuidSchema.meta({ format: "uuid" }) });
/** `:agentId`. */
export const agentParamsSchema = z.object({ agentId: agentIdSchema });

/** A whole number in a query string: digits only (no `1e2`, `0x10`, `1.5` or blank). */
export function queryInteger(min: number, max?: number) {
  const bounded = z
    .number()
    .int()
    .min(min, `must be at least ${min}`)
    .max(max ?? Number.MAX_SAFE_INTEGER, `must be at most ${max ?? Number.MAX_SAFE_INTEGER}`);
  return z
    .string({ error: "must be a whole number" })
    .regex(/^\d{1,15}$/, "must be a whole number")
    .transform(Number)
    .pipe(bounded);
}

const pageFields = {
  limit: queryInteger(1, MAX_PAGE_LIMIT)
    .optional()
    .meta({ description: `Page size, 1-${MAX_PAGE_LIMIT}. Default 50.` }),
  offset: queryInteger(0).optional().meta({ description: "Items to skip. Default 0." }),
};

/** `?limit&offset`. */
export const pageQuerySchema = z.object(pageFields);
/** `GET /v1/threads` query. */
export const listThreadsQuerySchema = z.object({
  ...pageFields,
  mine: enumSchema(["true", "false"])
    .optional()
    .meta({ description: "`true`: only the caller's threads. Default: every thread of the tenant." }),
});
/** `GET /v1/threads/:threadId/delegations` query. */
export const delegationsQuerySchema = z.object({
  limit: pageFields.limit,
  kind: enumSchema(Object.values(AgentCallKind))
    .optional()
    .meta({ description: "Only calls of this kind. Default: every call that left for an agent." }),
});

/** `GET /v1/audit/agent-calls` query. */
export const agentCallsQuerySchema = z.object({
  limit: pageFields.limit,
  threadId: uuidSchema.optional().meta({ format: "uuid", description: "Only calls made in this thread." }),
  agentId: agentIdSchema.optional().meta({ description: "Only calls to this agent." }),
  kind: enumSchema(Object.values(AgentCallKind)).optional().meta({ description: "Only calls of this kind." }),
  before: z
    .string({ error: "must be a string" })
    .datetime({ offset: true, error: "must be an ISO-8601 date-time" })
    .optional()
    .meta({ description: "Only calls made before this instant (page backwards with the last `createdAt`)." }),
});

/** The longest thread title a client may set (titles stored before this rule are left as they are). */
export const THREAD_TITLE_MAX = 200;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidi embeddings, overrides and isolates: they reorder how the text after them is shown. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * A thread title as a client sets it, when it creates a thread and when it renames one: trimmed,
 * 1-200 characters, no control characters, no bidi override or isolate.
 */
export const threadTitleSchema = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, "must not be empty")
  .max(THREAD_TITLE_MAX, `must be at most ${THREAD_TITLE_MAX} characters`)
  .refine((title) => !CONTROL_CHARACTERS.test(title), "must not contain control characters")
  .refine(
    (title) => !BIDI_CONTROLS.test(title),
    "must not contain bidi override or isolate characters (U+202A-202E, U+2066-2069)",
  )
  .meta({
    description:
      `Trimmed, 1-${THREAD_TITLE_MAX} characters, no control characters, ` +
      "no bidi override or isolate characters.",
  });

/** Body of `POST /v1/threads`. */
export const createThreadBodySchema = z
  .strictObject({
    title: threadTitleSchema.optional().meta({ description: "Omitted: the thread is untitled." }),
    conversationType: enumSchema(Object.values(ConversationType)).optional(),
  })
  .meta({ id: "CreateThreadRequest" });

/** Body of `POST /v1/threads/:threadId/messages`. */
export const postMessageBodySchema = z
  .strictObject({
    message: boundedText(LIMITS.messageBytes).meta({
      description: `The user's message (non-empty, at most ${LIMITS.messageBytes} bytes).`,
    }),
  })
  .meta({ id: "PostMessageRequest" });

/**
 * A delegation strategy as a client may spell it: the value (`parallel`) or the library's constant
 * name (`PARALLEL`, as in `DelegationStrategy.PARALLEL`); read as the value.
 */
const STRATEGY_SPELLINGS = Object.entries(DelegationStrategy).flatMap(([name, value]) =>
  name === value ? [value] : [value, name],
);
const strategyInputSchema = enumSchema(STRATEGY_SPELLINGS).transform(
  (spelling) => spelling.toLowerCase() as DelegationStrategy,
);

/** Body of `POST /v1/threads/:threadId/delegations`. */
export const delegateBodySchema = z
  .strictObject({
    message: boundedText(LIMITS.messageBytes),
    agentIds: z
      .array(agentIdSchema, { error: "must be an array of agent ids" })
      .min(1, "must list at least one agent")
      .max(MAX_DELEGATION_AGENTS, `must list at most ${MAX_DELEGATION_AGENTS} agents`),
    strategy: strategyInputSchema.optional(),
    timeoutMs: z
      .number({ error: "must be a number" })
      .int("must be an integer")
      .min(1, "must be at least 1")
      .max(MAX_DELEGATION_TIMEOUT_MS, `must be at most ${MAX_DELEGATION_TIMEOUT_MS}`)
      .optional()
      .meta({ description: "Per agent. Default 30000." }),
  })
  .meta({ id: "DelegateRequest" });

/** Body of `POST /v1/threads/:threadId/handoff`. */
export const startHandoffBodySchema = z
  .strictObject({
    targetAgentId: agentIdSchema,
    contextSummary: boundedText(LIMITS.summaryLength, { allowEmpty: true }),
    handoffReason: boundedText(LIMITS.titleLength),
    sourceAgentId: agentIdSchema.optional().meta({ description: 'Who hands off. Default "orchestrator".' }),
  })
  .meta({ id: "StartHandoffRequest" });

/** Body of `DELETE /v1/threads/:threadId/handoff` (optional). */
export const cancelHandoffBodySchema = z
  .strictObject({ reason: boundedText(LIMITS.titleLength).optional() })
  .meta({ id: "CancelHandoffRequest" });

/** Body of `POST /v1/threads/:threadId/handoff/complete`. */
export const completeHandoffBodySchema = z
  .strictObject({
    completionStatus: enumSchema(Object.values(CompletionStatus)),
    resultSummary: boundedText(LIMITS.summaryLength, { allowEmpty: true }).optional(),
    artifactsCreated: z
      .array(z.string().max(2048, "must be at most 2048 characters"))
      .max(1_000, "must list at most 1000 artifacts")
      .optional(),
  })
  .meta({ id: "CompleteHandoffRequest" });

/** An AgentCard as the API accepts and shows it. */
export const agentCardBodySchema = agentCardSchema.meta({ id: "AgentCard" });

/** Body of `POST /v1/agents`: exactly one of `card` or `url`. */
export const registerAgentBodySchema = z
  .strictObject({
    card: agentCardBodySchema.optional().meta({ description: "Register this card as is." }),
    url: httpUrlSchema
      .optional()
      .meta({ description: "Discover the agent: read its A2A card from {url}/.well-known/agent-card.json." }),
    id: agentIdSchema
      .optional()
      .meta({ description: "With url: the id to use (default: a slug of the name)." }),
  })
  .superRefine((value, ctx) => {
    if ((value.card === undefined) === (value.url === undefined)) {
      ctx.addIssue({ code: "custom", path: ["card"], message: "give exactly one of card or url" });
    } else if (value.card !== undefined && value.id !== undefined) {
      ctx.addIssue({ code: "custom", path: ["id"], message: "only with url (a card carries its own id)" });
    }
  })
  .meta({ id: "RegisterAgentRequest" });

// ---------------------------------------------------------------- responses

/** Every error response. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "UPPER_SNAKE error code, e.g. INVALID_INPUT, THREAD_NOT_FOUND." }),
      message: z.string(),
      field: z.string().optional().meta({ description: "The request field that was wrong." }),
      agentId: z.string().optional().meta({ description: "The agent that failed." }),
    }),
  })
  .meta({ id: "Error" });

/** `GET /healthz`. */
export const healthSchema = z.object({ status: z.literal("ok") }).meta({ id: "Health" });
/** `GET /readyz`. */
export const readySchema = z.object({ status: z.literal("ready") }).meta({ id: "Ready" });

/** A thread as the API shows it. */
export const threadViewSchema = z
  .object({
    id: z.string().meta({ format: "uuid" }),
    userId: z.string(),
    title: z.string(),
    conversationType: enumSchema(Object.values(ConversationType)),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: "Thread" });

/** Where a page sits in a list; `nextOffset` is null on the last page. */
export const pageSchema = z
  .object({ limit: z.number().int(), offset: z.number().int(), nextOffset: z.number().int().nullable() })
  .meta({ id: "Page" });

/** `GET /v1/threads`. */
export const threadListSchema = z
  .object({ threads: z.array(threadViewSchema), page: pageSchema })
  .meta({ id: "ThreadList" });

/** Who holds a thread. */
export const holderSchema = z
  .object({
    kind: enumSchema(["orchestrator", "handoff"]),
    agentId: z.string().meta({ description: 'The specialist, or "orchestrator".' }),
    handoffId: z.string().optional(),
    since: isoDate.optional(),
  })
  .meta({ id: "ThreadHolder", description: "Who answers the thread's next message." });

/** `GET /v1/threads/:threadId`. */
export const threadDetailSchema = z
  .object({ thread: threadViewSchema, handoffActive: z.boolean(), holder: holderSchema })
  .meta({ id: "ThreadDetail" });

/** A message as the API shows it. */
export const messageViewSchema = z
  .object({
    id: z.string(),
    role: enumSchema(Object.values(MessageRole)),
    content: z.string(),
    agentId: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: isoDate,
  })
  .meta({ id: "Message" });

/** `GET /v1/threads/:threadId/messages`. */
export const messageListSchema = z
  .object({ messages: z.array(messageViewSchema), page: pageSchema })
  .meta({ id: "MessageList" });

/** One agent's result in a delegation. */
export const delegationResultSchema = z
  .object({
    agentId: z.string(),
    success: z.boolean(),
    response: z.string().optional(),
    error: z.string().optional(),
    errorCode: z.string().optional(),
    latencyMs: z.number(),
  })
  .meta({ id: "DelegationResult" });

/** `POST /v1/threads/:threadId/delegations`. */
export const delegateResponseSchema = z
  .object({ results: z.array(delegationResultSchema), synthesis: z.string() })
  .meta({ id: "DelegateResponse" });

/** One audited call to an agent (never message content). */
export const agentCallRecordSchema = z
  .object({
    threadId: z.string(),
    agentId: z.string(),
    userId: z.string(),
    kind: enumSchema(Object.values(AgentCallKind)),
    outcome: enumSchema(Object.values(AgentCallOutcome)),
    success: z.boolean(),
    errorCode: z.string().optional(),
    latencyMs: z.number(),
    delegationId: z.string().optional().meta({ description: "Groups the agents of one delegation." }),
    strategy: enumSchema(Object.values(DelegationStrategy)).optional(),
    handoffId: z.string().optional(),
    createdAt: isoDate,
  })
  .meta({ id: "AgentCallRecord" });

/** `GET /v1/threads/:threadId/delegations`, `GET /v1/audit/agent-calls`. */
export const agentCallListSchema = z
  .object({ records: z.array(agentCallRecordSchema) })
  .meta({ id: "AgentCallList", description: "Newest first." });

/** `GET /v1/me`. */
export const meSchema = z
  .object({
    tenantId: z.string(),
    userId: z.string(),
    role: enumSchema(Object.values(Role)),
    keyId: z.string(),
    operations: z
      .array(z.string())
      .meta({ description: "The operationIds this key may call (a UI shows only these actions)." }),
    readsEveryThread: z
      .boolean()
      .meta({ description: "True when the role reads every thread of the tenant, not only its own." }),
  })
  .meta({ id: "Me", description: "Who the API key speaks for." });

/** One agent the selector ranked (routing). */
export const routeCandidateSchema = z
  .object({
    agentId: z.string(),
    score: z.number().meta({ description: "0..1" }),
    skillId: z.string().optional(),
    reason: z.string(),
  })
  .meta({ id: "RouteCandidate" });

/** A router event as JSON (and, without `type`, as SSE data). */
export const routerEventSchema = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("route"),
      target: enumSchema(["handoff", "orchestrator"]),
      agentId: z.string(),
      agentIds: z.array(z.string()),
      handoffId: z.string().optional(),
      candidates: z.array(routeCandidateSchema).optional().meta({
        description: "With routing on: the agents the selector ranked, best first.",
      }),
      reason: z.string().optional().meta({ description: "With routing on: why these agents answer." }),
    }),
    z.object({ type: z.literal("chunk"), agentId: z.string(), text: z.string() }),
    z.object({
      type: z.literal("handoff_returned"),
      handoffId: z.string(),
      agentId: z.string(),
      completionStatus: enumSchema(Object.values(CompletionStatus)),
      resultSummary: z.string().optional(),
      artifactsCreated: z.array(z.string()),
    }),
    z.object({
      type: z.literal("handoff_cancelled"),
      handoffId: z.string(),
      agentId: z.string(),
      reason: z.string(),
    }),
    z
      .object({
        type: z.literal("handoff_started"),
        handoffId: z.string(),
        agentId: z.string(),
        sourceAgentId: z.string(),
        reason: z.string(),
      })
      .meta({ description: "An agent asked for a transfer (handoffSuggest); agentId took the thread." }),
    z
      .object({
        type: z.literal("handoff_rejected"),
        agentId: z.string(),
        sourceAgentId: z.string(),
        reason: z.string(),
        rejectionReason: z.string(),
      })
      .meta({ description: "An agent asked for a transfer; agentId refused it." }),
    z.object({ type: z.literal("delegation"), results: z.array(delegationResultSchema) }),
    z
      .object({
        type: z.literal("input_required"),
        agentId: z.string(),
        taskId: z.string(),
        state: enumSchema(["TASK_STATE_INPUT_REQUIRED", "TASK_STATE_AUTH_REQUIRED"]),
        question: z.string(),
        handoffId: z.string().optional(),
      })
      .meta({
        description:
          "The agent ended its turn asking the user something; the thread's next message continues the same task.",
      }),
    z.object({
      type: z.literal("done"),
      agentId: z.string(),
      text: z.string(),
      messageId: z.string().optional(),
    }),
    z.object({
      type: z.literal("error"),
      code: z.string(),
      message: z.string(),
      agentId: z.string().optional(),
    }),
  ])
  .meta({
    id: "RouterEvent",
    description:
      "One router event. Over SSE each is a frame `event: <type>` / `data: <the object without type>`.",
  });

/** `POST /v1/threads/:threadId/messages` in JSON mode. */
export const postMessageResponseSchema = z
  .object({ reply: z.string(), agentId: z.string(), events: z.array(routerEventSchema) })
  .meta({ id: "PostMessageResponse" });

/** `POST /v1/threads/:threadId/handoff`. */
export const handoffAcceptanceSchema = z
  .object({
    accepted: z.boolean(),
    handoffId: z.string().optional(),
    estimatedDurationSeconds: z.number().optional(),
    rejectionReason: z.string().optional(),
  })
  .meta({ id: "HandoffAcceptance" });

/** A handoff session as the API shows it (no stored card). */
export const handoffSessionViewSchema = z
  .object({
    handoffId: z.string(),
    threadId: z.string(),
    userId: z.string(),
    sourceAgentId: z.string(),
    targetAgentId: z.string(),
    state: enumSchema(Object.values(HandoffState)),
    contextSummary: z.string(),
    handoffReason: z.string(),
    startedAt: isoDate,
    completedAt: isoDate.optional(),
    expiresAt: isoDate,
    estimatedDurationSeconds: z.number().optional(),
    rejectionReason: z.string().optional(),
    resultSummary: z.string().optional(),
    artifactsCreated: z.array(z.string()),
  })
  .meta({ id: "HandoffSession" });

/** `GET /v1/threads/:threadId/handoff`. */
export const activeHandoffSchema = z
  .object({ active: handoffSessionViewSchema.nullable() })
  .meta({ id: "ActiveHandoff" });

/** `GET /v1/threads/:threadId/handoffs`. */
export const handoffListSchema = z
  .object({ handoffs: z.array(handoffSessionViewSchema) })
  .meta({ id: "HandoffList", description: "Oldest first." });

/** An agent as the API shows it (credentials removed). */
export const agentViewSchema = z
  .object({
    card: agentCardBodySchema.meta({ description: "The agent's card; credentials are never shown." }),
    source: enumSchema(["static", "tenant"]),
    hasCredentials: z.boolean().meta({ description: "Credentials are stored (encrypted) for this agent." }),
    isDefault: z.boolean().meta({ description: "Answers messages when no handoff holds the thread." }),
    handoff: z.boolean().meta({ description: "Declares the handoff extension." }),
    createdAt: isoDate.optional(),
  })
  .meta({ id: "Agent" });

/** `GET /v1/agents`. */
export const agentListSchema = z
  .object({ agents: z.array(agentViewSchema), page: pageSchema })
  .meta({ id: "AgentList" });
