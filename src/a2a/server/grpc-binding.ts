/**
 * A2A v1.0 over gRPC for a served agent: the SDK's service implementation (`@a2a-js/sdk/server/grpc`)
 * on a grpc-js server, with the same request handler, user and disconnect signal as the HTTP
 * bindings, and the same `authenticate` check on the call's metadata (refused: UNAUTHENTICATED).
 * grpc-js is loaded only when an agent asks for gRPC.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { A2ARequestHandler } from "@a2a-js/sdk/server";
import type { Server, ServerCredentials } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { ConfigurationError } from "../../errors.js";
import { RequestUser, admission, callContextBuilder, type Admission } from "./call-context.js";
import type { RequestAuthenticator } from "./fastify-adapter.js";

/** gRPC options of serveAgent. */
export interface GrpcBindingConfig {
  /** TCP port; 0 (the default) lets the OS pick. */
  port?: number;
  /** Interface to listen on. Default: the agent's `host`. */
  host?: string;
  /** Server credentials (TLS). Default: plaintext, which suits loopback and private networks. */
  credentials?: ServerCredentials;
  /** The `host:port` clients dial, when it differs from the listening address; published in the card. */
  publicTarget?: string;
}

/** A running gRPC binding. */
export interface GrpcBinding {
  /** `host:port`, as the card publishes it. */
  readonly target: string;
  readonly port: number;
  /** Ends calls in flight and frees the port. */
  close(): Promise<void>;
}

type AnyCall = {
  metadata: { getMap(): Record<string, unknown> };
  on(event: "cancelled", listener: () => void): unknown;
  cancelled?: boolean;
};
type AnyHandler = (call: AnyCall, callback?: (error: unknown, value?: unknown) => void) => unknown;

const UNAUTHENTICATED = 16;
const UNAVAILABLE = 14;

function headersOf(call: AnyCall): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(call.metadata.getMap())) {
    headers[name.toLowerCase()] = Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
  }
  return headers;
}

/** Starts the gRPC binding of `handler`. */
export async function startGrpcBinding(
  handler: A2ARequestHandler,
  config: GrpcBindingConfig & {
    host: string;
    /** Largest request message accepted. */ maxMessageBytes: number;
  },
  authenticate: RequestAuthenticator | undefined,
  logger: Logger | undefined,
): Promise<GrpcBinding> {
  const [grpc, { A2AService, grpcService }] = await Promise.all([
    import("@grpc/grpc-js"),
    import("@a2a-js/sdk/server/grpc"),
  ]);
  const callers = new WeakMap<object, { signal: AbortSignal; caller?: string }>();
  const service = grpcService({
    requestHandler: handler,
    userBuilder: (call) => {
      const entry = callers.get(call);
      return Promise.resolve(new RequestUser(entry?.signal ?? new AbortController().signal, entry?.caller));
    },
    contextBuilder: callContextBuilder,
  }) as unknown as Record<string, AnyHandler>;

  const guarded: Record<string, AnyHandler> = {};
  for (const [name, method] of Object.entries(service)) {
    guarded[name] = guard(name, (call, callback) => method.call(service, call, callback), {
      callers,
      authenticate,
      logger,
    });
  }

  // The agent's body limit holds here too: a larger request fails RESOURCE_EXHAUSTED.
  const server: Server = new grpc.Server({ "grpc.max_receive_message_length": config.maxMessageBytes });
  server.addService(A2AService, guarded as never);
  const listenHost = config.host.includes(":") ? `[${config.host}]` : config.host;
  const port = await bind(
    server,
    `${listenHost}:${config.port ?? 0}`,
    config.credentials ?? grpc.ServerCredentials.createInsecure(),
  );
  const target = config.publicTarget ?? `${listenHost}:${port}`;
  logger?.info({ target }, "agent gRPC listening");
  return {
    target,
    port,
    close: () => shutDown(server),
  };
}

/**
 * One method, guarded: the caller authenticated first (refused UNAUTHENTICATED, or UNAVAILABLE
 * when the check itself fails), the request's tenant field ignored, and the caller's cancellation
 * reaching the executor.
 */
function guard(
  name: string,
  run: AnyHandler,
  deps: {
    callers: WeakMap<object, { signal: AbortSignal; caller?: string }>;
    authenticate: RequestAuthenticator | undefined;
    logger: Logger | undefined;
  },
): AnyHandler {
  const { callers, authenticate, logger } = deps;
  return (call, callback) => {
    const controller = new AbortController();
    call.on("cancelled", () => controller.abort(new Error("client cancelled")));
    // A served agent is one tenant (see the HTTP adapter): the request's tenant field is ignored.
    const request = (call as { request?: { tenant?: unknown } }).request;
    if (request !== undefined && request !== null && typeof request.tenant === "string") request.tenant = "";
    const refuse = (code: number, details: string): void => {
      const error = Object.assign(new Error(details), { code, details });
      if (callback) callback(error, null);
      else {
        const stream = call as unknown as { emit(event: string, error: unknown): void; end(): void };
        stream.emit("error", error);
        stream.end();
      }
    };
    void (async () => {
      let verdict: Admission;
      try {
        verdict =
          authenticate === undefined ? { admitted: true } : admission(await authenticate(headersOf(call)));
      } catch (error) {
        // The check itself failed: refused, and the caller learns nothing of why.
        logger?.error({ err: error instanceof Error ? error.message : String(error) }, "authenticate failed");
        refuse(UNAVAILABLE, "Authentication is unavailable");
        return;
      }
      callers.set(call, {
        signal: controller.signal,
        ...(verdict.admitted && verdict.caller !== undefined ? { caller: verdict.caller } : {}),
      });
      if (!verdict.admitted) {
        refuse(UNAUTHENTICATED, "Unauthorized");
        return;
      }
      await run(call, callback);
    })().catch((error: unknown) => {
      logger?.error(
        { err: error instanceof Error ? error.message : String(error), method: name },
        "a2a gRPC call failed",
      );
    });
  };
}

/** Binds `server` to `address`: the bound port, or ConfigurationError. */
function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound)));
  }).catch((error: unknown) => {
    throw new ConfigurationError(
      `serveAgent could not listen for gRPC on ${address}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
}

/** Graceful first; calls still open after a moment are cut. */
function shutDown(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 1_000);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
