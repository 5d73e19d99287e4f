/** Delegations: ask several agents at once, and read the audit of a thread's agent calls. */
import type { GatewayService } from "../gateway-service.js";
import { defineRoute, presentFields } from "../route.js";
import {
  agentCallListSchema,
  delegateBodySchema,
  delegateResponseSchema,
  delegationsQuerySchema,
  threadParamsSchema,
} from "../schemas.js";
import { THREAD } from "./thread-routes.js";

export function delegationRoutes(service: GatewayService) {
  return {
    delegate: defineRoute({
      method: "POST",
      url: `${THREAD}/delegations`,
      operation: "delegate",
      tag: "delegations",
      summary: "Ask several agents at once (parallel, sequential or first_success) and synthesize",
      params: threadParamsSchema,
      body: delegateBodySchema,
      response: {
        status: 200,
        description: "Per-agent results and their synthesis",
        schema: delegateResponseSchema,
      },
      errors: [400, 404],
      handle: async ({ principal, params, body, signal }) =>
        service.delegate({ principal, threadId: params.threadId, ...body, signal }),
    }),
    listDelegations: defineRoute({
      method: "GET",
      url: `${THREAD}/delegations`,
      operation: "listDelegations",
      tag: "delegations",
      summary:
        "Every call that left for an agent in this thread (delegations, routed turns, handoff traffic), " +
        "with outcome and latency, newest first",
      params: threadParamsSchema,
      query: delegationsQuerySchema,
      response: { status: 200, description: "Audit records", schema: agentCallListSchema },
      errors: [400, 404],
      handle: async ({ principal, params, query }) =>
        service.listDelegations({ principal, threadId: params.threadId, ...presentFields(query) }),
    }),
  };
}
