/**
 * The turn timeline: what happened in each turn of a thread — who it was routed to and why, when
 * the first chunk came, each agent call with its outcome and duration, handoffs starting, returning
 * and being cancelled, and how the turn ended — as ids, kinds, timings, outcomes and codes only,
 * never message content. A turn is collected in memory and written once, at its end (also when it
 * failed or its reader went away), through {@link TurnTimelineStore}; the SQL store lives with
 * storage, so every replica reads the same timeline.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { ErrorCode, isOrchestrationError } from "../errors.js";
import { defaultLogger, errorCodeOf, type Logger } from "../observability.js";
import { AgentCallOutcome, outcomeOf } from "./agent-call-audit.js";
import type { DelegationResult } from "./orchestration-manager.js";
import { ORCHESTRATOR_AGENT_ID, type RouterEvent } from "./router-events.js";

/** What a timeline event records. */
export const TurnEventKind = {
  /** Who the turn went to (`detail`: target, agentIds, handoffId?, candidates?, reason?). */
  ROUTE: "route",
  /** The one streamed agent call of a turn (a single default agent, a handoff's specialist). */
  AGENT_CALL: "agent_call",
  FIRST_CHUNK: "first_chunk",
  /** The agent ended its turn asking the user something (`detail`: taskId, state). */
  INPUT_REQUIRED: "input_required",
  HANDOFF_STARTED: "handoff_started",
  HANDOFF_RETURNED: "handoff_returned",
  HANDOFF_CANCELLED: "handoff_cancelled",
  /** One agent of a delegation (FIRST_SUCCESS losers included). */
  DELEGATION: "delegation",
  DONE: "done",
  ERROR: "error",
} as const;
export type TurnEventKind = (typeof TurnEventKind)[keyof typeof TurnEventKind];

/** What started a turn. */
export const TurnTrigger = {
  MESSAGE: "message",
  DELEGATION: "delegation",
  HANDOFF_START: "handoff_start",
  HANDOFF_CANCEL: "handoff_cancel",
  HANDOFF_COMPLETE: "handoff_complete",
} as const;
export type TurnTrigger = (typeof TurnTrigger)[keyof typeof TurnTrigger];

/** One event of a turn. `atMs` is its offset from the turn's start. */
export interface TurnEvent {
  kind: TurnEventKind;
  atMs: number;
  agentId?: string;
  durationMs?: number;
  outcome?: AgentCallOutcome;
  errorCode?: string;
  /** Ids, counts, states and codes only. */
  detail?: Record<string, unknown>;
}

/** One recorded turn. */
export interface TurnRecord {
  tenantId: string;
  threadId: string;
  turnId: string;
  trigger: TurnTrigger;
  startedAt: Date;
  /** Null for a turn recorded without its end. */
  durationMs: number | null;
  events: TurnEvent[];
}

/** Where turns are kept. Every call is scoped to one tenant and thread. */
export interface TurnTimelineStore {
  /** Writes one whole turn (one write, however many events). */
  record(turn: TurnRecord): Promise<void>;
  /** The thread's newest `limit` turns (default 20), oldest first. */
  list(query: { tenantId: string; threadId: string; limit?: number }): Promise<TurnRecord[]>;
}

/** The most candidates a route event keeps, and the longest reason. */
const MAX_CANDIDATES = 10;
const MAX_REASON_LENGTH = 300;

/** Starts turn logs that write to one store. */
export class TurnRecorder {
  readonly store: TurnTimelineStore;
  readonly #logger: Logger;

  constructor(config: { store: TurnTimelineStore; logger?: Logger }) {
    this.store = config.store;
    this.#logger = (config.logger ?? defaultLogger()).child({ component: "turn-timeline" });
  }

  /** A new turn, started now; it is written only once it knows its thread (see {@link TurnLog.bind}). */
  begin(trigger: TurnTrigger, thread?: { tenantId: string; threadId: string }): TurnLog {
    const log = new TurnLog(trigger, this.store, this.#logger);
    if (thread) log.bind(thread);
    return log;
  }

  /**
   * Runs `body` as one turn of the thread: a `done` event when it resolves, an `error` event when it
   * throws (rethrown), and the turn written either way.
   */
  async run<T>(
    trigger: TurnTrigger,
    thread: { tenantId: string; threadId: string },
    body: (log: TurnLog) => Promise<T>,
  ): Promise<T> {
    const log = this.begin(trigger, thread);
    try {
      const result = await body(log);
      log.add(TurnEventKind.DONE);
      return result;
    } catch (error) {
      log.failed(error);
      throw error;
    } finally {
      await log.finish();
    }
  }
}

/** One turn being collected. */
export class TurnLog {
  readonly turnId = randomUUID();
  readonly #trigger: TurnTrigger;
  readonly #store: TurnTimelineStore;
  readonly #logger: Logger;
  readonly #startedAt = new Date();
  readonly #started = performance.now();
  readonly #events: TurnEvent[] = [];
  #thread: { tenantId: string; threadId: string } | undefined;
  /** The streamed agent call in progress (from its route event to the turn's end). */
  #call: { agentId: string; atMs: number } | undefined;
  #sawChunk = false;
  #sawDelegation = false;
  #ended = false;
  #finished = false;

  constructor(trigger: TurnTrigger, store: TurnTimelineStore, logger: Logger) {
    this.#trigger = trigger;
    this.#store = store;
    this.#logger = logger;
  }

  /** The thread the turn belongs to (known once it was checked). */
  bind(thread: { tenantId: string; threadId: string }): void {
    this.#thread = { tenantId: thread.tenantId, threadId: thread.threadId };
  }

  /** Milliseconds since the turn started. */
  now(): number {
    return round(performance.now() - this.#started);
  }

  /** Adds an event that happens now (or at `atMs`). */
  add(kind: TurnEventKind, fields: Omit<TurnEvent, "kind" | "atMs"> & { atMs?: number } = {}): void {
    const { atMs, ...rest } = fields;
    this.#events.push({ kind, atMs: atMs ?? this.now(), ...rest });
  }

  /** Records the turn's failure: an `error` event (ABORTED is `cancelled`), ending any streamed call. */
  failed(error: unknown, agentId?: string): void {
    this.#end(errorCodeOf(error), agentId ?? (isOrchestrationError(error) ? error.agentId : undefined));
  }

  /**
   * A listener for the delegation's every agent call (FIRST_SUCCESS losers included): one
   * `delegation` event per agent, in input order, placed at when its call began — all at
   * `startedAtMs`, or one after another for a sequential chain.
   */
  attempts(strategy: string, startedAtMs = this.now()): (results: readonly DelegationResult[]) => void {
    return (results) => {
      this.#sawDelegation = true;
      let at = startedAtMs;
      for (const result of results) {
        const outcome = outcomeOf(
          result.success ? undefined : (result.errorCode ?? ErrorCode.INTERNAL_ERROR),
        );
        const errorCode = result.success ? undefined : result.errorCode;
        this.add(TurnEventKind.DELEGATION, {
          atMs: at,
          agentId: result.agentId,
          durationMs: result.latencyMs,
          outcome,
          ...(errorCode !== undefined ? { errorCode } : {}),
          detail: {
            agentId: result.agentId,
            outcome,
            latencyMs: result.latencyMs,
            ...(errorCode !== undefined ? { errorCode } : {}),
            strategy,
          },
        });
        if (strategy === "sequential") at = round(at + result.latencyMs);
      }
    };
  }

  /** Notes what a router event says about the turn (never its text). */
  observe(event: RouterEvent): void {
    switch (event.type) {
      case "route": {
        const atMs = this.now();
        this.add(TurnEventKind.ROUTE, { atMs, agentId: event.agentId, detail: routeDetail(event) });
        if (event.agentId !== ORCHESTRATOR_AGENT_ID) this.#call = { agentId: event.agentId, atMs };
        return;
      }
      case "chunk":
        if (this.#sawChunk) return;
        this.#sawChunk = true;
        this.add(TurnEventKind.FIRST_CHUNK, { agentId: event.agentId });
        return;
      case "input_required":
        this.add(TurnEventKind.INPUT_REQUIRED, {
          agentId: event.agentId,
          detail: {
            taskId: event.taskId,
            state: event.state,
            ...(event.handoffId ? { handoffId: event.handoffId } : {}),
          },
        });
        return;
      case "handoff_returned":
        this.add(TurnEventKind.HANDOFF_RETURNED, {
          agentId: event.agentId,
          detail: {
            handoffId: event.handoffId,
            completionStatus: event.completionStatus,
            artifacts: event.artifactsCreated.length,
            by: "agent",
          },
        });
        return;
      case "handoff_cancelled":
        this.add(TurnEventKind.HANDOFF_CANCELLED, {
          agentId: event.agentId,
          detail: { handoffId: event.handoffId, by: "exit_word" },
        });
        return;
      case "delegation":
        // The router reports every attempt through attempts(); the event lists only what counted.
        if (!this.#sawDelegation) this.attempts("parallel", this.#firstRouteAt())(event.results);
        return;
      case "done":
        this.#endCall(AgentCallOutcome.SUCCESS);
        this.add(TurnEventKind.DONE, {
          agentId: event.agentId,
          ...(event.messageId ? { detail: { messageId: event.messageId } } : {}),
        });
        this.#ended = true;
        return;
      case "error":
        this.#end(event.code, event.agentId);
        return;
      default:
        this.#transfer(event);
    }
  }

  /**
   * A transfer an agent asked for (`handoffSuggest`), as the router reports it: `handoff_started`
   * when the target accepted, `handoff_rejected` when it refused (its reasons are text: not kept).
   */
  #transfer(event: { type: string }): void {
    if (event.type !== "handoff_started" && event.type !== "handoff_rejected") return;
    const { agentId, handoffId, sourceAgentId } = event as Record<string, unknown>;
    const accepted = event.type === "handoff_started";
    this.add(TurnEventKind.HANDOFF_STARTED, {
      ...(typeof agentId === "string" ? { agentId } : {}),
      outcome: accepted ? AgentCallOutcome.SUCCESS : AgentCallOutcome.FAILURE,
      detail: {
        ...(typeof handoffId === "string" ? { handoffId } : {}),
        accepted,
        ...(typeof sourceAgentId === "string" ? { sourceAgentId } : {}),
        by: "transfer",
      },
    });
  }

  /** The reader went away before the turn ended: recorded as cancelled (ABORTED). */
  abandoned(): void {
    if (!this.#ended) this.#end(ErrorCode.ABORTED);
  }

  /** Writes the turn (once; later calls do nothing). Never throws: a lost timeline is logged. */
  async finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    const thread = this.#thread;
    if (!thread || this.#events.length === 0) return;
    try {
      await this.#store.record({
        ...thread,
        turnId: this.turnId,
        trigger: this.#trigger,
        startedAt: this.#startedAt,
        durationMs: this.now(),
        events: this.#events,
      });
    } catch (error) {
      this.#logger.error(
        { tenantId: thread.tenantId, threadId: thread.threadId, errorCode: errorCodeOf(error) },
        "turn timeline not written",
      );
    }
  }

  #end(code: string, agentId?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const outcome = outcomeOf(code);
    this.#endCall(outcome, code);
    this.add(TurnEventKind.ERROR, { ...(agentId ? { agentId } : {}), errorCode: code, outcome });
  }

  #endCall(outcome: AgentCallOutcome, errorCode?: string): void {
    const call = this.#call;
    if (!call) return;
    this.#call = undefined;
    this.add(TurnEventKind.AGENT_CALL, {
      atMs: call.atMs,
      agentId: call.agentId,
      durationMs: round(this.now() - call.atMs),
      outcome,
      ...(errorCode !== undefined && outcome !== AgentCallOutcome.SUCCESS ? { errorCode } : {}),
    });
  }

  #firstRouteAt(): number {
    return this.#events.find((event) => event.kind === TurnEventKind.ROUTE)?.atMs ?? this.now();
  }
}

/**
 * A route event's detail: target, agents and handoff, plus the selector's ranking when the router
 * chose by skills (candidates with score, skill and reason, bounded).
 */
function routeDetail(event: Extract<RouterEvent, { type: "route" }>): Record<string, unknown> {
  const extra = event as { candidates?: unknown; reason?: unknown };
  const candidates = Array.isArray(extra.candidates)
    ? extra.candidates.slice(0, MAX_CANDIDATES).flatMap(candidateOf)
    : undefined;
  return {
    target: event.target,
    agentIds: [...event.agentIds],
    ...(event.handoffId ? { handoffId: event.handoffId } : {}),
    ...(candidates ? { candidates } : {}),
    ...(typeof extra.reason === "string" ? { reason: extra.reason.slice(0, MAX_REASON_LENGTH) } : {}),
  };
}

function candidateOf(value: unknown): Array<Record<string, unknown>> {
  if (value === null || typeof value !== "object") return [];
  const { agentId, score, skillId, reason } = value as Record<string, unknown>;
  if (typeof agentId !== "string") return [];
  return [
    {
      agentId,
      ...(typeof score === "number" ? { score } : {}),
      ...(typeof skillId === "string" ? { skillId } : {}),
      ...(typeof reason === "string" ? { reason: reason.slice(0, MAX_REASON_LENGTH) } : {}),
    },
  ];
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
