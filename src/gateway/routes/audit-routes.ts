/** The tenant's audit trail of agent calls. */
import type { GatewayService } from "../gateway-service.js";
import { defineRoute, presentFields } from "../route.js";
import { agentCallListSchema, agentCallsQuerySchema } from "../schemas.js";

export function auditRoutes(service: GatewayService) {
  return {
    listAgentCalls: defineRoute({
      method: "GET",
      url: "/v1/audit/agent-calls",
      operation: "listAgentCalls",
      tag: "audit",
      summary:
        "The tenant's audit trail: one record per call that left for an agent (no message content), newest first",
      query: agentCallsQuerySchema,
      response: { status: 200, description: "Audit records", schema: agentCallListSchema },
      errors: [400],
      handle: async ({ principal, query }) => service.listAgentCalls({ principal, ...presentFields(query) }),
    }),
  };
}
