/**
 * API-key authentication for the gateway: reads `Authorization: Bearer <key>` or `x-api-key`,
 * verifies it, and remembers the principal for the rest of the request.
 */
import type { FastifyRequest } from "fastify";
import type { ApiKeyPrincipal, ApiKeyService } from "../security/api-keys.js";
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

/** An `onRequest` hook: 401 unless the request carries a valid, unrevoked key. */
export function createAuthHook(options: { apiKeys: ApiKeyService }) {
  return async function authenticate(request: FastifyRequest): Promise<void> {
    const key = presentedKey(request.headers);
    if (key === undefined)
      throw unauthorized("Missing API key: send Authorization: Bearer <key> or x-api-key");
    const principal = await options.apiKeys.verify(key);
    if (!principal) throw unauthorized("Invalid or revoked API key");
    principals.set(request, principal);
    // Request logs (pino child bindings) carry who called, never the key.
    request.log = request.log.child({ tenantId: principal.tenantId, keyId: principal.keyId });
  };
}

function unauthorized(message: string): GatewayHttpError {
  return new GatewayHttpError({
    statusCode: 401,
    code: GatewayErrorCode.UNAUTHORIZED,
    message,
    headers: { "www-authenticate": 'Bearer realm="omniforge"' },
  });
}
