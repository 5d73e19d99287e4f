/**
 * Errors of the SDK's transports as the client's typed errors, the same on every binding: limits
 * pass through, refusals (HTTP 401/403/413/429, gRPC UNAUTHENTICATED/PERMISSION_DENIED/
 * RESOURCE_EXHAUSTED) and unreachable agents are AGENT_UNAVAILABLE, the agent's own A2A errors
 * AGENT_PROTOCOL_ERROR with their reason.
 */
import { AgentError, ErrorCode, OrchestrationError } from "../../../errors.js";
import { NetworkPolicyError } from "../../../security/network-policy.js";
import { isObject } from "../../wire.js";
import { BodyTooLargeError, ReplyTooLargeError, networkError, unreachableMessage } from "../call-scope.js";
import { lastHttpErrorStatus } from "../http.js";
import type { TransportCall } from "./transport.js";

/** Errors of the SDK's transports as the client's typed errors (its own limit errors pass through). */
export function sdkError(error: unknown, call: TransportCall): unknown {
  const agentId = call.scope.agentId;
  if (
    error instanceof OrchestrationError ||
    error instanceof BodyTooLargeError ||
    error instanceof ReplyTooLargeError
  ) {
    return error;
  }
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof BodyTooLargeError || cause instanceof ReplyTooLargeError) return cause;
  // The gRPC channel refused a message over maxResponseBytes (RESOURCE_EXHAUSTED, before decoding).
  if (grpcStatusOf(error) === 8 && /larger than max/i.test(String((error as Error).message))) {
    return new BodyTooLargeError(call.limits.maxResponseBytes);
  }
  if (call.scope.abortKind !== undefined) return call.scope.toError(error);
  if (error instanceof NetworkPolicyError) return networkError(error, agentId);
  // Refused before it was heard (credentials, permission, size, rate), whatever the SDK made of
  // the answer's body: as on every binding.
  const refusedWith = lastHttpErrorStatus(call.scope);
  if (refusedWith !== undefined && REFUSING_HTTP_STATUSES.has(refusedWith)) {
    return new AgentError(ErrorCode.AGENT_UNAVAILABLE, `Agent ${agentId} answered HTTP ${refusedWith}`, {
      cause: error,
      context: { agentId, httpStatus: refusedWith },
    });
  }
  // An error inside a JSON-RPC stream arrives as a plain Error carrying the typed one.
  const a2a = isA2AError(error) ? error : isA2AError(cause) ? cause : undefined;
  if (a2a !== undefined) return a2aError(a2a, error, agentId);
  if (error instanceof Error && /^HTTP error/.test(error.message)) {
    const status = Number(/Status: (\d{3})/.exec(error.message)?.[1]);
    return new AgentError(
      ErrorCode.AGENT_UNAVAILABLE,
      `Agent ${agentId} answered HTTP ${Number.isFinite(status) ? status : "error"}`,
      { cause: error, context: { agentId, ...(Number.isFinite(status) ? { httpStatus: status } : {}) } },
    );
  }
  if (error instanceof TypeError && /fetch failed/.test(error.message))
    return networkError(cause ?? error, agentId);
  // A system error (reset, refused, DNS) is a network failure; anything else the SDK could not make
  // sense of is the agent's answer.
  if (typeof (error as { code?: unknown } | null)?.code === "string") return call.scope.toError(error);
  return new AgentError(
    ErrorCode.AGENT_PROTOCOL_ERROR,
    `Agent ${agentId} sent a response that could not be read: ${(error as Error)?.message?.slice(0, 300) ?? String(error)}`,
    { cause: error, context: { agentId } },
  );
}

/** gRPC statuses that refuse a call as a whole: UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED. */
const REFUSING_GRPC_STATUSES: ReadonlySet<number> = new Set([16, 7, 8]);
/** HTTP statuses that refuse a call as a whole (the JSON-RPC path maps every non-2xx this way). */
export const REFUSING_HTTP_STATUSES: ReadonlySet<number> = new Set([401, 403, 413, 429]);

/** The gRPC status code of an error, on it or its cause (the SDK wraps stream errors). */
function grpcStatusOf(error: unknown): number | undefined {
  for (let each: unknown = error, depth = 0; isObject(each) && depth < 3; depth++) {
    const status = (each as { status?: unknown; code?: unknown }).status ?? (each as { code?: unknown }).code;
    if (typeof status === "number") return status;
    each = (each as { cause?: unknown }).cause;
  }
  return undefined;
}

function isA2AError(value: unknown): value is Error & { reason: string } {
  return (
    value instanceof Error &&
    isObject(value as unknown) &&
    typeof (value as { reason?: unknown }).reason === "string"
  );
}

/** An A2A error the SDK made of the agent's answer: a refusal, an unreachable agent, or its reason. */
function a2aError(a2a: Error & { reason: string }, error: unknown, agentId: string): AgentError {
  const details = a2a as { reason: string; envelopeCode?: unknown; statusCode?: unknown; status?: unknown };
  const grpcStatus = typeof details.status === "number" ? details.status : undefined;
  const httpStatus = typeof details.statusCode === "number" ? details.statusCode : undefined;
  // gRPC UNAVAILABLE: the agent could not be reached (one message for every network failure).
  if (grpcStatus === 14)
    return new AgentError(ErrorCode.AGENT_UNAVAILABLE, unreachableMessage(agentId), {
      cause: error,
      context: { agentId },
    });
  // Refused before it was heard (credentials, permission, size, rate): as on every binding.
  if (grpcStatus !== undefined && REFUSING_GRPC_STATUSES.has(grpcStatus)) {
    return new AgentError(
      ErrorCode.AGENT_UNAVAILABLE,
      `Agent ${agentId} refused the call (gRPC status ${grpcStatus})`,
      {
        cause: error,
        context: { agentId, grpcStatus },
      },
    );
  }
  if (
    httpStatus !== undefined &&
    (REFUSING_HTTP_STATUSES.has(httpStatus) || (details.reason === "INTERNAL_ERROR" && httpStatus >= 500))
  ) {
    return new AgentError(ErrorCode.AGENT_UNAVAILABLE, `Agent ${agentId} answered HTTP ${httpStatus}`, {
      cause: error,
      context: { agentId, httpStatus },
    });
  }
  return new AgentError(
    ErrorCode.AGENT_PROTOCOL_ERROR,
    `Agent ${agentId} returned ${details.reason}: ${a2a.message.slice(0, 1_000)}`,
    {
      cause: error,
      context: {
        agentId,
        a2aReason: details.reason,
        ...(typeof details.envelopeCode === "number" ? { rpcCode: details.envelopeCode } : {}),
        ...(typeof details.statusCode === "number" ? { httpStatus: details.statusCode } : {}),
      },
    },
  );
}
