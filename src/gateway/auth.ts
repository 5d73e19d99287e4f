/**
 * API-key authentication for the gateway: reads `Authorization: Bearer <key>` or `x-api-key`,
 * verifies it, and remembers the principal for the rest of the request.
 */
import type { FastifyRequest } from "fastify";
import type { ApiKeyPrincipal, ApiKeyService } from "../security/api-keys.js";
import type { SqlRateLimiter } from "../storage/sql/sql-rate-limiter.js";
import { GatewayErrorCode, GatewayHttpError } from "./http-errors.js";

const principals = new WeakMap<FastifyRequest, ApiKeyPrincipal>();

/** The key a request presents, if any (a Bearer Authorization header wins over `x-api-key`). */
export function presentedKey(headers: FastifyRequest["headers"]): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match) return match[1];
  }
  // Another Authorization scheme (Basic for a proxy, say) does not hide an x-api-key.
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
 * An `onRequest` hook: 401 unless the request carries a valid, unrevoked key. Failed attempts are
 * counted per client address; past the limit, that address's failures are answered 429. A valid
 * key is never refused for its neighbours' failures: with 256-bit keys guessing is hopeless, and a
 * NAT or proxy shared with a noisy client must not lock everyone out.
 */
export function createAuthHook(options: AuthHookOptions) {
  const failures = options.failures;
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const key = presentedKey(request.headers);
    const principal = key === undefined ? null : await options.apiKeys.verify(key);
    if (!principal) {
      if (failures) {
        const hit = await failures.limiter.hit(`auth-failure:${request.ip}`, failures.limit.timeWindowMs);
        if (hit.count > failures.limit.max) throw throttled(hit.resetMs);
      }
      throw unauthorized(
        key === undefined
          ? "Missing API key: send Authorization: Bearer <key> or x-api-key"
          : "Invalid or revoked API key",
      );
    }
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
    // The connection is closed after the answer: a client may not keep a socket by sending slowly.
    headers: { "retry-after": String(seconds), connection: "close" },
  });
}

function unauthorized(message: string): GatewayHttpError {
  return new GatewayHttpError({
    statusCode: 401,
    code: GatewayErrorCode.UNAUTHORIZED,
    message,
    headers: { "www-authenticate": 'Bearer realm="omniforge"', connection: "close" },
  });
}
