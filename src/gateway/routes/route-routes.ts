/** Routing by skills: the tenant's setting (admin) and the explanation of a route (no agent called). */
import type { GatewayService } from "../gateway-service.js";
import { defineRoute } from "../route.js";
import {
  explainRouteBodySchema,
  routeExplanationSchema,
  tenantRoutingSchema,
  updateRoutingBodySchema,
} from "../routing-schemas.js";
import type { TenantRoutingSetting } from "../../storage/sql/sql-tenant-routing.js";

export function routeRoutes(service: GatewayService) {
  return {
    getRouting: defineRoute({
      method: "GET",
      url: "/v1/routing",
      operation: "getRouting",
      tag: "routing",
      summary: "The tenant's routing setting (off until an admin turns it on)",
      response: { status: 200, description: "The setting", schema: tenantRoutingSchema },
      handle: async ({ principal }) => settingView(await service.routing.getRouting({ principal })),
    }),
    updateRouting: defineRoute({
      method: "PUT",
      url: "/v1/routing",
      operation: "updateRouting",
      tag: "routing",
      summary: "Turn routing by skills on or off for the tenant, and set how it chooses",
      description:
        "With routing on, a message no handoff holds goes to the agents whose skills fit it best (at most " +
        "`maxAgents`, each scoring at least `minScore`); when none fits, the default agents answer " +
        "(`fallback: defaults`) or the user is asked to choose (`ask`). Every replica reads it from the " +
        "database on every turn.",
      body: updateRoutingBodySchema,
      response: { status: 200, description: "The setting as stored", schema: tenantRoutingSchema },
      errors: [400],
      handle: async ({ principal, body }) =>
        settingView(await service.routing.updateRouting({ principal, ...body })),
    }),
    explainRoute: defineRoute({
      method: "POST",
      url: "/v1/route/explain",
      operation: "explainRoute",
      tag: "routing",
      summary: "Who would answer a message, and why (no agent is called)",
      description:
        "The decision the router would make now: the specialist of a handoff holding the thread, else the " +
        "selector's candidates with scores and reasons and who would answer, else the default agents. " +
        "A `threadId` adds the thread's history; it must be a thread the key may read.",
      body: explainRouteBodySchema,
      response: { status: 200, description: "The route and why", schema: routeExplanationSchema },
      errors: [400, 404],
      handle: async ({ principal, body, signal }) => service.routing.explain({ principal, ...body, signal }),
    }),
  };
}

function settingView(setting: TenantRoutingSetting) {
  return {
    enabled: setting.enabled,
    maxAgents: setting.maxAgents,
    minScore: setting.minScore,
    fallback: setting.fallback,
    ...(setting.updatedAt ? { updatedAt: setting.updatedAt.toISOString() } : {}),
    ...(setting.updatedBy ? { updatedBy: setting.updatedBy } : {}),
  };
}
