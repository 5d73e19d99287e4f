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

/**
 * The caller of one request: who it is (when `authenticate` named it; its tasks are then its own) and
 * the request's disconnect signal, carried into the call context.
 */
export class RequestUser extends UnauthenticatedUser {
  constructor(
    readonly signal: AbortSignal,
    readonly caller?: string,
  ) {
    super();
  }

  override get isAuthenticated(): boolean {
    return this.caller !== undefined;
  }

  /** The task owner: the named caller, or the SDK's shared anonymous owner. */
  override get userName(): string {
    return this.caller ?? "";
  }
}

/** What `authenticate` decided: refused, or admitted (with the caller's name when it gave one). */
export type Admission = { admitted: false } | { admitted: true; caller?: string };

/** Reads an authenticator's verdict: `true` admits anonymously, a non-empty string names the caller. */
export function admission(verdict: unknown): Admission {
  if (verdict === true) return { admitted: true };
  if (typeof verdict === "string" && verdict !== "") return { admitted: true, caller: verdict };
  return { admitted: false };
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
  caller?: string,
): ServerCallContext {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(",") : value;
  };
  return callContextBuilder({
    extensions: Extensions.parseServiceParameter(
      (legacy ? header("x-a2a-extensions") : undefined) ?? header("a2a-extensions"),
    ),
    user: new RequestUser(signal, caller),
    headers,
    requestedVersion: header("a2a-version") || undefined,
  });
}
