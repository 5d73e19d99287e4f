/**
 * One transport per binding and protocol version, behind one interface: the A2A client resolves an
 * agent's interface, picks its transport, and calls it the same way whatever carries the call.
 */
import type { WireMessage } from "../../wire.js";
import type { CallScope } from "../call-scope.js";
import type { CallLimits } from "../http.js";
import type { A2ABinding, A2AProtocolVersion } from "../interfaces.js";
import type { A2AStreamEvent, CancelTaskResult, SendResult, TaskSnapshot } from "../types.js";

/** What a transport needs for one call. */
export interface TransportCall {
  /** The call's lifetime: its signal (caller, timeout, client closing) and error translation. */
  readonly scope: CallScope;
  /** Headers for this call: credentials (when this interface may receive them), trace context, extras. */
  readonly headers: Readonly<Record<string, string>>;
  /** Extension URIs the call uses (sent in the version's extensions header). */
  readonly extensions: readonly string[] | undefined;
  readonly limits: CallLimits;
}

/** An agent interface the client can call. */
export interface A2ATransport {
  readonly binding: A2ABinding;
  readonly version: A2AProtocolVersion;
  /** A gRPC channel over TLS (HTTP transports: the URL's scheme says it). */
  readonly secure?: boolean;
  /** `SendMessage` / `message/send`: the whole reply. */
  send(message: WireMessage, call: TransportCall): Promise<SendResult>;
  /** `SendStreamingMessage` / `message/stream`: events as they come. */
  stream(message: WireMessage, call: TransportCall): AsyncGenerator<A2AStreamEvent, void, undefined>;
  /** `GetTask` / `tasks/get`. */
  getTask(taskId: string, call: TransportCall): Promise<TaskSnapshot>;
  /** `CancelTask` / `tasks/cancel`. */
  cancel(taskId: string, call: TransportCall): Promise<CancelTaskResult>;
  /** `SubscribeToTask` / `tasks/resubscribe`: the task as it stands, then its updates. */
  resubscribe(taskId: string, call: TransportCall): AsyncGenerator<A2AStreamEvent, void, undefined>;
  /** Frees what the transport holds (a gRPC channel). Idempotent. */
  close(): void;
}
