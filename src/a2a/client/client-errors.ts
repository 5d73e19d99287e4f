/**
 * The errors an `A2AClient` call fails with: whatever went wrong below (a limit, the network
 * policy, a transport) as a typed OrchestrationError, without the agent's credential in its text.
 */
import type { AgentAuth } from "../agent-card.js";
import { NetworkPolicyError } from "../../security/network-policy.js";
import { AgentError, ErrorCode, type OrchestrationError } from "../../errors.js";
import { BodyTooLargeError, ReplyTooLargeError, networkError, type CallScope } from "./call-scope.js";
import { SseEventTooLargeError } from "./sse-parser.js";

export /**
 * `error` with the agent's credential replaced wherever its text quotes it: an agent (or a proxy)
 * may echo the Authorization header it got into an error message, which callers show and log.
 */
function withoutCredentials<E extends Error>(error: E, auth: AgentAuth | undefined): E {
  const secret = auth === undefined ? undefined : auth.type === "bearer" ? auth.token : auth.key;
  if (secret === undefined || secret.length < 4) return error;
  if (error.message.includes(secret)) error.message = error.message.replaceAll(secret, "[REDACTED]");
  if (error.stack?.includes(secret)) error.stack = error.stack.replaceAll(secret, "[REDACTED]");
  return error;
}

/** The error the caller sees: typed, and without the agent's credentials in its text. */
export function clientError(
  scope: CallScope,
  error: unknown,
  auth: AgentAuth | undefined,
): OrchestrationError {
  return withoutCredentials(typedError(scope, error), auth);
}

function typedError(scope: CallScope, error: unknown): OrchestrationError {
  if (error instanceof ReplyTooLargeError) {
    return new AgentError(
      ErrorCode.AGENT_RESPONSE_TOO_LARGE,
      error.shared
        ? `Agent ${scope.agentId}'s reply passed the ${error.limit} bytes its call shares with others`
        : `Agent ${scope.agentId} sent a reply larger than ${error.limit} bytes; its task was cancelled`,
      { cause: error, context: { agentId: scope.agentId, maxReplyBytes: error.limit } },
    );
  }
  if (error instanceof BodyTooLargeError || error instanceof SseEventTooLargeError) {
    return new AgentError(
      ErrorCode.AGENT_RESPONSE_TOO_LARGE,
      `Agent ${scope.agentId} sent a response larger than ${error.limit} bytes`,
      { cause: error, context: { agentId: scope.agentId, maxResponseBytes: error.limit } },
    );
  }
  if (error instanceof NetworkPolicyError && scope.abortKind === undefined)
    return networkError(error, scope.agentId);
  return scope.toError(error);
}
