/** A thread's turn timeline: route, agent calls, timings and outcomes of its turns (never text). */
import type { GatewayService } from "../gateway-service.js";
import { defineRoute, presentFields } from "../route.js";
import { timelineQuerySchema, timelineSchema } from "../console-schemas.js";
import { threadParamsSchema } from "../schemas.js";
import { THREAD } from "./thread-routes.js";

export function timelineRoutes(service: GatewayService) {
  return {
    getTimeline: defineRoute({
      method: "GET",
      url: `${THREAD}/timeline`,
      operation: "getTimeline",
      tag: "threads",
      summary:
        "The thread's newest turns, newest last: who each went to, agent calls with outcome and " +
        "duration, first chunk, handoffs, delegations — ids, timings and codes, never message text",
      params: threadParamsSchema,
      query: timelineQuerySchema,
      response: { status: 200, description: "The timeline", schema: timelineSchema },
      errors: [400, 404],
      handle: async ({ principal, params, query }) =>
        service.consoleApi.timeline({ principal, threadId: params.threadId, ...presentFields(query) }),
    }),
  };
}
