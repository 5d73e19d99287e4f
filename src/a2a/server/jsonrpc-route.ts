/** The JSON-RPC binding's route (v1.0, and v0.3 for requests that ask for it): plain answers and SSE streams. */
import { JsonRpcTransportHandler, validateVersion } from "@a2a-js/sdk/server";
import { LegacyJsonRpcTransportHandler } from "@a2a-js/sdk/compat/v0_3/server";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { disconnectSignal, httpCallContext, isLegacyVersion } from "./call-context.js";
import {
  JSON_TYPE,
  extractTraceContext,
  header,
  streamSse,
  type BindingRouteConfig,
  type RouteHandler,
} from "./http-edge.js";

export interface JsonRpcRouteConfig extends BindingRouteConfig {
  /** Whether v0.3 JSON-RPC is served too. */
  readonly legacy: boolean;
}

interface JsonRpcEnvelope {
  jsonrpc: string;
  id: string | number | null;
  result?: unknown;
  error?: unknown;
}

function isAsyncIterable(value: unknown): value is AsyncGenerator<JsonRpcEnvelope, void, undefined> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

function errorEnvelope(id: string | number | null, error: unknown, legacy: boolean): JsonRpcEnvelope {
  return {
    jsonrpc: "2.0",
    id,
    error: legacy
      ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError(error)
      : JsonRpcTransportHandler.mapToJSONRPCError(error),
  };
}

/** Answers JSON-RPC requests (the body is the raw text; a parse error is the binding's own answer). */
export function jsonRpcRoute(config: JsonRpcRouteConfig): RouteHandler {
  const jsonRpc = new JsonRpcTransportHandler(config.requestHandler);
  const legacyJsonRpc = config.legacy ? new LegacyJsonRpcTransportHandler(config.requestHandler) : undefined;
  return async (request, reply, caller) => {
    const legacy = legacyJsonRpc !== undefined && isLegacyVersion(header(request, "a2a-version"));
    const disconnect = disconnectSignal(reply.raw);
    const text = typeof request.body === "string" ? request.body : "";
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Passed on as a string: the transport handler answers with the JSON-RPC parse error.
    }
    const record = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : undefined;
    const id = typeof record?.id === "string" || typeof record?.id === "number" ? record.id : null;
    const method = typeof record?.method === "string" ? record.method : "unknown";
    // A served agent is one tenant: a request's tenant field is not a scope a caller may open (each
    // new one would be kept by the SDK's event-bus manager for good).
    const params = record?.params;
    if (params !== null && typeof params === "object" && "tenant" in params)
      (params as { tenant?: unknown }).tenant = "";
    const parent = extractTraceContext(request);
    const span = config.tracer.startSpan(
      `a2a.server.${method}`,
      { kind: SpanKind.SERVER, attributes: { "rpc.system": "jsonrpc", "rpc.method": method } },
      parent,
    );
    const answer = (envelope: unknown, status = 200) =>
      reply.code(status).type(JSON_TYPE).send(JSON.stringify(envelope));
    try {
      const callContext = httpCallContext(request.headers, disconnect.signal, legacy, caller);
      try {
        validateVersion(callContext.requestedVersion, config.getCard(), "JSONRPC");
      } catch (error) {
        await answer(errorEnvelope(id, error, legacy));
        return;
      }
      const result = await context.with(trace.setSpan(parent, span), () =>
        (legacy && legacyJsonRpc ? legacyJsonRpc : jsonRpc).handle(
          body as string | Record<string, unknown>,
          callContext,
        ),
      );
      if (isAsyncIterable(result)) {
        await streamSse(
          reply,
          result,
          {
            event: (value) => value,
            error: (error) => errorEnvelope(id, error, legacy),
            // Nothing streamed yet: a plain JSON-RPC error, as the SDK's adapters answer.
            early: (error) => ({ status: 200, body: errorEnvelope(id, error, legacy), type: JSON_TYPE }),
          },
          config.logger,
        );
      } else {
        if ((result as JsonRpcEnvelope).error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
        await answer(result);
      }
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      config.logger?.error(
        { err: error instanceof Error ? error.message : String(error), method },
        "a2a request failed",
      );
      if (!reply.sent && !reply.raw.headersSent) await answer(errorEnvelope(id, error, legacy), 500);
      else if (!reply.raw.writableEnded && !reply.raw.destroyed) reply.raw.end();
    } finally {
      disconnect.dispose();
      span.end();
    }
  };
}
