/**
 * One delegation, run: each agent called (its message built and sanitized, its own deadline, its
 * result recorded whatever happens) under the strategy — all at once, in a chain that passes the
 * earlier answers on, or racing with the losers cancelled.
 */
import { performance } from "node:perf_hooks";
import type { AgentCard } from "../a2a/agent-card.js";
import type { A2AClient } from "../a2a/client/a2a-client.js";
import type { OutgoingMessage } from "../a2a/client/types.js";
import { handoffData, type DataObject, type PreviousResult } from "../a2a/handoff-extension.js";
import { AbortedError, AgentError, ErrorCode } from "../errors.js";
import {
  errorCodeOf,
  inSpan,
  linkSignals,
  throwIfAborted,
  type Logger,
  type Tracer,
} from "../observability.js";
import type { ContextSanitizer } from "../security/sanitizer/index.js";
import type { ValidatedDelegation } from "./delegation-request.js";
import type { DelegateOptions, DelegationResult } from "./orchestration-manager.js";
import { buildOutgoingMessage } from "./outgoing-message.js";
import {
  asDeclined,
  declinedError,
  declinedReason,
  describeFailure,
  failedState,
  streamItems,
} from "./stream-items.js";
import { DelegationStrategy } from "./types.js";

/** How one agent of a delegation is called. */
export interface AgentCallOptions {
  /** Data parts sent with the message (the chain's earlier answers). */
  data: DataObject[];
  signal: AbortSignal;
  /** Told the agent's task id as soon as it is known (to cancel a race's loser). */
  onTaskId: (taskId: string) => void;
  /** Read the reply as a stream (FIRST_SUCCESS: its task id comes early). */
  streaming: boolean;
}

/** Calls agents for delegations: one message, one deadline, one result each. */
export class AgentCalls {
  constructor(
    readonly deps: {
      client: A2AClient;
      sanitizer: ContextSanitizer;
      tracer: Tracer;
      logger: Logger;
    },
  ) {}

  /** Calls `card`'s agent: a result on time, success or not (never a throw). */
  call(
    card: AgentCard,
    request: ValidatedDelegation,
    identity: { threadId: string; tenantId: string; userId: string },
    options: AgentCallOptions,
  ): Promise<DelegationResult> {
    const agentId = card.identity.id;
    const sanitize = request.sanitize && card.policy?.sanitize !== false;
    const outgoing = buildOutgoingMessage(
      {
        threadId: identity.threadId,
        tenantId: identity.tenantId,
        userId: identity.userId,
        text: request.message,
        data: options.data,
      },
      sanitize ? this.deps.sanitizer : undefined,
    );
    return inSpan(
      this.deps.tracer,
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
                { context: { agentId, timeoutMs: request.timeoutMs } },
              ),
            ),
          request.timeoutMs,
        );
        const linked = linkSignals(options.signal, timeout.signal);
        try {
          // The race guarantees the result is returned on time even if the transport were to
          // ignore the abort.
          const response = await Promise.race([
            this.#reply(card, outgoing, request, identity.tenantId, linked.signal, options),
            rejectOnAbort(linked.signal),
          ]);
          span.setAttribute("omniforge.success", true);
          return { agentId, success: true, response, latencyMs: round(performance.now() - started) };
        } catch (error) {
          const latencyMs = round(performance.now() - started);
          const failure = describeFailure(
            timeout.signal.aborted ? timeout.signal.reason : error,
            agentId,
            request.timeoutMs,
          );
          span.setAttribute("omniforge.success", false);
          span.setAttribute("omniforge.error_code", failure.errorCode);
          const fields = { agentId, threadId: identity.threadId, errorCode: failure.errorCode, latencyMs };
          // Stopped on purpose (a FIRST_SUCCESS loser, the caller's abort) or "no answer" is not a
          // fault of the agent's: no warning for it.
          if (failure.errorCode === ErrorCode.ABORTED && options.signal.aborted)
            this.deps.logger.debug(fields, "agent call cancelled");
          else if (failure.errorCode === ErrorCode.AGENT_DECLINED)
            this.deps.logger.debug(fields, "agent declined");
          else this.deps.logger.warn(fields, "agent failed");
          return { agentId, success: false, ...failure, latencyMs };
        } finally {
          clearTimeout(timer);
          linked.dispose();
        }
      },
    );
  }

  /** Best-effort A2A CancelTask for a loser of FIRST_SUCCESS. */
  cancelRemoteTask(card: AgentCard, taskId: string, tenantId: string): void {
    this.deps.client.cancelTask(card, taskId, { timeoutMs: 5_000, tenantId }).catch((error: unknown) => {
      this.deps.logger.debug(
        { agentId: card.identity.id, errorCode: errorCodeOf(error) },
        "cancel not delivered",
      );
    });
  }

  /** The agent's reply text, unary or streamed. */
  async #reply(
    card: AgentCard,
    message: OutgoingMessage,
    request: ValidatedDelegation,
    tenantId: string,
    signal: AbortSignal,
    options: AgentCallOptions,
  ): Promise<string> {
    const callOptions = {
      signal,
      tenantId,
      timeoutMs: request.timeoutMs + 1_000,
      replyBudget: request.replyBudget,
    };
    const agentId = card.identity.id;
    if (!options.streaming) {
      const result = await this.deps.client
        .sendMessage(card, message, callOptions)
        .catch((error: unknown) => Promise.reject(asDeclined(error, agentId)));
      if (result.taskId) options.onTaskId(result.taskId);
      return result.text;
    }
    let text = "";
    for await (const event of this.deps.client.sendStreamingMessage(card, message, callOptions)) {
      if ("taskId" in event && event.taskId) options.onTaskId(event.taskId);
      for (const item of streamItems(event)) if (item.type === "text") text += item.text;
      const declined = declinedReason(event);
      if (declined !== undefined) throw declinedError(agentId, declined);
      const failed = failedState(event);
      if (failed) throw new AgentError(ErrorCode.AGENT_TASK_FAILED, failed, { context: { agentId } });
    }
    return text;
  }
}

/** One execution of a delegation: runs the strategy and remembers every attempt for the audit. */
export class DelegationRun {
  readonly #calls: AgentCalls;
  readonly #options: DelegateOptions & { threadId: string; tenantId: string; userId: string };
  readonly #request: ValidatedDelegation;
  readonly #results: Array<DelegationResult | undefined>;

  constructor(
    calls: AgentCalls,
    options: DelegateOptions & { threadId: string; tenantId: string; userId: string },
    request: ValidatedDelegation,
  ) {
    this.#calls = calls;
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
    // A call resolves with a result whatever happens; should it ever reject, that is a failed
    // result too, so no strategy waits forever on it.
    return this.#calls
      .call(card, this.#request, this.#options, { data, signal, onTaskId, streaming })
      .catch((error: unknown): DelegationResult => ({
        agentId: card.identity.id,
        success: false,
        ...describeFailure(error, card.identity.id, this.#request.timeoutMs),
        latencyMs: 0,
      }))
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
    const running = new Map<number, Promise<DelegationResult>>();
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
            const call = this.#call(index, own.signal, [], (id) => taskIds.set(index, id), true);
            running.set(index, call);
            void call.then((result) => {
              running.delete(index);
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
            this.#calls.cancelRemoteTask(this.#request.cards[index]!, taskId, this.#options.tenantId);
        }
        // A cancelled call settles at once (its abort is raced); waiting for it records the loser
        // as what it is — ABORTED, "cancelled", with the time it ran — rather than a placeholder.
        await Promise.all(running.values());
      }
      race.dispose();
    }
    return this.#results;
  }
}

export function firstSuccessView(results: Array<DelegationResult | undefined>): DelegationResult[] {
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

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
