/** A thread's handoff: start, read, cancel, complete, and its history. */
import type { GatewayService } from "../gateway-service.js";
import { defineRoute } from "../route.js";
import {
  activeHandoffSchema,
  cancelHandoffBodySchema,
  completeHandoffBodySchema,
  handoffAcceptanceSchema,
  handoffListSchema,
  handoffSessionViewSchema,
  startHandoffBodySchema,
  threadParamsSchema,
} from "../schemas.js";
import { THREAD } from "./thread-routes.js";

export function handoffRoutes(service: GatewayService) {
  return {
    startHandoff: defineRoute({
      method: "POST",
      url: `${THREAD}/handoff`,
      operation: "startHandoff",
      tag: "handoff",
      summary: "Hand the thread to a specialist agent",
      params: threadParamsSchema,
      body: startHandoffBodySchema,
      response: {
        status: 200,
        description: "The specialist's answer (accepted, or rejected with a reason)",
        schema: handoffAcceptanceSchema,
      },
      errors: [400, 404, 409, 502, 504],
      handle: async ({ principal, params, body, signal }) =>
        service.startHandoff({ principal, threadId: params.threadId, ...body, signal }),
    }),
    getHandoff: defineRoute({
      method: "GET",
      url: `${THREAD}/handoff`,
      operation: "getHandoff",
      tag: "handoff",
      summary: "The thread's active handoff, or `{ active: null }`",
      params: threadParamsSchema,
      response: { status: 200, description: "The active session", schema: activeHandoffSchema },
      errors: [400, 404],
      handle: async ({ principal, params }) => service.getHandoff({ principal, threadId: params.threadId }),
    }),
    cancelHandoff: defineRoute({
      method: "DELETE",
      url: `${THREAD}/handoff`,
      operation: "cancelHandoff",
      tag: "handoff",
      summary: "Cancel the thread's handoff; control returns to the orchestrator",
      params: threadParamsSchema,
      body: cancelHandoffBodySchema,
      response: { status: 200, description: "The cancelled session", schema: handoffSessionViewSchema },
      errors: [400, 404, 409],
      handle: async ({ principal, params, body }) =>
        service.cancelHandoff({ principal, threadId: params.threadId, ...body }),
    }),
    completeHandoff: defineRoute({
      method: "POST",
      url: `${THREAD}/handoff/complete`,
      operation: "completeHandoff",
      tag: "handoff",
      summary: "Complete the thread's handoff on the specialist's behalf",
      params: threadParamsSchema,
      body: completeHandoffBodySchema,
      response: { status: 200, description: "The finished session", schema: handoffSessionViewSchema },
      errors: [400, 404, 409],
      handle: async ({ principal, params, body }) =>
        service.completeHandoff({ principal, threadId: params.threadId, ...body }),
    }),
    listHandoffs: defineRoute({
      method: "GET",
      url: `${THREAD}/handoffs`,
      operation: "listHandoffs",
      tag: "handoff",
      summary: "Every handoff of the thread, oldest first",
      params: threadParamsSchema,
      response: { status: 200, description: "Handoff history", schema: handoffListSchema },
      errors: [400, 404],
      handle: async ({ principal, params }) => service.listHandoffs({ principal, threadId: params.threadId }),
    }),
  };
}
