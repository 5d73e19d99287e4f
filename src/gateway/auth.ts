/**
 * API-key authentication for the gateway: reads `Authorization: Bearer <key>` or `x-api-key`,
 * verifies it, and remembers the principal for the rest of the request.
 */
import type { FastifyRequest } from "fastify";
import type { ApiKeyPrincipal, ApiKeyService } from "../security/api-keys.js";
import type { SqlRateLimiter } from "../storage/sql-rate-limiter.js";
import { GatewayErrorCode, GatewayHttpError } from "./http-errors.js";

const principals = new WeakMap<FastifyRequest, ApiKeyPrincipal>();

/** The key a request presents, if any (the Authorization header wins over `x-api-key`). */
export function presentedKey(headers: FastifyRequest["headers"]): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    return match?.[1];
  }
  const apiKey = headers["x-api-key"];
  return typeof apiKey === "string" && apiKey !== "" ? apiKey : undefined;
}

/** The principal the auth hook attached to this request, if any. */
export function principalOf(request: FastifyRequest): ApiKeyPrincipal | undefined {
  return principals.get(request);
}

/** The request's principal, or 401 (for handlers behind the auth hook this never throws). */
export function requirePrincipal(request: FastifyRequest): ApiKeyPrincipal {
  const principal = principals.get(request);
  if (!principal) throw unauthorized("Missing API key");
  return principal;
}

/** How many failed authentications one client address may make per window before it gets 429. */
export interface AuthFailureLimit {
  max: number;
  timeWindowMs: number;
}

/** Input of {@link createAuthHook}. */
export interface AuthHookOptions {
  apiKeys: ApiKeyService;
  /** Failed attempts are counted per client address here (shared by every replica). */
  failures?: { limiter: SqlRateLimiter; limit: AuthFailureLimit };
}

/**
 * An `onRequest` hook: 401 unless the request carries a valid, unrevoked key. A client address
 * that failed too often within the window gets 429 before its key is even looked at.
 */
export function createAuthHook(options: AuthHookOptions) {
  const failures = options.failures;
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const counter = `auth-failure:${request.ip}`;
    if (failures) {
      const seen = await failures.limiter.peek(counter, failures.limit.timeWindowMs);
      if (seen.count >= failures.limit.max) throw throttled(seen.resetMs);
    }
    const fail = async (message: string): Promise<never> => {
      if (failures) await failures.limiter.hit(counter, failures.limit.timeWindowMs);
      throw unauthorized(message);
    };
    const key = presentedKey(request.headers);
    if (key === undefined) return fail("Missing API key: send Authorization: Bearer <key> or x-api-key");
    const principal = await options.apiKeys.verify(key);
    if (!principal) return fail("Invalid or revoked API key");
    principals.set(request, principal);
    // Request logs (pino child bindings) carry who called, never the key.
    request.log = request.log.child({ tenantId: principal.tenantId, keyId: principal.keyId });
  };
}

function throttled(resetMs: number): GatewayHttpError {
  const seconds = Math.max(1, Math.ceil(resetMs / 1000));
  return new GatewayHttpError({
    statusCode: 429,
    code: GatewayErrorCode.RATE_LIMITED,
    message: `Too many failed authentication attempts from this address; retry in ${seconds} s`,
    headers: { "retry-after": String(seconds) },
  });
}

function unauthorized(message: string): GatewayHttpError {
  return new GatewayHttpError({
    statusCode: 401,
    code: GatewayErrorCode.UNAUTHORIZED,
    message,
    headers: { "www-authenticate": 'Bearer realm="omniforge"' },
  });
}
