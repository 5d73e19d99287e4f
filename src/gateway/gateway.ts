/**
 * The HTTP gateway: Fastify adapter over {@link GatewayService}. Wires authentication, per-key
 * rate limits, the body limit, the error edge, request logs without secrets, and the route table.
 */
import { configNumber } from "../validation.js";
import rateLimit from "@fastify/rate-limit";
import secureJson from "secure-json-parse";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from "fastify";
import type { FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import { A2AClient } from "../a2a/client/a2a-client.js";
import type { AgentCard } from "../a2a/agent-card.js";
import { ConfigurationError, ErrorCode } from "../errors.js";
import { defaultLogger, type Logger } from "../observability.js";
import { ApiKeyService } from "../security/api-keys.js";
import { NetworkPolicy, allowEntryFor, type NetworkPolicyConfig } from "../security/network-policy.js";
import type { SecretKeyring } from "../security/secret-keyring.js";
import type { Database } from "../storage/database.js";
import { SqlRateLimiter } from "../storage/sql/sql-rate-limiter.js";
import { createAuthHook, principalOf, type AuthFailureLimit } from "./auth.js";
import {
  DEFAULT_AUTH_FAILURE_LIMIT,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_RATE_LIMIT,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from "./defaults.js";
import { GatewayService } from "./gateway-service.js";
import type { GatewayRoutingConfig } from "./routing-service.js";
import { GatewayErrorCode, GatewayHttpError, errorBody, toHttpFailure } from "./http-errors.js";
import { buildOpenApiDocument } from "./openapi.js";
import { isProtected, registerRoute, type RouteSpec } from "./route.js";
import { gatewayRoutes } from "./routes.js";
import { SECURITY_HEADERS } from "./sse.js";

/** Per-API-key request budget. */
export interface GatewayRateLimit {
  /** Requests allowed per window. */
  max: number;
  timeWindowMs: number;
}

/** Construction input of {@link createGateway}. */
export interface GatewayConfig extends GatewayRoutingConfig {
  /** Threads, handoffs, keys and registered agents live here. Migrated on startup. */
  database: Database;
  /**
   * Used to reach agents. Default: a new client obeying `network`, closed with the gateway. A client
   * you pass brings its own network policy.
   */
  a2aClient?: A2AClient;
  /**
   * The outbound network policy for the gateway's own client (see {@link NetworkPolicy}): by default
   * only public addresses; the static `agents`' endpoints (`host:port`) are always allowed.
   */
  network?: NetworkPolicyConfig;
  /** Agents every tenant can use (operator configuration: every replica must be given the same). */
  agents?: AgentCard[];
  /** Seals registered agents' credentials. Default: `SecretKeyring.fromEnvironment()` (`OMNIFORGE_SECRET_KEY`). */
  secrets?: SecretKeyring;
  /** The most agents one tenant may register. Default 500. */
  maxAgentsPerTenant?: number;
  /** Which of `agents` answer messages. Default: every static agent that is not handoff-capable. */
  defaultAgentIds?: string[];
  /** Request logs and the managers' logs. Default: silent. */
  logger?: Logger;
  /** Largest accepted body. Default 1 MiB. */
  bodyLimitBytes?: number;
  /**
   * How long a client may take to send its whole request (headers and body); a slower one is cut
   * off, so a trickling client cannot hold sockets. Answers may stream for longer. Default 30 000.
   */
  requestTimeoutMs?: number;
  /** Per API key, counted in the database (so shared by every replica). Default 120 per minute. */
  rateLimit?: GatewayRateLimit;
  /** Failed authentications per client address before 429. Default 20 per minute. */
  authFailureLimit?: AuthFailureLimit;
  /**
   * Fastify's `trustProxy`: whether `X-Forwarded-For` names the client (behind a reverse proxy). The
   * client address keys failed-authentication throttling. Default false.
   */
  trustProxy?: boolean | string | string[];
  /** A handoff idle longer than this expires. Default 3600. */
  handoffIdleTimeoutSeconds?: number;
  /** SSE keep-alive comment interval. Default 15 000. */
  sseHeartbeatMs?: number;
}

/** Input of {@link startGateway}. */
export interface StartGatewayConfig extends GatewayConfig {
  /** 0 (the default) lets the OS pick a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/** A listening gateway. */
export interface RunningGateway extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly app: FastifyInstance;
  /** Stops listening, ends open streams, closes the A2A client it created. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the gateway as a Fastify instance (not listening; use `app.inject` or {@link startGateway}).
 *
 * ```ts
 * const app = createGateway({ database, agents: [knowledge.card, skill.card] });
 * const res = await app.inject({ method: "GET", url: "/v1/threads", headers: { authorization: `Bearer ${key}` } });
 * ```
 */
export function createGateway(config: GatewayConfig): FastifyInstance {
  const settings = validateConfig(config);
  const baseLogger = config.logger ?? defaultLogger();
  const ownClient = config.a2aClient === undefined;
  const a2aClient =
    config.a2aClient ??
    new A2AClient({
      logger: baseLogger.child({ component: "a2a" }),
      network: gatewayPolicy(config.network, config.agents ?? []),
    });
  const service = createService(config, a2aClient, baseLogger);
  const apiKeys = new ApiKeyService(config.database);
  const counters = new SqlRateLimiter(config.database);
  const app = createFastify(config, settings, baseLogger.child({ component: "gateway" }));

  let openApi: unknown;
  const routes = gatewayRoutes({
    service,
    // Built on first request, from the very specs that are registered below.
    openApiDocument: () => (openApi ??= buildOpenApiDocument({ routes })),
    ...(config.sseHeartbeatMs !== undefined ? { heartbeatMs: config.sseHeartbeatMs } : {}),
  });

  acceptJsonBodies(app);
  addLifecycleHooks(app, { database: config.database, service });
  if (ownClient) app.addHook("onClose", async () => a2aClient.close());
  answerErrors(app);
  limitRate(app, settings.rateLimit, counters);
  registerRoutes(app, routes, { apiKeys, counters, authFailureLimit: settings.authFailureLimit });
  return app;
}

type GatewaySettings = ReturnType<typeof validateConfig>;

function createService(config: GatewayConfig, a2aClient: A2AClient, logger: Logger): GatewayService {
  return new GatewayService({
    database: config.database,
    a2aClient,
    agents: config.agents ?? [],
    ...(config.defaultAgentIds !== undefined ? { defaultAgentIds: config.defaultAgentIds } : {}),
    ...(config.secrets ? { secrets: config.secrets } : {}),
    ...(config.maxAgentsPerTenant !== undefined ? { maxAgentsPerTenant: config.maxAgentsPerTenant } : {}),
    logger,
    ...(config.handoffIdleTimeoutSeconds !== undefined
      ? { handoffIdleTimeoutSeconds: config.handoffIdleTimeoutSeconds }
      : {}),
    ...(config.routingSelector ? { routingSelector: config.routingSelector } : {}),
  });
}

function createFastify(config: GatewayConfig, settings: GatewaySettings, logger: Logger): FastifyInstance {
  return Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One log line per request, written in onResponse with who called and how long it took.
    // Neither Fastify's logs nor ours carry headers or bodies.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: settings.bodyLimitBytes,
    requestTimeout: settings.requestTimeoutMs,
    // Node enforces requestTimeout only when the server is created with it, and only as often as it
    // checks connections (every 30 s by default).
    http: {
      requestTimeout: settings.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, settings.requestTimeoutMs),
    },
    // Agent ids may be 128 characters long; the default (100) would answer 414 for longer ones.
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    ...(config.trustProxy !== undefined ? { trustProxy: config.trustProxy } : {}),
    // Errors Fastify raises before routing (a malformed URL) get the same JSON shape as the rest.
    frameworkErrors: (error, _request, reply) => {
      const failure = toHttpFailure(error);
      void (reply as FastifyReply).code(failure.statusCode).headers(failure.headers).send(failure.body);
    },
  });
}

/**
 * A JSON API: any other body type is refused with 415. An empty JSON body (a DELETE sent with
 * a content type) is no body; prototype-poisoning keys are refused.
 */
function acceptJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser("text/plain");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = body.toString();
    if (text === "") {
      done(null, undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, null, { protoAction: "error", constructorAction: "error" }));
    } catch (error) {
      const poisoned = error instanceof SyntaxError && /forbidden prototype property/.test(error.message);
      done(
        new GatewayHttpError({
          statusCode: 400,
          code: ErrorCode.INVALID_INPUT,
          message: poisoned
            ? "body: must not use __proto__ or constructor.prototype keys"
            : "body: must be valid, non-empty JSON",
          field: "body",
        }),
      );
    }
  });
}

/** Migrates and prepares on startup; security headers on every answer; one log line per request. */
function addLifecycleHooks(
  app: FastifyInstance,
  { database, service }: { database: Database; service: GatewayService },
): void {
  app.addHook("onReady", async () => {
    await database.initialize();
    await service.prepare();
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => {
    const principal = principalOf(request);
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? "(unmatched)",
        statusCode: reply.statusCode,
        latencyMs: Math.round(reply.elapsedTime),
        ...(principal ? { userId: principal.userId } : {}),
      },
      "request completed",
    );
  });
}

/** Every failure, and every unknown route, answers with the gateway's JSON error body. */
function answerErrors(app: FastifyInstance): void {
  app.setErrorHandler(async (error, request, reply) => {
    const failure = toHttpFailure(error);
    if (failure.internal) request.log.error({ err: error }, "request failed");
    return reply.code(failure.statusCode).headers(failure.headers).send(failure.body);
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .send(
        errorBody(
          GatewayErrorCode.ROUTE_NOT_FOUND,
          `No route ${request.method} ${request.url.split("?")[0]}`,
        ),
      ),
  );
}

/** The per-key request budget, counted in the database. */
function limitRate(app: FastifyInstance, limit: GatewayRateLimit, counters: SqlRateLimiter): void {
  void app.register(rateLimit, {
    global: true,
    max: limit.max,
    timeWindow: limit.timeWindowMs,
    // Counted in the database: every replica draws on one budget per key.
    store: sqlStore(counters),
    // Public routes opt out per route; every other route runs after authentication.
    keyGenerator: (request) => {
      const principal = principalOf(request);
      return principal ? `key:${principal.keyId}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new GatewayHttpError({
        statusCode: 429,
        code: GatewayErrorCode.RATE_LIMITED,
        message: `Rate limit exceeded: ${context.max} requests per ${Math.round(limit.timeWindowMs / 1000)} s; retry in ${context.after}`,
        headers: { "retry-after": String(Math.max(1, Math.ceil(context.ttl / 1000))), connection: "close" },
      }),
  });
}

/** Public routes at the root; protected ones in a scope whose first hook authenticates. */
function registerRoutes(
  app: FastifyInstance,
  routes: readonly RouteSpec[],
  auth: { apiKeys: ApiKeyService; counters: SqlRateLimiter; authFailureLimit: AuthFailureLimit },
): void {
  void app.register(async (publicScope) => {
    for (const route of routes.filter((r) => !isProtected(r))) registerRoute(publicScope, route);
  });
  void app.register(async (protectedScope) => {
    protectedScope.addHook(
      "onRequest",
      createAuthHook({
        apiKeys: auth.apiKeys,
        failures: { limiter: auth.counters, limit: auth.authFailureLimit },
      }),
    );
    for (const route of routes.filter(isProtected)) registerRoute(protectedScope, route);
  });
}

/** Starts the gateway on `host:port` and returns its URL and a `close()`. */
export async function startGateway(config: StartGatewayConfig): Promise<RunningGateway> {
  const { port = 0, host = "127.0.0.1", ...gatewayConfig } = config;
  configNumber(port, "port", "port");
  const app = createGateway(gatewayConfig);
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new ConfigurationError(
      `Gateway could not listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const address = app.server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = app.close();
      // Open event streams would hold the server open: cut them, their agents are aborted.
      app.server.closeAllConnections();
      await closed;
    })();
    return closing;
  };
  return Object.freeze({ url, app, close, [Symbol.asyncDispose]: close });
}

/** The gateway client's policy: the operator's, plus the exact `host:port` of every static agent. */
function gatewayPolicy(
  network: NetworkPolicyConfig | undefined,
  agents: readonly AgentCard[],
): NetworkPolicy {
  const endpoints = agents.flatMap((card) =>
    card.service?.endpoint ? [allowEntryFor(card.service.endpoint)] : [],
  );
  return new NetworkPolicy(network).extend(endpoints);
}

/** @fastify/rate-limit's store over the shared SQL counters. */
function sqlStore(counters: SqlRateLimiter): FastifyRateLimitStoreCtor {
  return class SqlRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow?: number,
    ): void {
      counters.hit(key, timeWindow ?? DEFAULT_RATE_LIMIT.timeWindowMs).then(
        (hit) => callback(null, { current: hit.count, ttl: hit.resetMs }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }
    child(): SqlRateLimitStore {
      return new SqlRateLimitStore();
    }
  } as unknown as FastifyRateLimitStoreCtor;
}

function validateConfig(config: GatewayConfig): {
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  rateLimit: GatewayRateLimit;
  authFailureLimit: AuthFailureLimit;
} {
  if (!config?.database)
    throw new ConfigurationError("database is required", { context: { field: "database" } });
  const bodyLimitBytes = configNumber(
    config.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    "positiveInteger",
    "bodyLimitBytes",
  );
  const rate = { ...DEFAULT_RATE_LIMIT, ...config.rateLimit };
  const failures = { ...DEFAULT_AUTH_FAILURE_LIMIT, ...config.authFailureLimit };
  for (const [name, limit] of [
    ["rateLimit", rate],
    ["authFailureLimit", failures],
  ] as const) {
    for (const field of ["max", "timeWindowMs"] as const) {
      configNumber(limit[field], "positiveInteger", `${name}.${field}`);
    }
  }
  const requestTimeoutMs = configNumber(
    config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    "positiveInteger",
    "requestTimeoutMs",
  );
  return { bodyLimitBytes, requestTimeoutMs, rateLimit: rate, authFailureLimit: failures };
}
