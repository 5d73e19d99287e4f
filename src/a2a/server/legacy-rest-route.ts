/**
 * The v0.3 HTTP+JSON routes (`{restPath}/v1/...`, to requests that ask for v0.3): the SDK's express
 * router, since its v0.3 ProtoJSON converters are not exported. It takes the raw request before
 * Fastify reads the body.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { A2ARequestHandler } from "@a2a-js/sdk/server";
import { legacyRestRouter } from "@a2a-js/sdk/compat/v0_3/server/express";
import express from "express";
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
import {
  RequestUser,
  callContextBuilder,
  disconnectSignal,
  isLegacyVersion,
  type Admission,
} from "./call-context.js";
import { JSON_TYPE, UNAUTHORIZED_RPC_CODE, header, sendRaw } from "./http-edge.js";

/** The callers `authenticate` named for v0.3 REST requests, read by the SDK router's user builder. */
const legacyCallers = new WeakMap<IncomingMessage, string>();

export interface LegacyRestRouteConfig {
  readonly requestHandler: A2ARequestHandler;
  readonly restPath: string;
  readonly maxBodyBytes: number;
  readonly logger?: Logger | undefined;
  /** Refuses an unauthenticated request (through `refuse`); otherwise says who the caller is. */
  readonly admit: (
    request: FastifyRequest,
    reply: FastifyReply,
    refuse: (raw: ServerResponse) => void,
  ) => Promise<Admission>;
  /** Counts the request's work as in flight until it settles. */
  readonly track: (work: Promise<void>) => Promise<void>;
}

/** Serves v0.3 REST requests from an `onRequest` hook on `app`. */
export function registerLegacyRestRoutes<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>,
  config: LegacyRestRouteConfig,
): void {
  const legacyRest = legacyRestApp(config.requestHandler, config.restPath, config.maxBodyBytes);
  const { admit, track } = config;
  const prefix = `${config.restPath}/v1/`;
  app.addHook("onRequest", (request, reply, done) => {
    if (!request.url.startsWith(prefix) || !isLegacyVersion(header(request, "a2a-version"))) {
      done();
      return;
    }
    reply.hijack();
    const fail = (error: unknown): void => {
      config.logger?.error(
        { err: error instanceof Error ? error.message : String(error) },
        "a2a v0.3 REST request failed",
      );
      // Nothing is written once the answer has started (sendRaw checks).
      sendRaw(reply.raw, 500, JSON_TYPE, { code: -32603, message: "Internal error" });
    };
    void track(
      (async () => {
        const ok = await admit(request, reply, (raw) =>
          sendRaw(raw, 401, JSON_TYPE, { code: UNAUTHORIZED_RPC_CODE, message: "Unauthorized" }),
        );
        if (!ok.admitted) return;
        if (ok.caller !== undefined) legacyCallers.set(request.raw, ok.caller);
        const raw = reply.raw;
        await new Promise<void>((resolve) => {
          raw.once("close", resolve);
          legacyRest(request.raw, raw, (error) => {
            if (error !== undefined) {
              fail(error);
              return;
            }
            sendRaw(raw, 404, JSON_TYPE, {
              code: -32601,
              message: `No A2A route ${request.method} ${request.url}`,
            });
          });
        });
      })().catch(fail),
    );
  });
}

/**
 * The SDK's v0.3 REST router in a bare express app; its calls get the request's disconnect signal
 * through the call context (the same user and context as every other binding). The body is parsed
 * here first, with the agent's `maxBodyBytes` (the router's own parser would stop at express's
 * default 100 KB), and a body too large or not JSON is answered as v0.3 REST answers errors.
 */
function legacyRestApp(
  handler: A2ARequestHandler,
  restPath: string,
  maxBodyBytes: number,
): (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void {
  const app = express();
  app.disable("x-powered-by");
  app.use(
    restPath,
    express.json({ limit: maxBodyBytes, type: JSON_TYPE, strict: false }),
    legacyRestRouter({
      requestHandler: handler,
      userBuilder: (request) =>
        Promise.resolve(
          new RequestUser(disconnectSignal(request.res as ServerResponse).signal, legacyCallers.get(request)),
        ),
      contextBuilder: callContextBuilder,
    }),
  );
  app.use(
    (error: unknown, _request: express.Request, response: express.Response, next: express.NextFunction) => {
      if (response.headersSent) {
        next(error);
        return;
      }
      const type = (error as { type?: unknown } | null)?.type;
      if (type === "entity.too.large") {
        sendRaw(response, 413, JSON_TYPE, {
          code: -32600,
          message: `Request body larger than ${maxBodyBytes} bytes`,
        });
      } else if (type === "entity.parse.failed") {
        sendRaw(response, 400, JSON_TYPE, { code: -32700, message: "Invalid JSON payload." });
      } else {
        next(error);
      }
    },
  );
  return (request, response, next) => {
    app(request as express.Request, response as express.Response, next);
  };
}
