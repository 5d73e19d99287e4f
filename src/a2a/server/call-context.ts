/**
 * One way to build the SDK's ServerCallContext for every binding a served agent answers on
 * (JSON-RPC, HTTP+JSON, their v0.3 forms, gRPC): the same user (so a task created on one binding is
 * found on another), the requested extensions, and an AbortSignal that fires when the caller goes
 * away — which the executor turns into a cancelled turn.
 */
import type { ServerResponse } from "node:http";
import { Extensions } from "@a2a-js/sdk";
import {
  UnauthenticatedUser,
  defaultServerCallContextBuilder,
  type ServerCallContext,
  type ServerCallContextBuilder,
} from "@a2a-js/sdk/server";
import { REQUEST_SIGNAL_STATE_KEY } from "./agent-executor.js";

/** The caller of one request; it carries the request's disconnect signal into the call context. */
export class RequestUser extends UnauthenticatedUser {
  constructor(readonly signal: AbortSignal) {
    super();
  }
}

/** A ServerCallContextBuilder that hands the request's disconnect signal to the executor. */
export const callContextBuilder: ServerCallContextBuilder = (options) => {
  const context = defaultServerCallContextBuilder(options);
  if (options.user instanceof RequestUser) context.state.set(REQUEST_SIGNAL_STATE_KEY, options.user.signal);
  return context;
};

/** Whether a request's `A2A-Version` asks for v0.3 (absent means 0.3, as the spec says). */
export function isLegacyVersion(header: string | undefined): boolean {
  const version = header?.trim() ?? "";
  return version === "" || version.startsWith("0.");
}

/** An AbortSignal that fires when `raw` closes before its response was sent whole. */
export function disconnectSignal(raw: ServerResponse): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!raw.writableFinished) controller.abort(new Error("client disconnected"));
  };
  raw.on("close", onClose);
  return { signal: controller.signal, dispose: () => raw.off("close", onClose) };
}

/** The call context of one HTTP request. */
export function httpCallContext(
  headers: Record<string, string | string[] | undefined>,
  signal: AbortSignal,
  legacy: boolean,
): ServerCallContext {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(",") : value;
  };
  return callContextBuilder({
    extensions: Extensions.parseServiceParameter(
      (legacy ? header("x-a2a-extensions") : undefined) ?? header("a2a-extensions"),
    ),
    user: new RequestUser(signal),
    headers,
    requestedVersion: header("a2a-version") || undefined,
  });
}
