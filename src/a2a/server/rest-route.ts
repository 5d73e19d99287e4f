/** The HTTP+JSON binding's routes (v1.0, below `restPath`): Fastify in front of `handleRest`. */
import { A2A_CONTENT_TYPE } from "@a2a-js/sdk";
import { validateVersion } from "@a2a-js/sdk/server";
import { RequestMalformedError } from "@a2a-js/sdk/errors";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { disconnectSignal, httpCallContext } from "./call-context.js";
import { extractTraceContext, streamSse, type BindingRouteConfig, type RouteHandler } from "./http-edge.js";
import { handleRest, restError, restStreamEvent } from "./rest-binding.js";

export interface RestRouteConfig extends BindingRouteConfig {
  readonly restPath: string;
}

/** Answers HTTP+JSON requests: JSON, an SSE stream, or a 404 for a path no route matches. */
export function restRoute(config: RestRouteConfig): RouteHandler {
  const handler = config.requestHandler;
  return async (request, reply, caller) => {
    const url = new URL(request.url, "http://agent");
    const path = url.pathname.slice(config.restPath.length);
    const disconnect = disconnectSignal(reply.raw);
    const parent = extractTraceContext(request);
    const span = config.tracer.startSpan(
      `a2a.server.rest ${request.method} ${path.replace(/^\/tasks\/[^/:]+/, "/tasks/{id}")}`,
      { kind: SpanKind.SERVER, attributes: { "rpc.system": "http", "http.request.method": request.method } },
      parent,
    );
    const fail = async (error: unknown) => {
      span.setStatus({ code: SpanStatusCode.ERROR });
      const { status, body } = restError(error);
      if (!reply.sent && !reply.raw.headersSent)
        await reply.code(status).type(A2A_CONTENT_TYPE).send(JSON.stringify(body));
      else if (!reply.raw.writableEnded && !reply.raw.destroyed) reply.raw.end();
    };
    try {
      const callContext = httpCallContext(request.headers, disconnect.signal, false, caller);
      validateVersion(callContext.requestedVersion, config.getCard(), "HTTP+JSON");
      let body: unknown;
      if (request.method === "POST" && typeof request.body === "string" && request.body !== "") {
        try {
          body = JSON.parse(request.body);
        } catch {
          throw new RequestMalformedError("the request body is not valid JSON");
        }
      }
      const outcome = await context.with(trace.setSpan(parent, span), () =>
        handleRest(handler, request.method, path, url.searchParams, body ?? {}, callContext),
      );
      if (outcome.kind === "none") {
        await reply
          .code(404)
          .type(A2A_CONTENT_TYPE)
          .send(
            JSON.stringify({
              error: { code: 404, status: "NOT_FOUND", message: `No A2A route ${request.method} ${path}` },
            }),
          );
      } else if (outcome.kind === "json") {
        await reply.code(outcome.status).type(A2A_CONTENT_TYPE).send(JSON.stringify(outcome.body));
      } else {
        await streamSse(
          reply,
          outcome.events,
          {
            event: restStreamEvent,
            error: (error) => restError(error).body,
            early: (error) => ({ ...restError(error), type: A2A_CONTENT_TYPE }),
          },
          config.logger,
        );
      }
    } catch (error) {
      await fail(error);
    } finally {
      disconnect.dispose();
      span.end();
    }
  };
}
