/**
 * The orchestrator pattern: ask several agents (in parallel, in a chain, or racing), with
 * per-agent timeouts and cancellation, and merge their answers.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import type { A2AClient } from "../a2a/client/a2a-client.js";
import type { A2AStreamEvent, OutgoingMessage } from "../a2a/client/types.js";
import { handoffData, type DataObject, type PreviousResult } from "../a2a/handoff-extension.js";
import { agentEndpoint, parseAgentCard, type AgentCard } from "../a2a/agent-card.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { ReplyBudget } from "../a2a/client/call-scope.js";
import {
  DEFAULT_DELEGATION_REPLY_BYTES,
  DEFAULT_DELEGATION_TIMEOUT_MS,
  MAX_DELEGATION_AGENTS,
  MAX_DELEGATION_TIMEOUT_MS,
} from "../defaults.js";
import {
  AbortedError,
  AgentError,
  ConfigurationError,
  DelegationError,
  ErrorCode,
  PermissionDeniedError,
  isOrchestrationError,
} from "../errors.js";
import {
  defaultLogger,
  defaultTracer,
  errorCodeOf,
  inSpan,
  linkSignals,
  throwIfAborted,
  type Logger,
  type Tracer,
} from "../observability.js";
import { Permission, type PermissionChecker } from "../security/rbac.js";
import { LIMITS, boundedText, enumSchema, identifierSchema, parseInput } from "../validation.js";
import { ContextSanitizer } from "../security/sanitizer/index.js";
import { storesOf } from "./stores.js";
import { AgentCallKind, outcomeOf, type AgentCallAudit } from "./agent-call-audit.js";
import { ThreadManager } from "./thread-manager.js";
import { DelegationStrategy } from "./types.js";

/** One agent's answer (or failure) in a delegation. */
export interface DelegationResult {
  agentId: string;
  success: boolean;
  response?: string;
  error?: string;
  errorCode?: string;
  latencyMs: number;
}

export interface OrchestrationManagerConfig {
  a2aClient: A2AClient;
  conversationRepo: ConversationRepository;
  /** When given, delegation requires ORCHESTRATION_DELEGATE. */
  rbac?: PermissionChecker;
  /** Applied to everything sent to agents. Default: a new ContextSanitizer. */
  sanitizer?: ContextSanitizer;
  /** Where audit records go (one per agent call). Default: the repository's database (SQL repositories). */
  auditStore?: AgentCallAudit;
  logger?: Logger;
  tracer?: Tracer;
}

export interface DelegateOptions {
  threadId: string;
  tenantId: string;
  userId: string;
  message: string;
  targetAgentCards: AgentCard[];
  /** Default PARALLEL. */
  strategy?: DelegationStrategy;
  /** Per agent. Default 30 000. */
  timeoutMs?: number;
  /** PARALLEL and FIRST_SUCCESS: at most this many agents in flight. Default: all. */
  maxConcurrency?: number;
  /** false: send the message unsanitized (agents whose card opts out are never sanitized). */
  sanitize?: boolean;
  /**
   * What the agents' replies may total, all of them together (each is also bounded by the client's
   * own limit). An agent whose reply would pass it is a failed result (AGENT_RESPONSE_TOO_LARGE).
   * Default 8 MiB.
   */
  maxTotalReplyBytes?: number;
  signal?: AbortSignal;
}

/**
 * A single agent's reply, streamed: text chunks and data parts as they arrive, and — when the agent
 * ends its turn asking the user something (A2A INPUT_REQUIRED or AUTH_REQUIRED) — `input_required`
 * with the task to continue and the question (whose text also came as the reply's last chunk).
 */
export type AgentStreamItem =
  | { type: "text"; text: string }
  | { type: "data"; data: DataObject }
  | {
      type: "input_required";
      taskId: string;
      contextId?: string;
      state: InputRequiredState;
      question: string;
    };

/** The A2A task states in which a task waits for the user. */
export type InputRequiredState = "TASK_STATE_INPUT_REQUIRED" | "TASK_STATE_AUTH_REQUIRED";

export interface StreamAgentOptions extends Omit<
  DelegateOptions,
  "targetAgentCards" | "strategy" | "maxConcurrency" | "maxTotalReplyBytes"
> {
  agentCard: AgentCard;
  /** Extra message metadata / extensions / data parts (the handoff turn uses these). */
  metadata?: Record<string, unknown>;
  /** Continues this task of the agent's (one it left waiting for the user's input). */
  taskId?: string;
  extensions?: string[];
  data?: DataObject[];
  /** Skip the thread and RBAC checks (the caller already made them). */
  trusted?: boolean;
  /**
   * How the call is recorded in the audit trail. Default `{ kind: "routed_turn" }`; a handoff turn
   * passes `{ kind: "handoff_turn", handoffId }`.
   */
  audit?: { kind: AgentCallKind; handoffId?: string };
}

const strategySchema = enumSchema(Object.values(DelegationStrategy));

// Built once: constructing a zod schema per call costs more than the check itself.
const messageSchema = boundedText(LIMITS.messageBytes);

const identitySchema = z.object({
  threadId: z.string({ error: "must be a string" }),
  tenantId: identifierSchema,
  userId: identifierSchema,
});

export class OrchestrationManager {
  readonly #client: A2AClient;
  readonly #threads: ThreadManager;
  readonly #rbac: PermissionChecker | undefined;
  readonly #sanitizer: ContextSanitizer;
  readonly #audit: AgentCallAudit | undefined;
  readonly #logger: Logger;
  readonly #tracer: Tracer;

  constructor(config: OrchestrationManagerConfig) {
    if (!config?.a2aClient)
      throw new ConfigurationError("a2aClient is required", { context: { field: "a2aClient" } });
    if (!config.conversationRepo) {
      throw new ConfigurationError("conversationRepo is required", {
        context: { field: "conversationRepo" },
      });
    }
    this.#client = config.a2aClient;
    this.#threads = new ThreadManager(config.conversationRepo);
    this.#rbac = config.rbac;
    this.#sanitizer = config.sanitizer ?? new ContextSanitizer();
    this.#audit = config.auditStore ?? storesOf(config.conversationRepo)?.agentCallAudit();
    this.#logger = (config.logger ?? defaultLogger()).child({ component: "orchestration" });
    this.#tracer = config.tracer ?? defaultTracer();
  }

  /** The audit store this manager writes to, if any. */
  get auditStore(): AgentCallAudit | undefined {
    return this.#audit;
  }

  /**
   * Sends `message` to the target agents with `strategy` and returns their results. An agent's
   * failure or timeout is a failed result, never a throw; bad input, a foreign thread, a missing
   * permission or the caller's abort throw.
   */
  async delegateToAgents(options: DelegateOptions): Promise<DelegationResult[]> {
    const { threadId, tenantId, userId } = parseInput(identitySchema, options);
    await this.#checkAccess(threadId, tenantId, userId);
    const request = validateDelegation(options);
    throwIfAborted(options.signal);
    const delegationId = randomUUID();
    const log = this.#logger.child({ delegationId, threadId, tenantId, strategy: request.strategy });
    return inSpan(
      this.#tracer,
      "omniforge.delegate",
      {
        "omniforge.thread_id": threadId,
        "omniforge.tenant_id": tenantId,
        "omniforge.strategy": request.strategy,
        "omniforge.agent_count": request.cards.length,
      },
      async (span) => {
        const started = performance.now();
        const run = new DelegationRun(this, { ...options, threadId, tenantId, userId }, request);
        const outcomes = await run.execute();
        const results =
          request.strategy === DelegationStrategy.FIRST_SUCCESS
            ? firstSuccessView(outcomes)
            : outcomes.filter((r): r is DelegationResult => r !== undefined);
        await this.#writeAudit(
          { threadId, tenantId, userId },
          run.attempted(),
          { kind: AgentCallKind.DELEGATION, delegationId, strategy: request.strategy },
          log,
        );
        const succeeded = results.filter((r) => r.success).length;
        span.setAttribute("omniforge.succeeded", succeeded);
        log.info(
          { agents: request.cards.length, succeeded, latencyMs: round(performance.now() - started) },
          "delegation finished",
        );
        throwIfAborted(options.signal);
        return results;
      },
    );
  }

  /**
   * Streams one agent's reply (text chunks and data parts) as it arrives, sanitizing what is
   * sent and auditing the outcome. Returns the delegation result when the stream ends. Agent
   * failures are thrown as AgentError (a stream has no other way to say it).
   */
  async *streamAgent(
    options: StreamAgentOptions,
  ): AsyncGenerator<AgentStreamItem, DelegationResult, undefined> {
    const { threadId, tenantId, userId } = parseInput(identitySchema, options);
    if (!options.trusted) await this.#checkAccess(threadId, tenantId, userId);
    const card = parseAgentCard(options.agentCard, "agentCard");
    agentEndpoint(card, "agentCard.service.endpoint");
    parseInput(messageSchema, options.message, "message");
    const timeoutMs = validateTimeout(options.timeoutMs);
    const sanitize = options.sanitize !== false && card.policy?.sanitize !== false;
    const message: OutgoingMessage = {
      text: sanitize ? this.#sanitizer.sanitize(options.message) : options.message,
      contextId: threadId,
      metadata: {
        ...options.metadata,
        omniforge: { ...omniforgeMeta(options.metadata), tenantId, userId, threadId },
      },
    };
    if (options.data && options.data.length > 0) {
      message.data = sanitize
        ? (options.data.map((d) => this.#sanitizer.sanitizeValue(d)) as DataObject[])
        : options.data;
    }
    if (options.extensions) message.extensions = options.extensions;
    if (options.taskId !== undefined) message.taskId = options.taskId;
    const started = performance.now();
    const agentId = card.identity.id;
    let response = "";
    let failure: unknown;
    let completed = false;
    const span = this.#tracer.startSpan("omniforge.delegate.agent", {
      attributes: {
        "omniforge.agent_id": agentId,
        "omniforge.thread_id": threadId,
        "omniforge.streaming": true,
      },
    });
    try {
      const stream = this.#client.sendStreamingMessage(card, message, {
        timeoutMs,
        tenantId,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      for await (const event of stream) {
        for (const item of streamItems(event)) {
          if (item.type === "text") response += item.text;
          yield item;
        }
        const failed = failedState(event);
        if (failed) throw new AgentError(ErrorCode.AGENT_TASK_FAILED, failed, { context: { agentId } });
        if (event.type === "status" && INPUT_STATES.has(event.state) && event.taskId) {
          yield {
            type: "input_required",
            taskId: event.taskId,
            ...(event.contextId ? { contextId: event.contextId } : {}),
            state: event.state as InputRequiredState,
            question: event.text,
          };
        }
      }
      completed = true;
      return { agentId, success: true, response, latencyMs: round(performance.now() - started) };
    } catch (error) {
      failure = error;
      span.setAttribute("omniforge.error_code", errorCodeOf(error));
      throw error;
    } finally {
      span.end();
      const latencyMs = round(performance.now() - started);
      // A consumer that stopped reading early ends the stream without a result: an abort.
      const outcome = completed ? undefined : (failure ?? new AbortedError("Stream closed by the consumer"));
      const result: DelegationResult =
        outcome === undefined
          ? { agentId, success: true, response, latencyMs }
          : { agentId, success: false, ...describeFailure(outcome, agentId, timeoutMs), latencyMs };
      await this.#writeAudit(
        { threadId, tenantId, userId },
        [result],
        options.audit ?? { kind: AgentCallKind.ROUTED_TURN },
        this.#logger.child({ threadId, tenantId, agentId }),
      );
    }
  }

  /**
   * Merges results into one reply: no results -> "No responses received from sub-agents.";
   * none succeeded -> "All sub-agents failed to provide responses."; one success -> its response;
   * several -> "From <agentId>:\n<response>" blocks joined by a blank line, in input order.
   */
  synthesizeResponses(results: readonly DelegationResult[]): string {
    return synthesizeResponses(results);
  }

  /** @internal Used by DelegationRun. */
  callAgent(
    card: AgentCard,
    request: ValidatedDelegation,
    identity: { threadId: string; tenantId: string; userId: string },
    message: string,
    data: DataObject[],
    signal: AbortSignal,
    onTaskId: (taskId: string) => void,
    streaming: boolean,
  ): Promise<DelegationResult> {
    const agentId = card.identity.id;
    const sanitize = request.sanitize && card.policy?.sanitize !== false;
    const outgoing: OutgoingMessage = {
      text: sanitize ? this.#sanitizer.sanitize(message) : message,
      contextId: identity.threadId,
      metadata: {
        omniforge: { tenantId: identity.tenantId, userId: identity.userId, threadId: identity.threadId },
      },
    };
    if (data.length > 0)
      outgoing.data = sanitize ? (data.map((d) => this.#sanitizer.sanitizeValue(d)) as DataObject[]) : data;
    return inSpan(
      this.#tracer,
      "omniforge.delegate.agent",
      { "omniforge.agent_id": agentId, "omniforge.thread_id": identity.threadId },
      async (span) => {
        const started = performance.now();
        const timeout = new AbortController();
        const timer = setTimeout(
          () =>
            timeout.abort(
              new AgentError(
                ErrorCode.AGENT_TIMEOUT,
                `Agent ${agentId} timed out after ${request.timeoutMs} ms`,
                {
                  context: { agentId, timeoutMs: request.timeoutMs },
                },
              ),
            ),
          request.timeoutMs,
        );
        const linked = linkSignals(signal, timeout.signal);
        try {
          // The race guarantees the result is returned on time even if the transport were to
          // ignore the abort.
          const response = await Promise.race([
            streaming
              ? this.#collectStream(card, outgoing, request, identity.tenantId, linked.signal, onTaskId)
              : this.#client
                  .sendMessage(card, outgoing, {
                    signal: linked.signal,
                    timeoutMs: request.timeoutMs + 1_000,
                    tenantId: identity.tenantId,
                    replyBudget: request.replyBudget,
                  })
                  .then((result) => {
                    if (result.taskId) onTaskId(result.taskId);
                    return result.text;
                  }),
            rejectOnAbort(linked.signal),
          ]);
          const latencyMs = round(performance.now() - started);
          span.setAttribute("omniforge.success", true);
          return { agentId, success: true, response, latencyMs };
        } catch (error) {
          const latencyMs = round(performance.now() - started);
          const failure = describeFailure(
            timeout.signal.aborted ? timeout.signal.reason : error,
            agentId,
            request.timeoutMs,
          );
          span.setAttribute("omniforge.success", false);
          span.setAttribute("omniforge.error_code", failure.errorCode);
          this.#logger.warn(
            { agentId, threadId: identity.threadId, errorCode: failure.errorCode, latencyMs },
            "agent failed",
          );
          return { agentId, success: false, ...failure, latencyMs };
        } finally {
          clearTimeout(timer);
          linked.dispose();
        }
      },
    );
  }

  /** @internal Best-effort A2A CancelTask for a loser of FIRST_SUCCESS. */
  cancelRemoteTask(card: AgentCard, taskId: string, tenantId: string): void {
    this.#client.cancelTask(card, taskId, { timeoutMs: 5_000, tenantId }).catch((error: unknown) => {
      this.#logger.debug(
        { agentId: card.identity.id, errorCode: errorCodeOf(error) },
        "cancel not delivered",
      );
    });
  }

  async #collectStream(
    card: AgentCard,
    message: OutgoingMessage,
    request: ValidatedDelegation,
    tenantId: string,
    signal: AbortSignal,
    onTaskId: (taskId: string) => void,
  ): Promise<string> {
    let text = "";
    for await (const event of this.#client.sendStreamingMessage(card, message, {
      signal,
      tenantId,
      timeoutMs: request.timeoutMs + 1_000,
      replyBudget: request.replyBudget,
    })) {
      if ("taskId" in event && event.taskId) onTaskId(event.taskId);
      for (const item of streamItems(event)) if (item.type === "text") text += item.text;
      const failed = failedState(event);
      if (failed)
        throw new AgentError(ErrorCode.AGENT_TASK_FAILED, failed, { context: { agentId: card.identity.id } });
    }
    return text;
  }

  async #checkAccess(threadId: string, tenantId: string, userId: string): Promise<void> {
    await this.#threads.requireThread({ threadId, tenantId, userId });
    if (
      this.#rbac &&
      !(await this.#rbac.hasPermission(userId, tenantId, Permission.ORCHESTRATION_DELEGATE))
    ) {
      throw new PermissionDeniedError(Permission.ORCHESTRATION_DELEGATE, {
        context: { threadId, tenantId, userId },
      });
    }
  }

  async #writeAudit(
    identity: { threadId: string; tenantId: string; userId: string },
    results: readonly DelegationResult[],
    call: { kind: AgentCallKind; delegationId?: string; strategy?: DelegationStrategy; handoffId?: string },
    log: Logger,
  ): Promise<void> {
    if (!this.#audit || results.length === 0) return;
    try {
      await this.#audit.record(
        results.map((r) => ({
          ...identity,
          ...call,
          agentId: r.agentId,
          outcome: outcomeOf(r.success ? undefined : (r.errorCode ?? ErrorCode.INTERNAL_ERROR)),
          ...(r.errorCode !== undefined ? { errorCode: r.errorCode } : {}),
          latencyMs: r.latencyMs,
        })),
      );
    } catch (error) {
      // The answer is not lost because its audit row could not be written; the failure is loud.
      log.error({ errorCode: errorCodeOf(error) }, "audit record not written");
    }
  }
}

/** A validated delegation request. */
interface ValidatedDelegation {
  cards: AgentCard[];
  strategy: DelegationStrategy;
  timeoutMs: number;
  maxConcurrency: number;
  sanitize: boolean;
  message: string;
  /** What every agent's reply draws on together. */
  replyBudget: ReplyBudget;
}

function validateDelegation(options: DelegateOptions): ValidatedDelegation {
  const fail = (field: string, message: string) =>
    new DelegationError(`${field}: ${message}`, { context: { field } });
  if (typeof options.message !== "string" || options.message.trim() === "")
    throw fail("message", "must not be empty");
  if (Buffer.byteLength(options.message) > LIMITS.messageBytes) {
    throw fail("message", `must be at most ${LIMITS.messageBytes} bytes`);
  }
  if (!Array.isArray(options.targetAgentCards) || options.targetAgentCards.length === 0) {
    throw fail("targetAgentCards", "at least one agent is required");
  }
  if (options.targetAgentCards.length > MAX_DELEGATION_AGENTS) {
    throw fail("targetAgentCards", `at most ${MAX_DELEGATION_AGENTS} agents`);
  }
  const cards = options.targetAgentCards.map((card, index) => {
    const field = `targetAgentCards[${index}]`;
    try {
      const parsed = parseAgentCard(card, field);
      agentEndpoint(parsed, `${field}.service.endpoint`);
      return parsed;
    } catch (error) {
      throw new DelegationError((error as Error).message, { cause: error, context: { field } });
    }
  });
  const seen = new Set<string>();
  for (const [index, card] of cards.entries()) {
    if (seen.has(card.identity.id)) {
      throw fail(`targetAgentCards[${index}].identity.id`, `duplicate agent id "${card.identity.id}"`);
    }
    seen.add(card.identity.id);
  }
  const strategy = options.strategy ?? DelegationStrategy.PARALLEL;
  if (!strategySchema.safeParse(strategy).success) {
    throw fail(
      "strategy",
      `unknown strategy "${String(strategy)}"; use ${Object.values(DelegationStrategy).join(", ")}`,
    );
  }
  let timeoutMs: number;
  try {
    timeoutMs = validateTimeout(options.timeoutMs);
  } catch (error) {
    throw new DelegationError((error as Error).message, { context: { field: "timeoutMs" } });
  }
  const maxConcurrency = options.maxConcurrency ?? cards.length;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)
    throw fail("maxConcurrency", "must be a positive integer");
  if (options.sanitize !== undefined && typeof options.sanitize !== "boolean")
    throw fail("sanitize", "must be a boolean");
  const maxTotalReplyBytes = options.maxTotalReplyBytes ?? DEFAULT_DELEGATION_REPLY_BYTES;
  if (!Number.isInteger(maxTotalReplyBytes) || maxTotalReplyBytes < 1)
    throw fail("maxTotalReplyBytes", "must be a positive integer");
  return {
    cards,
    strategy,
    timeoutMs,
    maxConcurrency,
    sanitize: options.sanitize !== false,
    message: options.message,
    replyBudget: new ReplyBudget(maxTotalReplyBytes),
  };
}

function validateTimeout(timeoutMs: number | undefined): number {
  const value = timeoutMs ?? DEFAULT_DELEGATION_TIMEOUT_MS;
  if (!Number.isFinite(value) || value < 1 || value > MAX_DELEGATION_TIMEOUT_MS) {
    throw new DelegationError(`timeoutMs: must be between 1 and ${MAX_DELEGATION_TIMEOUT_MS}`, {
      context: { field: "timeoutMs" },
    });
  }
  return Math.ceil(value);
}

/** One execution of a delegation: runs the strategy and remembers every attempt for the audit. */
class DelegationRun {
  readonly #manager: OrchestrationManager;
  readonly #options: DelegateOptions & { threadId: string; tenantId: string; userId: string };
  readonly #request: ValidatedDelegation;
  readonly #results: Array<DelegationResult | undefined>;

  constructor(
    manager: OrchestrationManager,
    options: DelegateOptions & { threadId: string; tenantId: string; userId: string },
    request: ValidatedDelegation,
  ) {
    this.#manager = manager;
    this.#options = options;
    this.#request = request;
    this.#results = new Array(request.cards.length).fill(undefined);
  }

  /** Every agent that was called, in input order. */
  attempted(): DelegationResult[] {
    return this.#results.filter((r): r is DelegationResult => r !== undefined);
  }

  async execute(): Promise<Array<DelegationResult | undefined>> {
    switch (this.#request.strategy) {
      case DelegationStrategy.SEQUENTIAL:
        return this.#sequential();
      case DelegationStrategy.FIRST_SUCCESS:
        return this.#firstSuccess();
      default:
        return this.#parallel();
    }
  }

  #call(
    index: number,
    signal: AbortSignal,
    data: DataObject[] = [],
    onTaskId: (id: string) => void = () => {},
    streaming = false,
  ) {
    const card = this.#request.cards[index]!;
    return this.#manager
      .callAgent(card, this.#request, this.#options, this.#request.message, data, signal, onTaskId, streaming)
      .then((result) => {
        this.#results[index] = result;
        return result;
      });
  }

  async #parallel(): Promise<DelegationResult[]> {
    const outer = linkSignals(this.#options.signal);
    try {
      await forEachLimited(this.#request.cards.length, this.#request.maxConcurrency, outer.signal, (i) =>
        this.#call(i, outer.signal),
      );
      return this.#results as DelegationResult[];
    } finally {
      outer.dispose();
    }
  }

  async #sequential(): Promise<DelegationResult[]> {
    const previous: PreviousResult[] = [];
    for (let i = 0; i < this.#request.cards.length; i++) {
      throwIfAborted(this.#options.signal);
      const data = previous.length > 0 ? [handoffData.previousResults([...previous])] : [];
      const outer = linkSignals(this.#options.signal);
      try {
        const result = await this.#call(i, outer.signal, data);
        if (result.success) previous.push({ agentId: result.agentId, response: result.response ?? "" });
      } finally {
        outer.dispose();
      }
    }
    return this.#results as DelegationResult[];
  }

  async #firstSuccess(): Promise<Array<DelegationResult | undefined>> {
    const race = linkSignals(this.#options.signal);
    const taskIds = new Map<number, string>();
    const controllers = this.#request.cards.map(() => new AbortController());
    let winner: number | undefined;
    try {
      await new Promise<void>((resolve) => {
        let settled = 0;
        let next = 0;
        const launch = () => {
          while (
            next < this.#request.cards.length &&
            next - settled < this.#request.maxConcurrency &&
            winner === undefined
          ) {
            const index = next++;
            const own = linkSignals(race.signal, controllers[index]!.signal);
            void this.#call(index, own.signal, [], (id) => taskIds.set(index, id), true).then((result) => {
              own.dispose();
              settled++;
              if (result.success && winner === undefined) {
                winner = index;
                resolve();
                return;
              }
              if (settled === this.#request.cards.length || race.signal.aborted) resolve();
              else launch();
            });
          }
        };
        launch();
      });
    } finally {
      if (winner !== undefined) {
        for (const [index, controller] of controllers.entries()) {
          if (index === winner || this.#results[index] !== undefined) continue;
          controller.abort(
            new AbortedError(`Cancelled: ${this.#request.cards[winner]!.identity.id} answered first`),
          );
          const taskId = taskIds.get(index);
          if (taskId)
            this.#manager.cancelRemoteTask(this.#request.cards[index]!, taskId, this.#options.tenantId);
          const card = this.#request.cards[index]!;
          this.#results[index] ??= {
            agentId: card.identity.id,
            success: false,
            error: "cancelled: another agent answered first",
            errorCode: ErrorCode.ABORTED,
            latencyMs: 0,
          };
        }
      }
      race.dispose();
    }
    return this.#results;
  }
}

function firstSuccessView(results: Array<DelegationResult | undefined>): DelegationResult[] {
  const winner = results.find((r) => r?.success);
  if (winner) return [winner];
  return results.filter((r): r is DelegationResult => r !== undefined);
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight. */
async function forEachLimited(
  count: number,
  limit: number,
  signal: AbortSignal,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count && !signal.aborted) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function describeFailure(
  error: unknown,
  agentId: string,
  timeoutMs: number,
): { error: string; errorCode: string } {
  if (isOrchestrationError(error)) {
    if (error.code === ErrorCode.AGENT_TIMEOUT) {
      return {
        error: `Agent ${agentId} timed out after ${timeoutMs} ms`,
        errorCode: ErrorCode.AGENT_TIMEOUT,
      };
    }
    return { error: error.message, errorCode: error.code };
  }
  if (error instanceof Error && error.name === "AbortError")
    return { error: "aborted", errorCode: ErrorCode.ABORTED };
  return {
    error: error instanceof Error ? error.message : String(error),
    errorCode: ErrorCode.INTERNAL_ERROR,
  };
}

/** Text chunks and data parts carried by one stream event. */
export function streamItems(event: A2AStreamEvent): AgentStreamItem[] {
  const items: AgentStreamItem[] = [];
  if (event.type === "task") return items;
  // A status message's text is part of the reply only when the task ends or asks the user
  // something; intermediate "working..." notes are progress, not answer.
  const textCounts = event.type !== "status" || REPLY_STATES.has(event.state);
  if (event.text && textCounts) items.push({ type: "text", text: event.text });
  for (const data of event.data) items.push({ type: "data", data });
  return items;
}

const REPLY_STATES: ReadonlySet<string> = new Set([
  "TASK_STATE_COMPLETED",
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_AUTH_REQUIRED",
]);

/** States in which an agent's task waits for the user. */
const INPUT_STATES: ReadonlySet<string> = new Set<InputRequiredState>([
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_AUTH_REQUIRED",
]);

function failedState(event: A2AStreamEvent): string | undefined {
  if (event.type !== "status" && event.type !== "task") return undefined;
  const state = event.state;
  if (state === "TASK_STATE_FAILED" || state === "TASK_STATE_REJECTED" || state === "TASK_STATE_CANCELED") {
    const text = event.type === "status" && event.text ? `: ${event.text}` : "";
    return `Agent task ended ${state.replace("TASK_STATE_", "").toLowerCase()}${text}`;
  }
  return undefined;
}

function omniforgeMeta(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  const value = metadata?.omniforge;
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

/** See {@link OrchestrationManager.synthesizeResponses}. */
export function synthesizeResponses(results: readonly DelegationResult[]): string {
  if (results.length === 0) return "No responses received from sub-agents.";
  const successes = results.filter((r) => r.success);
  if (successes.length === 0) return "All sub-agents failed to provide responses.";
  if (successes.length === 1) return successes[0]!.response ?? "";
  return successes.map((r) => `From ${r.agentId}:\n${r.response ?? ""}`).join("\n\n");
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
