/**
 * `omniforge/gateway` — the OmniForge HTTP gateway: API keys -> tenant, user and role; RBAC on every route; threads,
 * messages (JSON or SSE), delegations, handoffs and a per-tenant agent registry; health probes;
 * an OpenAPI 3.1 document; and a web console at `/`.
 */
export {
  createGateway,
  startGateway,
  type GatewayConfig,
  type GatewayRateLimit,
  type RunningGateway,
  type StartGatewayConfig,
} from "./gateway.js";
export {
  GatewayService,
  type GatewayServiceConfig,
  type PrincipalOptions,
  type ThreadOptions,
} from "./gateway-service.js";
export type { Page, PageOptions } from "./paging.js";
export { checkAgentUrl, discoverAgent, slugify, type DiscoverAgentOptions } from "./agent-registry.js";
export {
  AccessPolicies,
  OPERATION_POLICIES,
  authorize,
  isAllowed,
  type AccessPolicy,
  type OperationId,
} from "./route-policy.js";
export {
  GatewayErrorCode,
  GatewayHttpError,
  toHttpFailure,
  type ErrorBody,
  type HttpFailure,
} from "./http-errors.js";
export { buildOpenApiDocument, type OpenApiOptions } from "./openapi.js";
export { gatewayRoutes, type GatewayRoutesConfig } from "./routes.js";
export type { RouteContext, RouteSpec, RouteResponse } from "./route.js";
export {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_RATE_LIMIT,
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  SSE_HEARTBEAT_MS,
} from "./defaults.js";
export type {
  AgentView,
  AgentCallRecordView,
  HandoffSessionView,
  MessageView,
  RouterEventView,
  ThreadHolder,
  ThreadView,
} from "./views.js";
export {
  ApiKeyService,
  API_KEY_PREFIX,
  type ApiKeyPrincipal,
  type ApiKeyInfo,
  type CreatedApiKey,
  type CreateApiKeyOptions,
} from "../security/api-keys.js";
export { SqlRateLimiter, type RateLimitHit } from "../storage/sql/sql-rate-limiter.js";
