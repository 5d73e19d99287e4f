/**
 * The orchestrator pattern: ask several agents (in parallel, in a chain, or racing), with
 * per-agent timeouts and cancellation, and merge their answers.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import type { A2AClient } from "../a2a/client/a2a-client.js";
import type { DataObject } from "../a2a/handoff-extension.js";
import { agentEndpoint, parseAgentCard, type AgentCard } from "../a2a/agent-card.js";
import type { ConversationRepository } from "../conversation/conversation-repository.js";
import { AbortedError, ConfigurationError, ErrorCode, PermissionDeniedError } from "../errors.js";
import {
  defaultLogger,
  defaultTracer,
  errorCodeOf,
  inSpan,
  throwIfAborted,
  type Logger,
  type Tracer,
} from "../observability.js";
import { Permission, type PermissionChecker } from "../security/rbac.js";
import { LIMITS, boundedText, identifierSchema, parseInput } from "../validation.js";
import { ContextSanitizer } from "../security/sanitizer/index.js";
import { storesOf } from "./stores.js";
import { AgentCallKind, outcomeOf, type AgentCallAudit } from "./agent-call-audit.js";
import { AgentCalls, DelegationRun, firstSuccessView } from "./delegation-run.js";
import { validateDelegation, validateTimeout } from "./delegation-request.js";
import { buildOutgoingMessage } from "./outgoing-message.js";
import { declinedError, declinedReason, describeFailure, replyItems } from "./stream-items.js";
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
  /**
   * Told every agent call the delegation made, in input order, when it ends: a FIRST_SUCCESS race's
   * cancelled losers too, which its result leaves out (the turn timeline records them).
   */
  onAttempts?: (attempts: readonly DelegationResult[]) => void;
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
  "targetAgentCards" | "strategy" | "maxConcurrency" | "maxTotalReplyBytes" | "onAttempts"
> {
  agentCard: AgentCard;
  /** Extra message metadata / extensions / data parts (the handoff turn uses these). */
  metadata?: Record<string, unknown>;
  /** Continues this task of the agent's (one it left waiting for the user's input). */
  taskId?: string;
  extensions?: string[];
  data?: DataObject[];
  /**
   * @internal The router's path: skip the thread and RBAC checks it already made. Never set it for
   * a caller's request.
   */
  trusted?: boolean;
  /**
   * How the call is recorded in the audit trail. Default `{ kind: "routed_turn" }`; a handoff turn
   * passes `{ kind: "handoff_turn", handoffId }`.
   */
  audit?: { kind: AgentCallKind; handoffId?: string };
}

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
  readonly #calls: AgentCalls;

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
    this.#calls = new AgentCalls({
      client: this.#client,
      sanitizer: this.#sanitizer,
      tracer: this.#tracer,
      logger: this.#logger,
    });
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
        const run = new DelegationRun(this.#calls, { ...options, threadId, tenantId, userId }, request);
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
        options.onAttempts?.(run.attempted());
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
   * failures are thrown as AgentError (a stream has no other way to say it). An agent that
   * declines (its task ends REJECTED) is no failure: its reason comes as the reply's text and the
   * result is `success: false`, `AGENT_DECLINED`.
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
    const message = buildOutgoingMessage(
      { ...options, threadId, tenantId, userId, text: options.message },
      sanitize ? this.#sanitizer : undefined,
    );
    const started = performance.now();
    const agentId = card.identity.id;
    let response = "";
    let failure: unknown;
    let completed = false;
    let declined: string | undefined;
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
        for (const item of replyItems(event, agentId)) {
          if (item.type === "text") response += item.text;
          yield item;
        }
        declined ??= declinedReason(event);
      }
      completed = true;
      const latencyMs = round(performance.now() - started);
      if (declined !== undefined) {
        const { message: error } = declinedError(agentId, declined);
        return { agentId, success: false, response, error, errorCode: ErrorCode.AGENT_DECLINED, latencyMs };
      }
      return { agentId, success: true, response, latencyMs };
    } catch (error) {
      failure = error;
      span.setAttribute("omniforge.error_code", errorCodeOf(error));
      throw error;
    } finally {
      span.end();
      const latencyMs = round(performance.now() - started);
      // A consumer that stopped reading early ends the stream without a result: an abort.
      const outcome = completed
        ? declined === undefined
          ? undefined
          : declinedError(agentId, declined)
        : (failure ?? new AbortedError("Stream closed by the consumer"));
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
