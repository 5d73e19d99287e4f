/** What the stream router yields, and how a failed turn becomes its `error` event. */
import { ErrorCode, OrchestrationError, isOrchestrationError } from "../errors.js";
import type { DelegationResult, InputRequiredState } from "./orchestration-manager.js";
import type { RouteCandidate } from "./router-routing-plan.js";
import type { CompletionStatus } from "./types.js";

/** The orchestrator's own id in events and stored replies. */
export const ORCHESTRATOR_AGENT_ID = "orchestrator";

/** What `StreamRouter.routeEvents` yields. */
export type RouterEvent =
  | {
      type: "route";
      target: "handoff" | "orchestrator";
      agentId: string;
      agentIds: string[];
      handoffId?: string;
      /** With routing: the selector's candidates, best first. */
      candidates?: RouteCandidate[];
      /** With routing: why these agents answer (or why the fallback applied). */
      reason?: string;
    }
  | { type: "chunk"; agentId: string; text: string }
  | {
      type: "handoff_returned";
      handoffId: string;
      agentId: string;
      completionStatus: CompletionStatus;
      resultSummary?: string;
      artifactsCreated: string[];
    }
  | { type: "handoff_cancelled"; handoffId: string; agentId: string; reason: string }
  /** An agent asked for a transfer (`handoffSuggest`) and `agentId` accepted the handoff. */
  | { type: "handoff_started"; handoffId: string; agentId: string; sourceAgentId: string; reason: string }
  /** An agent asked for a transfer and `agentId` refused it: the thread stays with the orchestrator. */
  | {
      type: "handoff_rejected";
      agentId: string;
      sourceAgentId: string;
      reason: string;
      rejectionReason: string;
    }
  | { type: "delegation"; results: DelegationResult[] }
  | {
      type: "input_required";
      agentId: string;
      taskId: string;
      state: InputRequiredState;
      question: string;
      handoffId?: string;
    }
  | { type: "done"; agentId: string; text: string; messageId?: string }
  | { type: "error"; code: string; message: string; agentId?: string; error: OrchestrationError };

/** The `error` event of a turn that failed with `error`. */
export function errorEvent(error: unknown): Extract<RouterEvent, { type: "error" }> {
  const failure = asOrchestrationError(error);
  return {
    type: "error",
    code: failure.code,
    message: failure.message,
    ...(failure.agentId ? { agentId: failure.agentId } : {}),
    error: failure,
  };
}

function asOrchestrationError(error: unknown): OrchestrationError {
  if (isOrchestrationError(error)) return error;
  // An unexpected failure (a database's, a bug's) is not explained to the user: its text may name
  // hosts, tables or values. The cause is kept for logs and traces.
  return new OrchestrationError(
    ErrorCode.INTERNAL_ERROR,
    "The message could not be handled (internal error)",
    {
      cause: error,
    },
  );
}
