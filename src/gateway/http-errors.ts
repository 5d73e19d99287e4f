/**
 * The gateway's error edge: OrchestrationError codes become HTTP statuses here and nowhere else,
 * and every failure leaves as `{ error: { code, message, field?, agentId? } }` without stacks or
 * internals.
 */
import { ErrorCode, isOrchestrationError } from "../errors.js";

/** Codes that exist only at the HTTP edge (the library's own codes pass through as they are). */
export const GatewayErrorCode = {
  /** No API key, or a malformed, unknown or revoked one. */
  UNAUTHORIZED: "UNAUTHORIZED",
  /** The thread is missing or belongs to someone else (deliberately indistinguishable). */
  THREAD_NOT_FOUND: "THREAD_NOT_FOUND",
  /** No route matches the method and path. */
  ROUTE_NOT_FOUND: "ROUTE_NOT_FOUND",
  /** The request body exceeds the gateway's body limit. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** The body's content type is not JSON. */
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  /** The API key exceeded its request budget; see `Retry-After`. */
  RATE_LIMITED: "RATE_LIMITED",
  /** The database is not reachable (readiness probe). */
  NOT_READY: "NOT_READY",
  /** Credentials cannot be stored: the gateway has no secret key configured. */
  SECRETS_NOT_CONFIGURED: "SECRETS_NOT_CONFIGURED",
} as const;
/** One of {@link GatewayErrorCode}. */
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; agentId?: string };
}

/** A failure that already knows its HTTP status (edge-only conditions: auth, limits, routing). */
export class GatewayHttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(options: {
    statusCode: number;
    code: string;
    message: string;
    field?: string;
    headers?: Record<string, string>;
  }) {
    super(options.message);
    this.name = "GatewayHttpError";
    this.statusCode = options.statusCode;
    this.code = options.code;
    this.field = options.field;
    this.headers = Object.freeze({ ...options.headers });
  }
}

/** HTTP status of each library error code. Codes not listed are internal failures (500). */
const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = Object.freeze({
  [ErrorCode.INVALID_INPUT]: 400,
  [ErrorCode.DELEGATION_INVALID]: 400,
  [ErrorCode.HANDOFF_NOT_SUPPORTED]: 400,
  [ErrorCode.PERMISSION_DENIED]: 403,
  [ErrorCode.THREAD_ACCESS_DENIED]: 404,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.NO_ACTIVE_HANDOFF]: 404,
  [ErrorCode.HANDOFF_ALREADY_ACTIVE]: 409,
  [ErrorCode.ALREADY_EXISTS]: 409,
  [ErrorCode.LIMIT_EXCEEDED]: 409,
  [ErrorCode.INVALID_HANDOFF_TRANSITION]: 409,
  [ErrorCode.AGENT_UNAVAILABLE]: 502,
  [ErrorCode.AGENT_PROTOCOL_ERROR]: 502,
  [ErrorCode.AGENT_RESPONSE_TOO_LARGE]: 502,
  [ErrorCode.AGENT_CARD_INVALID]: 502,
  [ErrorCode.AGENT_TASK_FAILED]: 502,
  [ErrorCode.AGENT_TIMEOUT]: 504,
  [ErrorCode.ABORTED]: 503,
  [ErrorCode.NO_AGENT_AVAILABLE]: 503,
});

/** What an error becomes on the wire. */
export interface HttpFailure {
  statusCode: number;
  body: ErrorBody;
  headers: Readonly<Record<string, string>>;
  /** True for 5xx failures that are our fault (worth an error log). */
  internal: boolean;
}

const THREAD_NOT_FOUND_BODY: ErrorBody = Object.freeze({
  error: Object.freeze({ code: GatewayErrorCode.THREAD_NOT_FOUND, message: "Thread not found" }),
});

const INTERNAL_BODY: ErrorBody = Object.freeze({
  error: Object.freeze({ code: ErrorCode.INTERNAL_ERROR, message: "Internal server error" }),
});

/** Maps any thrown value to the HTTP response the gateway sends. */
export function toHttpFailure(error: unknown): HttpFailure {
  if (error instanceof GatewayHttpError) {
    return {
      statusCode: error.statusCode,
      body: errorBody(error.code, error.message, error.field),
      headers: error.headers,
      internal: false,
    };
  }
  if (isOrchestrationError(error)) {
    // Missing and not-yours answer byte for byte the same: no id, no hint.
    if (error.code === ErrorCode.THREAD_ACCESS_DENIED) {
      return { statusCode: 404, body: THREAD_NOT_FOUND_BODY, headers: {}, internal: false };
    }
    const statusCode = STATUS_BY_CODE[error.code];
    if (statusCode !== undefined) {
      return {
        statusCode,
        body: errorBody(error.code, error.message, error.field, error.agentId),
        headers: {},
        internal: false,
      };
    }
    return { statusCode: 500, body: INTERNAL_BODY, headers: {}, internal: true };
  }
  const framework = frameworkFailure(error);
  if (framework) return framework;
  return { statusCode: 500, body: INTERNAL_BODY, headers: {}, internal: true };
}

/** Errors Fastify raises itself while reading a request (body limit, bad JSON, content type). */
function frameworkFailure(error: unknown): HttpFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const { statusCode, code } = error as Error & { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== "number" || statusCode < 400 || statusCode >= 500) return undefined;
  const fail = (status: number, bodyCode: string, message: string, field?: string): HttpFailure => ({
    statusCode: status,
    body: errorBody(bodyCode, message, field),
    headers: {},
    internal: false,
  });
  if (statusCode === 413 || code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return fail(413, GatewayErrorCode.PAYLOAD_TOO_LARGE, "Request body is too large");
  }
  if (statusCode === 415) {
    return fail(415, GatewayErrorCode.UNSUPPORTED_MEDIA_TYPE, "Request body must be application/json");
  }
  if (code === "FST_ERR_BAD_URL") {
    return fail(400, ErrorCode.INVALID_INPUT, "url: is not a valid URL", "url");
  }

  if (statusCode === 400 && (error instanceof SyntaxError || String(code).startsWith("FST_ERR_CTP_"))) {
    return fail(400, ErrorCode.INVALID_INPUT, "body: must be valid, non-empty JSON", "body");
  }
  return fail(statusCode, ErrorCode.INVALID_INPUT, "Bad request");
}

/** Builds an error body. */
export function errorBody(code: string, message: string, field?: string, agentId?: string): ErrorBody {
  return {
    error: {
      code,
      message,
      ...(field !== undefined ? { field } : {}),
      ...(agentId !== undefined ? { agentId } : {}),
    },
  };
}
