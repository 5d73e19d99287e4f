/**
 * The OmniForge error family.
 *
 * Every error the library throws is an {@link OrchestrationError} with a closed, UPPER_SNAKE
 * {@link ErrorCode}, an ES `cause` where one exists, and structured context fields (threadId,
 * agentId, field, ...). Edges (the gateway, agent servers) map codes to HTTP statuses or JSON-RPC
 * codes; nothing inside the library does.
 */

/** Every error code OmniForge uses. Closed: new codes are added here, nowhere else. */
export const ErrorCode = {
  /** A caller-supplied value is missing, malformed or out of range; `field` names it. */
  INVALID_INPUT: "INVALID_INPUT",
  /** The library was configured wrongly (unknown database URL scheme, bad option). */
  CONFIGURATION_ERROR: "CONFIGURATION_ERROR",
  /** The thread does not exist, or belongs to another tenant or user (indistinguishable). */
  THREAD_ACCESS_DENIED: "THREAD_ACCESS_DENIED",
  /** RBAC refused the operation. */
  PERMISSION_DENIED: "PERMISSION_DENIED",
  /** A record the caller named does not exist (for this tenant). */
  NOT_FOUND: "NOT_FOUND",
  /** A unique record already exists (e.g. a conversation id reused). */
  ALREADY_EXISTS: "ALREADY_EXISTS",
  /** A bounded resource is full (e.g. a tenant's agent directory). */
  LIMIT_EXCEEDED: "LIMIT_EXCEEDED",
  /** The database failed in a way that is not the caller's fault. */
  STORAGE_ERROR: "STORAGE_ERROR",
  /** A delegation request was invalid (no agents, duplicates, unknown strategy, ...). */
  DELEGATION_INVALID: "DELEGATION_INVALID",
  /** The thread already has a pending or active handoff. */
  HANDOFF_ALREADY_ACTIVE: "HANDOFF_ALREADY_ACTIVE",
  /** The thread has no pending or active handoff. */
  NO_ACTIVE_HANDOFF: "NO_ACTIVE_HANDOFF",
  /** A handoff state transition that the state machine forbids. */
  INVALID_HANDOFF_TRANSITION: "INVALID_HANDOFF_TRANSITION",
  /** The target agent cannot take a handoff (its card lacks the extension). */
  HANDOFF_NOT_SUPPORTED: "HANDOFF_NOT_SUPPORTED",
  /** The agent could not be reached (connection refused, reset, DNS, HTTP 5xx). */
  AGENT_UNAVAILABLE: "AGENT_UNAVAILABLE",
  /** The agent did not answer within the time allowed. */
  AGENT_TIMEOUT: "AGENT_TIMEOUT",
  /** The agent answered with something that is not valid A2A (or a JSON-RPC error). */
  AGENT_PROTOCOL_ERROR: "AGENT_PROTOCOL_ERROR",
  /** The agent's response exceeded the configured size limit. */
  AGENT_RESPONSE_TOO_LARGE: "AGENT_RESPONSE_TOO_LARGE",
  /** The agent's A2A card is missing or invalid. */
  AGENT_CARD_INVALID: "AGENT_CARD_INVALID",
  /** The agent completed the task in a failed or cancelled state. */
  AGENT_TASK_FAILED: "AGENT_TASK_FAILED",
  /**
   * The agent had no answer: its task ended REJECTED (`ctx.decline` in serveAgent), e.g. nothing in
   * its corpus matched. Not a fault; FIRST_SUCCESS does not take it as a win.
   */
  AGENT_DECLINED: "AGENT_DECLINED",
  /** No agent can answer: no handoff holds the thread and no default agent is configured. */
  NO_AGENT_AVAILABLE: "NO_AGENT_AVAILABLE",
  /** The operation was aborted by the caller's signal. */
  ABORTED: "ABORTED",
  /** An internal invariant broke; a bug in OmniForge. */
  INTERNAL_ERROR: "INTERNAL_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Structured context carried by every {@link OrchestrationError}. */
export interface ErrorContext {
  threadId?: string;
  tenantId?: string;
  agentId?: string;
  handoffId?: string;
  /** The input field that was wrong, for INVALID_INPUT-like errors. */
  field?: string;
  /** The JSON-RPC error code an agent answered with. */
  rpcCode?: number;
  /** The HTTP status an agent answered with. */
  httpStatus?: number;
  timeoutMs?: number;
  [key: string]: unknown;
}

export interface OrchestrationErrorOptions {
  cause?: unknown;
  context?: ErrorContext;
}

/** Base class of every error OmniForge throws. */
export class OrchestrationError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<ErrorContext>;

  constructor(code: ErrorCode, message: string, options: OrchestrationErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = Object.freeze({ ...options.context });
  }

  get threadId(): string | undefined {
    return this.context.threadId;
  }

  get agentId(): string | undefined {
    return this.context.agentId;
  }

  get field(): string | undefined {
    return this.context.field;
  }

  /** A JSON-safe view (no stack, no cause chain) for logs and API responses. */
  toJSON(): { name: string; code: ErrorCode; message: string; context: ErrorContext } {
    return { name: this.name, code: this.code, message: this.message, context: { ...this.context } };
  }
}

/** Bad caller input: names the offending field. */
export class ValidationError extends OrchestrationError {
  constructor(field: string, message: string, options: OrchestrationErrorOptions = {}) {
    super(ErrorCode.INVALID_INPUT, `${field}: ${message}`, {
      ...options,
      context: { ...options.context, field },
    });
  }
}

/** The library was configured wrongly. */
export class ConfigurationError extends OrchestrationError {
  constructor(message: string, options: OrchestrationErrorOptions = {}) {
    super(ErrorCode.CONFIGURATION_ERROR, message, options);
  }
}

/** The thread is missing or not the caller's; the two cases are deliberately indistinguishable. */
export class ThreadAccessError extends OrchestrationError {
  constructor(threadId: string, options: OrchestrationErrorOptions = {}) {
    super(ErrorCode.THREAD_ACCESS_DENIED, `Thread ${threadId} not found or not accessible`, {
      ...options,
      context: { ...options.context, threadId },
    });
  }
}

/** RBAC refused the operation. */
export class PermissionDeniedError extends OrchestrationError {
  readonly permission: string;

  constructor(permission: string, options: OrchestrationErrorOptions = {}) {
    super(ErrorCode.PERMISSION_DENIED, `Permission denied: ${permission} is required`, {
      ...options,
      context: { ...options.context, permission },
    });
    this.permission = permission;
  }
}

/** A storage-level failure (or NOT_FOUND / ALREADY_EXISTS for records). */
export class StorageError extends OrchestrationError {
  constructor(
    code:
      | typeof ErrorCode.STORAGE_ERROR
      | typeof ErrorCode.NOT_FOUND
      | typeof ErrorCode.ALREADY_EXISTS
      | typeof ErrorCode.LIMIT_EXCEEDED,
    message: string,
    options: OrchestrationErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** An invalid delegation request. */
export class DelegationError extends OrchestrationError {
  constructor(message: string, options: OrchestrationErrorOptions = {}) {
    super(ErrorCode.DELEGATION_INVALID, message, options);
  }
}

/** A handoff could not be started, found, or moved to the requested state. */
export class HandoffError extends OrchestrationError {}

/** A remote agent failed: unreachable, timed out, or spoke something that is not A2A. */
export class AgentError extends OrchestrationError {}

/** The caller's AbortSignal fired. */
export class AbortedError extends OrchestrationError {
  constructor(message = "Operation aborted", options: OrchestrationErrorOptions = {}) {
    super(ErrorCode.ABORTED, message, options);
  }
}

/** True when `error` is an {@link OrchestrationError} (optionally with the given code). */
export function isOrchestrationError(error: unknown, code?: ErrorCode): error is OrchestrationError {
  return error instanceof OrchestrationError && (code === undefined || error.code === code);
}
