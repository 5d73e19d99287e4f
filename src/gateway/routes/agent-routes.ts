/** The tenant's agents: list, read one, check its health, register, remove. */
import type { GatewayService } from "../gateway-service.js";
import { agentHealthSchema } from "../console-schemas.js";
import { defineRoute, presentFields } from "../route.js";
import {
  agentListSchema,
  agentParamsSchema,
  agentViewSchema,
  pageQuerySchema,
  registerAgentBodySchema,
} from "../schemas.js";

export function agentRoutes(service: GatewayService) {
  return {
    listAgents: defineRoute({
      method: "GET",
      url: "/v1/agents",
      operation: "listAgents",
      tag: "agents",
      summary: "The agents the tenant can use (static first, then registered), paged",
      query: pageQuerySchema,
      response: { status: 200, description: "A page of agents", schema: agentListSchema },
      errors: [400],
      handle: async ({ principal, query }) => service.listAgents({ principal, ...presentFields(query) }),
    }),
    getAgent: defineRoute({
      method: "GET",
      url: "/v1/agents/:agentId",
      operation: "getAgent",
      tag: "agents",
      summary: "One of the tenant's agents (static or registered), without credentials",
      params: agentParamsSchema,
      response: { status: 200, description: "The agent", schema: agentViewSchema },
      errors: [400, 404],
      handle: async ({ principal, params }) =>
        service.consoleApi.getAgent({ principal, agentId: params.agentId }),
    }),
    getAgentHealth: defineRoute({
      method: "GET",
      url: "/v1/agents/:agentId/health",
      operation: "getAgentHealth",
      tag: "agents",
      summary:
        "Whether the agent answers: its A2A card read afresh (network policy applies, 5 s at most), " +
        "the protocol and binding calls use",
      params: agentParamsSchema,
      response: { status: 200, description: "The agent's health", schema: agentHealthSchema },
      errors: [400, 404],
      handle: async ({ principal, params, signal }) =>
        service.consoleApi.agentHealth({ principal, agentId: params.agentId, signal }),
    }),
    registerAgent: defineRoute({
      method: "POST",
      url: "/v1/agents",
      operation: "registerAgent",
      tag: "agents",
      summary: "Register an agent for the tenant: a card, or discover one from the agent's URL",
      body: registerAgentBodySchema,
      response: { status: 201, description: "The registered agent", schema: agentViewSchema },
      errors: [400, 409, 502, 504],
      handle: async ({ principal, body, signal }) => service.registerAgent({ principal, ...body, signal }),
    }),
    removeAgent: defineRoute({
      method: "DELETE",
      url: "/v1/agents/:agentId",
      operation: "removeAgent",
      tag: "agents",
      summary: "Remove one of the tenant's registered agents",
      params: agentParamsSchema,
      response: { status: 204, description: "Removed" },
      errors: [400, 404],
      handle: async ({ principal, params }) => {
        await service.removeAgent({ principal, agentId: params.agentId });
        return undefined;
      },
    }),
  };
}
