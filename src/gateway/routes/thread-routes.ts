/** Threads: create, list, read, rename. */
import type { GatewayService } from "../gateway-service.js";
import { renameThreadBodySchema } from "../console-schemas.js";
import { defineRoute, presentFields } from "../route.js";
import {
  createThreadBodySchema,
  listThreadsQuerySchema,
  threadDetailSchema,
  threadListSchema,
  threadParamsSchema,
  threadViewSchema,
} from "../schemas.js";

/** The path of one thread; messages, delegations and handoffs live below it. */
export const THREAD = "/v1/threads/:threadId";

export function threadRoutes(service: GatewayService) {
  return {
    createThread: defineRoute({
      method: "POST",
      url: "/v1/threads",
      operation: "createThread",
      tag: "threads",
      summary: "Start a thread owned by the caller",
      body: createThreadBodySchema,
      response: { status: 201, description: "The new thread", schema: threadViewSchema },
      errors: [400],
      handle: async ({ principal, body }) => service.createThread({ principal, ...body }),
    }),
    listThreads: defineRoute({
      method: "GET",
      url: "/v1/threads",
      operation: "listThreads",
      tag: "threads",
      summary: "The tenant's threads, newest first (`mine=true`: the caller's)",
      query: listThreadsQuerySchema,
      response: { status: 200, description: "A page of threads", schema: threadListSchema },
      errors: [400],
      handle: async ({ principal, query: { mine, ...page } }) =>
        service.listThreads({ principal, mine: mine === "true", ...presentFields(page) }),
    }),
    getThread: defineRoute({
      method: "GET",
      url: THREAD,
      operation: "getThread",
      tag: "threads",
      summary: "A thread and who holds it (the orchestrator or a handoff's specialist)",
      params: threadParamsSchema,
      response: { status: 200, description: "The thread", schema: threadDetailSchema },
      errors: [400, 404],
      handle: async ({ principal, params }) => service.getThread({ principal, threadId: params.threadId }),
    }),
    renameThread: defineRoute({
      method: "PATCH",
      url: THREAD,
      operation: "renameThread",
      tag: "threads",
      summary: "Rename a thread the caller owns; answers like getThread",
      params: threadParamsSchema,
      body: renameThreadBodySchema,
      response: { status: 200, description: "The renamed thread", schema: threadDetailSchema },
      errors: [400, 404],
      handle: async ({ principal, params, body }) =>
        service.consoleApi.renameThread({ principal, threadId: params.threadId, title: body.title }),
    }),
  };
}
