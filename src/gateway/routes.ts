/**
 * The route table: every gateway route as a {@link RouteSpec}, each a thin adapter from HTTP to a
 * {@link GatewayService} function.
 */
import { CONSOLE_CONTENT_SECURITY_POLICY, CONSOLE_HTML } from "./console-page.js";
import type { GatewayService } from "./gateway-service.js";
import { defineRoute, type RouteSpec } from "./route.js";
import {
  activeHandoffSchema,
  agentCallListSchema,
  agentCallsQuerySchema,
  agentListSchema,
  agentParamsSchema,
  agentViewSchema,
  cancelHandoffBodySchema,
  completeHandoffBodySchema,
  createThreadBodySchema,
  delegateBodySchema,
  delegateResponseSchema,
  delegationsQuerySchema,
  handoffAcceptanceSchema,
  handoffListSchema,
  handoffSessionViewSchema,
  healthSchema,
  listThreadsQuerySchema,
  meSchema,
  messageListSchema,
  pageQuerySchema,
  postMessageBodySchema,
  postMessageResponseSchema,
  readySchema,
  registerAgentBodySchema,
  startHandoffBodySchema,
  threadDetailSchema,
  threadListSchema,
  threadParamsSchema,
  threadViewSchema,
} from "./schemas.js";
import { collectEvents, sendEventStream, wantsEventStream } from "./sse.js";

/** What the route table needs. */
export interface GatewayRoutesConfig {
  service: GatewayService;
  /** The OpenAPI document (built from these very routes, hence lazy). */
  openApiDocument: () => unknown;
  /** SSE heartbeat interval. */
  heartbeatMs?: number;
}

const THREAD = "/v1/threads/:threadId";

/** Every route of the gateway, in documentation order. */
export function gatewayRoutes(config: GatewayRoutesConfig): RouteSpec[] {
  const { service } = config;
  return [
    defineRoute({
      method: "GET",
      url: "/healthz",
      operation: "healthz",
      tag: "health",
      summary: "Liveness: the process answers",
      response: { status: 200, description: "Alive", schema: healthSchema },
      handle: async () => ({ status: "ok" }),
    }),
    defineRoute({
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
    defineRoute({
      method: "GET",
      url: "/",
      operation: "console",
      tag: "console",
      summary: "The web console (one self-contained HTML page)",
      response: { status: 200, description: "The console", mediaType: "text/html" },
      handle: async ({ reply }) => {
        reply
          .type("text/html; charset=utf-8")
          .header("content-security-policy", CONSOLE_CONTENT_SECURITY_POLICY)
          .header("cache-control", "no-cache");
        return CONSOLE_HTML;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/openapi.json",
      operation: "openapi",
      tag: "meta",
      summary: "This API's OpenAPI 3.1 document",
      response: { status: 200, description: "The OpenAPI document" },
      handle: async () => config.openApiDocument(),
    }),
    defineRoute({
      method: "GET",
      url: "/v1/me",
      operation: "me",
      tag: "meta",
      summary: "Who the API key speaks for: tenant, user, role, and the operations it may call",
      response: { status: 200, description: "The key's principal", schema: meSchema },
      handle: async ({ principal }) => service.me({ principal }),
    }),
    defineRoute({
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
    defineRoute({
      method: "GET",
      url: "/v1/threads",
      operation: "listThreads",
      tag: "threads",
      summary: "The tenant's threads, newest first (`mine=true`: the caller's)",
      query: listThreadsQuerySchema,
      response: { status: 200, description: "A page of threads", schema: threadListSchema },
      errors: [400],
      handle: async ({ principal, query }) =>
        service.listThreads({
          principal,
          mine: query.mine === "true",
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
          ...(query.offset !== undefined ? { offset: query.offset } : {}),
        }),
    }),
    defineRoute({
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
    defineRoute({
      method: "GET",
      url: `${THREAD}/messages`,
      operation: "listMessages",
      tag: "messages",
      summary: "The thread's messages, oldest first",
      params: threadParamsSchema,
      query: pageQuerySchema,
      response: { status: 200, description: "A page of messages", schema: messageListSchema },
      errors: [400, 404],
      handle: async ({ principal, params, query }) =>
        service.listMessages({
          principal,
          threadId: params.threadId,
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
          ...(query.offset !== undefined ? { offset: query.offset } : {}),
        }),
    }),
    defineRoute({
      method: "POST",
      url: `${THREAD}/messages`,
      operation: "postMessage",
      tag: "messages",
      summary: "Send a message; the router answers (streamed with Accept: text/event-stream)",
      description:
        "Routes the message to the active handoff's specialist, or to the default agents. With " +
        "`Accept: text/event-stream` the reply streams as SSE frames (`event: route|chunk|" +
        "handoff_returned|handoff_cancelled|delegation|input_required|done|error`, `data: <JSON>`); closing the " +
        "connection stops the agent. Otherwise the whole turn is returned as JSON.",
      params: threadParamsSchema,
      body: postMessageBodySchema,
      response: {
        status: 200,
        description: "The turn's reply and events",
        schema: postMessageResponseSchema,
        alternatives: {
          "text/event-stream": {
            description: "One SSE frame per router event, as it happens.",
            example:
              'event: route\ndata: {"target":"orchestrator","agentId":"knowledge-agent","agentIds":["knowledge-agent"]}\n\n' +
              'event: chunk\ndata: {"agentId":"knowledge-agent","text":"Hello"}\n\n' +
              'event: done\ndata: {"agentId":"knowledge-agent","text":"Hello","messageId":"..."}\n\n',
          },
        },
      },
      errors: [400, 404, 409, 502, 503, 504],
      handle: async ({ principal, params, body, signal, request, reply }) => {
        const events = service.routeMessage({
          principal,
          threadId: params.threadId,
          message: body.message,
          signal,
        });
        // Read the first event before answering: a turn that fails at once gets a real HTTP status.
        const first = await events.next();
        if (first.done) throw new Error("the router ended without an event");
        if (first.value.type === "error") throw first.value.error;
        if (wantsEventStream(request.headers.accept)) {
          await sendEventStream({
            reply,
            first: first.value,
            events,
            logger: request.log,
            ...(config.heartbeatMs !== undefined ? { heartbeatMs: config.heartbeatMs } : {}),
          });
          return undefined;
        }
        return collectEvents(first.value, events);
      },
    }),
    defineRoute({
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
    defineRoute({
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
        service.listDelegations({
          principal,
          threadId: params.threadId,
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
          ...(query.kind !== undefined ? { kind: query.kind } : {}),
        }),
    }),
    defineRoute({
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
    defineRoute({
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
    defineRoute({
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
    defineRoute({
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
    defineRoute({
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
    defineRoute({
      method: "GET",
      url: "/v1/agents",
      operation: "listAgents",
      tag: "agents",
      summary: "The agents the tenant can use (static first, then registered), paged",
      query: pageQuerySchema,
      response: { status: 200, description: "A page of agents", schema: agentListSchema },
      errors: [400],
      handle: async ({ principal, query }) =>
        service.listAgents({
          principal,
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
          ...(query.offset !== undefined ? { offset: query.offset } : {}),
        }),
    }),
    defineRoute({
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
    defineRoute({
      method: "GET",
      url: "/v1/audit/agent-calls",
      operation: "listAgentCalls",
      tag: "audit",
      summary:
        "The tenant's audit trail: one record per call that left for an agent (no message content), newest first",
      query: agentCallsQuerySchema,
      response: { status: 200, description: "Audit records", schema: agentCallListSchema },
      errors: [400],
      handle: async ({ principal, query }) =>
        service.listAgentCalls({
          principal,
          ...(query.threadId !== undefined ? { threadId: query.threadId } : {}),
          ...(query.agentId !== undefined ? { agentId: query.agentId } : {}),
          ...(query.kind !== undefined ? { kind: query.kind } : {}),
          ...(query.before !== undefined ? { before: query.before } : {}),
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
        }),
    }),
    defineRoute({
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
  ];
}
