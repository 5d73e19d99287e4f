/**
 * A thin Fastify adapter for an `@a2a-js/sdk` request handler: the A2A card at
 * `/.well-known/agent-card.json`, the JSON-RPC binding (plain responses and SSE streams) at one
 * path and the HTTP+JSON binding below another (v0.3 too, when served). It adds what the SDK's
 * express adapter leaves out: client disconnects reach the agent (through an AbortSignal in the call
 * context), SSE writes respect backpressure, the trace context of the caller is continued, and open
 * responses are tracked so the server can close cleanly. Each binding's route is its own file.
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { A2A_CONTENT_TYPE, AgentCard as A2AAgentCardCodec } from "@a2a-js/sdk";
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";
import type { A2ARequestHandler } from "@a2a-js/sdk/server";
import type { Tracer } from "@opentelemetry/api";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { Logger } from "pino";
import { admission, isLegacyVersion, type Admission } from "./call-context.js";
import { JSON_TYPE, UNAUTHORIZED_RPC_CODE, header, sendRaw, type RouteHandler } from "./http-edge.js";
import { jsonRpcRoute } from "./jsonrpc-route.js";
import { registerLegacyRestRoutes } from "./legacy-rest-route.js";
import { restRoute } from "./rest-route.js";

export interface A2ARoutesOptions {
  requestHandler: A2ARequestHandler;
  /** The card served at `cardPaths`; read on every request, so it may be completed after registration. */
  getCard: () => A2AAgentCard;
  /** The card as v0.3 clients read it (v0.3 fields plus the v1.0 ones), when v0.3 is served. */
  getLegacyCard?: () => Record<string, unknown>;
  rpcPath: string;
  /** Base path of the HTTP+JSON interface (v1.0 routes below it; v0.3 routes below `{restPath}/v1`). */
  restPath: string;
  cardPaths: readonly string[];
  maxBodyBytes: number;
  tracer: Tracer;
  logger?: Logger;
  /** Decides whether a request may be served (its headers: e.g. a bearer token); refused -> 401. */
  authenticate?: RequestAuthenticator;
}

/**
 * Decides from a request's headers (or gRPC metadata) whether it may be served: `false` (or "")
 * refuses it; `true` admits an anonymous caller (anonymous callers share their tasks); a string
 * admits the caller it names, whose tasks no other caller can read, continue or cancel.
 */
export type RequestAuthenticator = (
  headers: IncomingHttpHeaders,
) => boolean | string | Promise<boolean | string>;

/** Handle on the routes' in-flight work, for a clean shutdown. */
export interface A2ARoutes {
  /** Resolves when every request in flight has finished (or immediately when none is). */
  drain(): Promise<void>;
  readonly inFlight: number;
}

type Admit = (
  request: FastifyRequest,
  reply: FastifyReply,
  refuse: (raw: ServerResponse) => void,
) => Promise<Admission>;

/** Refuses an unauthenticated request (through `refuse`); otherwise says who the caller is. */
function admitter(options: A2ARoutesOptions): Admit {
  return async (request, reply, refuse) => {
    if (options.authenticate === undefined) return { admitted: true };
    let verdict: Admission;
    try {
      verdict = admission(await options.authenticate(request.headers));
    } catch (error) {
      // The check itself failed: refused, and the caller learns nothing of why.
      options.logger?.error(
        { err: error instanceof Error ? error.message : String(error) },
        "authenticate failed",
      );
      sendRaw(reply.raw, 503, JSON_TYPE, { error: { code: 503, message: "Authentication is unavailable" } });
      return { admitted: false };
    }
    if (!verdict.admitted) refuse(reply.raw);
    return verdict;
  };
}

/** The JSON-RPC binding's refusal of an unauthenticated request. */
function refuseRpc(raw: ServerResponse): void {
  sendRaw(raw, 401, JSON_TYPE, {
    jsonrpc: "2.0",
    id: null,
    error: { code: UNAUTHORIZED_RPC_CODE, message: "Unauthorized" },
  });
}

/** The HTTP+JSON binding's refusal of an unauthenticated request. */
function refuseRest(raw: ServerResponse): void {
  sendRaw(raw, 401, A2A_CONTENT_TYPE, {
    error: { code: 401, status: "UNAUTHENTICATED", message: "Unauthorized" },
  });
}

/** Serves the A2A card: as v0.3 clients read it to a request asking for v0.3 (when served), else v1.0. */
function cardRoute(options: A2ARoutesOptions): (request: FastifyRequest, reply: FastifyReply) => void {
  return (request, reply) => {
    const legacy = options.getLegacyCard !== undefined && isLegacyVersion(header(request, "a2a-version"));
    void reply
      .header("cache-control", "no-cache")
      .header("vary", "A2A-Version")
      .type(JSON_TYPE)
      .send(
        JSON.stringify(
          legacy && options.getLegacyCard
            ? options.getLegacyCard()
            : A2AAgentCardCodec.toJSON(options.getCard()),
        ),
      );
  };
}

/** Registers the card, JSON-RPC and HTTP+JSON routes on `app` (which the caller owns and closes). */
export function registerA2ARoutes<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>,
  options: A2ARoutesOptions,
): A2ARoutes {
  const { requestHandler, getCard, tracer, logger } = options;
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>): Promise<void> => {
    inFlight.add(work);
    const forget = (): void => {
      inFlight.delete(work);
    };
    work.then(forget, forget);
    return work;
  };

  // Bodies are parsed here (malformed JSON is the binding's own error, not Fastify's 400).
  app.removeContentTypeParser("application/json");
  for (const type of [JSON_TYPE, A2A_CONTENT_TYPE]) {
    app.addContentTypeParser(
      type,
      { parseAs: "string", bodyLimit: options.maxBodyBytes },
      (_request, body, done) => done(null, body),
    );
  }

  for (const path of options.cardPaths) app.get(path, cardRoute(options));

  const admit = admitter(options);
  /** A route that answers admitted callers with `handle` and refuses the others with `refusal`. */
  const guarded =
    (handle: RouteHandler, refusal: (raw: ServerResponse) => void) =>
    (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
      track(
        (async () => {
          const ok = await admit(request, reply, refusal);
          if (ok.admitted) await handle(request, reply, ok.caller);
          else reply.hijack();
        })(),
      ).then(() => reply);

  const servesV03 = options.getLegacyCard !== undefined;
  app.post(
    options.rpcPath,
    guarded(jsonRpcRoute({ requestHandler, getCard, legacy: servesV03, tracer, logger }), refuseRpc),
  );
  app.route({
    method: ["GET", "POST"],
    url: `${options.restPath}/*`,
    handler: guarded(
      restRoute({ requestHandler, getCard, restPath: options.restPath, tracer, logger }),
      refuseRest,
    ),
  });
  if (servesV03) {
    const { restPath, maxBodyBytes } = options;
    registerLegacyRestRoutes(app, { requestHandler, restPath, maxBodyBytes, logger, admit, track });
  }

  return {
    drain: async () => {
      await Promise.allSettled([...inFlight]);
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
