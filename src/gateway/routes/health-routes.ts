/** Liveness and readiness probes (public). */
import type { GatewayService } from "../gateway-service.js";
import { defineRoute } from "../route.js";
import { healthSchema, readySchema } from "../schemas.js";

export function healthRoutes(service: GatewayService) {
  return {
    healthz: defineRoute({
      method: "GET",
      url: "/healthz",
      operation: "healthz",
      tag: "health",
      summary: "Liveness: the process answers",
      response: { status: 200, description: "Alive", schema: healthSchema },
      handle: async () => ({ status: "ok" }),
    }),
    readyz: defineRoute({
      method: "GET",
      url: "/readyz",
      operation: "readyz",
      tag: "health",
      summary: "Readiness: the database is reachable",
      response: { status: 200, description: "Ready", schema: readySchema },
      errors: [503],
      handle: async () => {
        await service.checkReady();
        return { status: "ready" };
      },
    }),
  };
}
