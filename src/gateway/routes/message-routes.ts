/** A thread's messages: read them, and send one for the router to answer (JSON or SSE). */
import type { GatewayService } from "../gateway-service.js";
import { defineRoute, presentFields, type RouteContext } from "../route.js";
import {
  messageListSchema,
  pageQuerySchema,
  postMessageBodySchema,
  postMessageResponseSchema,
  threadParamsSchema,
} from "../schemas.js";
import { collectEvents, sendEventStream, wantsEventStream } from "../sse.js";
import { THREAD } from "./thread-routes.js";

export function messageRoutes(service: GatewayService, heartbeatMs: number | undefined) {
  return {
    listMessages: defineRoute({
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
        service.listMessages({ principal, threadId: params.threadId, ...presentFields(query) }),
    }),
    postMessage: defineRoute({
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
      handle: async (context) => answerMessage(service, heartbeatMs, context),
    }),
  };
}

/** Routes the message and answers with the turn: streamed as SSE when asked for, else as one JSON body. */
async function answerMessage(
  service: GatewayService,
  heartbeatMs: number | undefined,
  {
    principal,
    params,
    body,
    signal,
    request,
    reply,
  }: RouteContext<{ threadId: string }, unknown, { message: string }>,
): Promise<unknown> {
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
      ...(heartbeatMs !== undefined ? { heartbeatMs } : {}),
    });
    return undefined;
  }
  return collectEvents(first.value, events);
}
