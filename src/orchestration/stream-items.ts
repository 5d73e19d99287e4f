/**
 * What one agent's stream says, read for orchestration: the reply's text and data, a task that
 * failed, a task that asks the user, and a failure described for a delegation result.
 */
import type { A2AStreamEvent } from "../a2a/client/types.js";
import { A2ATaskState, isFailedTaskState } from "../a2a/wire.js";
import { AgentError, ErrorCode, isOrchestrationError } from "../errors.js";
import type { AgentStreamItem, InputRequiredState } from "./orchestration-manager.js";

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
  // A declining agent's reason ("I found nothing about ...") is what it says to the user.
  "TASK_STATE_REJECTED",
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_AUTH_REQUIRED",
]);

/** States in which an agent's task waits for the user. */
export const INPUT_STATES: ReadonlySet<string> = new Set<InputRequiredState>([
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_AUTH_REQUIRED",
]);

/**
 * What one event of an agent's streamed reply gives its reader: its text and data, then — when the
 * task now waits for the user — `input_required` with the question. A task that failed throws
 * AGENT_TASK_FAILED.
 */
export function* replyItems(event: A2AStreamEvent, agentId: string): Generator<AgentStreamItem, void> {
  yield* streamItems(event);
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

/**
 * Why the agent's task failed, when `event` says it ended FAILED or CANCELED. REJECTED is not a
 * failure but the agent's "no answer": see {@link declinedReason}.
 */
export function failedState(event: A2AStreamEvent): string | undefined {
  if (event.type !== "status" && event.type !== "task") return undefined;
  if (!isFailedTaskState(event.state) || event.state === DECLINED_STATE) return undefined;
  const text = event.type === "status" && event.text ? `: ${event.text}` : "";
  return `Agent task ended ${event.state.replace("TASK_STATE_", "").toLowerCase()}${text}`;
}

const DECLINED_STATE = A2ATaskState.REJECTED;

/**
 * The agent's reason, when `event` says its task ended REJECTED: the agent has no answer (`""` when
 * it gave no reason). Undefined for any other event.
 */
export function declinedReason(event: A2AStreamEvent): string | undefined {
  if ((event.type !== "status" && event.type !== "task") || event.state !== DECLINED_STATE) return undefined;
  return event.type === "status" ? event.text : "";
}

/** The error a declining agent's call ends with (AGENT_DECLINED). */
export function declinedError(agentId: string, reason: string): AgentError {
  return new AgentError(ErrorCode.AGENT_DECLINED, reason.trim() || `Agent ${agentId} had no answer`, {
    context: { agentId },
  });
}

/**
 * The A2A client's error for a task that ended REJECTED (the non-streaming path) as AGENT_DECLINED;
 * any other error as it is.
 */
export function asDeclined(error: unknown, agentId: string): unknown {
  if (!isOrchestrationError(error, ErrorCode.AGENT_TASK_FAILED)) return error;
  if (error.context.state !== DECLINED_STATE) return error;
  const detail = error.context.detail;
  return declinedError(agentId, typeof detail === "string" ? detail : "");
}

/** A failure as a delegation result says it. */
export function describeFailure(
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
