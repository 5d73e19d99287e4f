/**
 * The route table: every gateway route as a {@link RouteSpec}, each a thin adapter from HTTP to a
 * {@link GatewayService} function. The specs are grouped by resource in `routes/`; this table
 * fixes their order, which is the OpenAPI document's.
 */
import type { GatewayService } from "./gateway-service.js";
import type { RouteSpec } from "./route.js";
import { agentRoutes } from "./routes/agent-routes.js";
import { auditRoutes } from "./routes/audit-routes.js";
import { delegationRoutes } from "./routes/delegation-routes.js";
import { handoffRoutes } from "./routes/handoff-routes.js";
import { healthRoutes } from "./routes/health-routes.js";
import { messageRoutes } from "./routes/message-routes.js";
import { metaRoutes } from "./routes/meta-routes.js";
import { routeRoutes } from "./routes/route-routes.js";
import { threadRoutes } from "./routes/thread-routes.js";
import { timelineRoutes } from "./routes/timeline-routes.js";

/** What the route table needs. */
export interface GatewayRoutesConfig {
  service: GatewayService;
  /** The OpenAPI document (built from these very routes, hence lazy). */
  openApiDocument: () => unknown;
  /** SSE heartbeat interval. */
  heartbeatMs?: number;
}

/** Every route of the gateway, in documentation order. */
export function gatewayRoutes(config: GatewayRoutesConfig): RouteSpec[] {
  const { service } = config;
  const health = healthRoutes(service);
  const meta = metaRoutes(service, config.openApiDocument);
  const threads = threadRoutes(service);
  const timeline = timelineRoutes(service);
  const messages = messageRoutes(service, config.heartbeatMs);
  const delegations = delegationRoutes(service);
  const handoffs = handoffRoutes(service);
  const agents = agentRoutes(service);
  const audit = auditRoutes(service);
  const routing = routeRoutes(service);
  return [
    health.healthz,
    health.readyz,
    meta.console,
    meta.consoleAsset,
    meta.openapi,
    meta.me,
    threads.createThread,
    threads.listThreads,
    threads.getThread,
    threads.renameThread,
    timeline.getTimeline,
    messages.listMessages,
    messages.postMessage,
    delegations.delegate,
    delegations.listDelegations,
    handoffs.startHandoff,
    handoffs.getHandoff,
    handoffs.cancelHandoff,
    handoffs.completeHandoff,
    handoffs.listHandoffs,
    agents.listAgents,
    agents.getAgent,
    agents.getAgentHealth,
    agents.registerAgent,
    audit.listAgentCalls,
    agents.removeAgent,
    routing.getRouting,
    routing.updateRouting,
    routing.explainRoute,
  ];
}
