/**
 * The bindings the client does not write by hand, carried by `@a2a-js/sdk`'s own transports: v1.0
 * HTTP+JSON (`RestTransportFactory`), v1.0 gRPC (`@a2a-js/sdk/client/grpc`), and v0.3 JSON-RPC and
 * HTTP+JSON (the SDK's compat layer, which translates v0.3 `kind:"data"` parts, `status-update`
 * and friends to and from v1.0 shapes). HTTP goes through the client's own pool (so the network
 * policy and the size limits hold); gRPC gets a channel to an address the policy checked. Replies
 * come back through the SDK's codecs as v1.0 ProtoJSON, which the client reads like any other.
 */
import {
  CancelTaskRequest,
  GetTaskRequest,
  Message as MessageCodec,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task as TaskCodec,
} from "@a2a-js/sdk";
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";
import { RestTransportFactory, type Transport as SdkTransport } from "@a2a-js/sdk/client";
import { LegacyJsonRpcTransport, LegacyRestTransport } from "@a2a-js/sdk/compat/v0_3/client";
import { isIP } from "node:net";
import { AgentError, ErrorCode, OrchestrationError } from "../../../errors.js";
import { NetworkPolicy, NetworkPolicyError } from "../../../security/network-policy.js";
import { A2A_PROTOCOL_VERSION } from "../../defaults.js";
import { isObject, readTask, type WireMessage } from "../../wire.js";
import { BodyTooLargeError, ReplyTooLargeError, networkError, unreachableMessage } from "../call-scope.js";
import { toSendResult, toStreamEvents, toTaskSnapshot } from "../events.js";
import { SseParser } from "../sse-parser.js";
import { lastHttpErrorStatus, type AgentHttp } from "../http.js";
import { A2ABinding, A2AProtocolVersion, type AgentInterface } from "../interfaces.js";
import type { A2AStreamEvent, CancelTaskResult, SendResult, TaskSnapshot } from "../types.js";
import type { A2ATransport, TransportCall } from "./transport.js";

/** Builds the SDK transport a call uses (per call over HTTP, to count under the call's limits). */
type InnerFor = (call: TransportCall) => SdkTransport | Promise<SdkTransport>;

/** One binding/version carried by an SDK transport. */
export class SdkBackedTransport implements A2ATransport {
  readonly #inner: InnerFor;
  readonly #onClose: (() => void) | undefined;
  /** gRPC counts what it receives itself (HTTP counts in the fetch). */
  readonly #countsEvents: boolean;
  /** A gRPC channel over TLS (credentials may then follow an https endpoint). */
  readonly secure: boolean;

  constructor(
    readonly binding: A2ABinding,
    readonly version: A2AProtocolVersion,
    inner: InnerFor,
    options: { onClose?: () => void; countEvents?: boolean; secure?: boolean } = {},
  ) {
    this.#inner = inner;
    this.secure = options.secure ?? false;
    this.#onClose = options.onClose;
    this.#countsEvents = options.countEvents ?? false;
  }

  async send(message: WireMessage, call: TransportCall): Promise<SendResult> {
    const ctx = { agentId: call.scope.agentId, method: "SendMessage" };
    try {
      const inner = await this.#inner(call);
      const result = await inner.sendMessage(sendRequest(message), this.#options(call));
      const json =
        "messageId" in result ? { message: MessageCodec.toJSON(result) } : { task: TaskCodec.toJSON(result) };
      // One gRPC message: the channel already refused it past maxResponseBytes; only a smaller
      // reply limit or a shared budget needs it counted.
      const { replyBudget, maxReplyBytes, maxResponseBytes } = call.limits;
      if (replyBudget !== undefined || maxReplyBytes < maxResponseBytes) this.#count(call, json);
      return toSendResult(json, ctx);
    } catch (error) {
      throw sdkError(error, call);
    }
  }

  stream(message: WireMessage, call: TransportCall): AsyncGenerator<A2AStreamEvent, void, undefined> {
    return this.#events(call, "SendStreamingMessage", (inner) =>
      inner.sendMessageStream(sendRequest(message), this.#options(call)),
    );
  }

  async getTask(taskId: string, call: TransportCall): Promise<TaskSnapshot> {
    try {
      const inner = await this.#inner(call);
      const task = await inner.getTask(
        GetTaskRequest.fromJSON({ tenant: "", id: taskId }),
        this.#options(call),
      );
      return toTaskSnapshot(TaskCodec.toJSON(task), { agentId: call.scope.agentId, method: "GetTask" });
    } catch (error) {
      throw sdkError(error, call);
    }
  }

  async cancel(taskId: string, call: TransportCall): Promise<CancelTaskResult> {
    try {
      const inner = await this.#inner(call);
      const result = await inner.cancelTask(
        CancelTaskRequest.fromJSON({ tenant: "", id: taskId }),
        this.#options(call),
      );
      const task = readTask(TaskCodec.toJSON(result), { agentId: call.scope.agentId, method: "CancelTask" });
      return { taskId: task.id, contextId: task.contextId, state: task.status.state, raw: task };
    } catch (error) {
      throw sdkError(error, call);
    }
  }

  resubscribe(taskId: string, call: TransportCall): AsyncGenerator<A2AStreamEvent, void, undefined> {
    return this.#events(call, "SubscribeToTask", (inner) =>
      inner.resubscribeTask(SubscribeToTaskRequest.fromJSON({ tenant: "", id: taskId }), this.#options(call)),
    );
  }

  close(): void {
    this.#onClose?.();
  }

  async *#events(
    call: TransportCall,
    method: string,
    open: (inner: SdkTransport) => AsyncGenerator<StreamResponse, void, undefined>,
  ): AsyncGenerator<A2AStreamEvent, void, undefined> {
    const ctx = { agentId: call.scope.agentId, method };
    let source: AsyncGenerator<StreamResponse, void, undefined> | undefined;
    try {
      const inner = await this.#inner(call);
      const appends = wireAppends.get(inner);
      source = open(inner);
      for await (const event of source) {
        if (appends !== undefined && event.payload?.$case === "artifactUpdate") {
          event.payload.value.append = appends.next(event.payload.value.append);
        }
        const json = StreamResponse.toJSON(event);
        this.#count(call, json);
        yield* toStreamEvents(json, ctx);
      }
    } catch (error) {
      throw sdkError(error, call);
    } finally {
      // A consumer that stopped early: close the SDK's stream (it aborts its request or gRPC call).
      await source?.return(undefined).catch(() => undefined);
    }
  }

  /** gRPC: what was received, measured as the JSON it stands for, against the call's limits. */
  #count(call: TransportCall, json: unknown): void {
    if (!this.#countsEvents) return;
    const bytes = Buffer.byteLength(JSON.stringify(json));
    const state = (countedBytes.get(call) ?? 0) + bytes;
    countedBytes.set(call, state);
    if (bytes > call.limits.maxResponseBytes) throw new BodyTooLargeError(call.limits.maxResponseBytes);
    if (state > call.limits.maxReplyBytes) throw new ReplyTooLargeError(call.limits.maxReplyBytes, false);
    if (call.limits.replyBudget && !call.limits.replyBudget.take(bytes)) {
      throw new ReplyTooLargeError(call.limits.replyBudget.limit, true);
    }
  }

  #options(call: TransportCall) {
    const parameters: Record<string, string> = { ...call.headers };
    const extensions = call.extensions?.join(",");
    if (this.version === A2AProtocolVersion.V1_0) {
      parameters["A2A-Version"] = A2A_PROTOCOL_VERSION;
      if (extensions) parameters["A2A-Extensions"] = extensions;
    } else if (extensions) {
      parameters["X-A2A-Extensions"] = extensions;
    }
    return { signal: call.scope.signal, serviceParameters: parameters };
  }
}

/** Bytes counted so far per gRPC call. */
const countedBytes = new WeakMap<TransportCall, number>();

function sendRequest(message: WireMessage): SendMessageRequest {
  return SendMessageRequest.fromJSON({ tenant: "", message, configuration: { acceptedOutputModes: [] } });
}

/** v1.0 HTTP+JSON at `url`. */
export function restTransport(http: AgentHttp, url: string, card: A2AAgentCard): A2ATransport {
  return new SdkBackedTransport(A2ABinding.HTTP_JSON, A2AProtocolVersion.V1_0, (call) =>
    new RestTransportFactory({ fetchImpl: http.fetchFor(call.scope, call.limits) }).create(url, card),
  );
}

/** v0.3 JSON-RPC at `url` (the SDK's compat transport). */
export function legacyJsonRpcTransport(http: AgentHttp, url: string): A2ATransport {
  return new SdkBackedTransport(
    A2ABinding.JSONRPC,
    A2AProtocolVersion.V0_3,
    (call) =>
      new LegacyJsonRpcTransport({ endpoint: url, fetchImpl: http.fetchFor(call.scope, call.limits) }),
  );
}

/**
 * The `append` flags of v0.3 HTTP+JSON artifact updates, read off the wire as a stream's frames
 * pass: the SDK's v0.3 REST converter drops the flag (every chunk would otherwise claim to replace
 * its artifact). Each artifact-update frame the SDK parses is one event it yields, in order, so the
 * flags line up with its events. A frame that cannot be read here (the SDK then fails the stream
 * itself) stops the repair: the SDK's values are kept.
 */
class WireAppendFlags {
  readonly #decoder = new TextDecoder();
  readonly #parser: SseParser;
  readonly #flags: boolean[] = [];
  #unreadable = false;

  constructor(maxEventChars: number) {
    this.#parser = new SseParser(maxEventChars);
  }

  readonly observe = (chunk: Uint8Array): void => {
    if (this.#unreadable) return;
    try {
      for (const frame of this.#parser.push(this.#decoder.decode(chunk, { stream: true }))) {
        if (frame.type === "error") continue;
        const json: unknown = JSON.parse(frame.data);
        if (isObject(json) && isObject(json.artifactUpdate))
          this.#flags.push(json.artifactUpdate.append === true);
      }
    } catch {
      this.#unreadable = true;
    }
  };

  /** The wire's flag for the next artifact update the SDK yields (else the SDK's own). */
  next(sdkValue: boolean): boolean {
    return this.#unreadable ? sdkValue : (this.#flags.shift() ?? sdkValue);
  }
}

/** The wire `append` flags of each v0.3 HTTP+JSON SDK transport (one per stream). */
const wireAppends = new WeakMap<SdkTransport, WireAppendFlags>();

/** v0.3 HTTP+JSON at `url` (the SDK's compat transport, with `append` read off the wire). */
export function legacyRestTransport(http: AgentHttp, url: string): A2ATransport {
  return new SdkBackedTransport(A2ABinding.HTTP_JSON, A2AProtocolVersion.V0_3, (call) => {
    const appends = new WireAppendFlags(Math.min(call.limits.maxResponseBytes, call.limits.maxReplyBytes));
    const inner = new LegacyRestTransport({
      endpoint: url,
      fetchImpl: http.fetchFor(call.scope, call.limits, appends.observe),
    });
    wireAppends.set(inner, appends);
    return inner;
  });
}

/**
 * v1.0 gRPC at `target` (`host:port`). The host is resolved and checked by the network policy
 * first, and the channel dials the checked address (TLS still verifies the name: it is the
 * channel's authority), so a name cannot resolve to another address between the check and the
 * dial. `tls` "auto" uses plaintext only to non-public addresses the policy allows (networks the
 * operator named); a name the policy lets through unresolved gets TLS. The channel refuses any
 * message over `maxResponseBytes` before decoding it.
 */
export async function grpcTransport(
  target: string,
  card: A2AAgentCard,
  policy: NetworkPolicy,
  options: { tls: boolean | "auto"; maxResponseBytes: number },
): Promise<SdkBackedTransport> {
  const { host, port } = parseGrpcTarget(target);
  const resolved = await policy.resolveTarget(host, port);
  const named = resolved.byName && isIP(resolved.host) === 0;
  const plaintext = options.tls === "auto" ? !named && !isPublicTarget(resolved.host) : !options.tls;
  const [grpc, { GrpcTransportFactory }] = await Promise.all([
    import("@grpc/grpc-js"),
    import("@a2a-js/sdk/client/grpc"),
  ]);
  const credentials = plaintext ? grpc.credentials.createInsecure() : grpc.credentials.createSsl();
  const dial = named ? `${host}:${port}` : grpcAddress(resolved.host, port);
  const channelOptions: Record<string, string | number> = {
    "grpc.max_receive_message_length": options.maxResponseBytes,
    ...(isIP(host) === 0 && !named ? { "grpc.default_authority": host } : {}),
    ...(!plaintext && isIP(host) === 0 && !named ? { "grpc.ssl_target_name_override": host } : {}),
  };
  const inner = await new GrpcTransportFactory({ grpcChannelCredentials: credentials }).create(dial, card);
  // The SDK's factory takes no channel options: its client is remade with ours (same class).
  const sdk = inner as unknown as { grpcClient: InstanceType<typeof grpc.Client> };
  const ClientClass = sdk.grpcClient.constructor as new (
    address: string,
    credentials: ReturnType<typeof grpc.credentials.createInsecure>,
    options: Record<string, string | number>,
  ) => InstanceType<typeof grpc.Client>;
  sdk.grpcClient.close();
  sdk.grpcClient = new ClientClass(dial, credentials, channelOptions);
  const client = sdk.grpcClient;
  return new SdkBackedTransport(A2ABinding.GRPC, A2AProtocolVersion.V1_0, () => inner, {
    countEvents: true,
    secure: !plaintext,
    onClose: () => client.close(),
  });
}

/** The transport for one interface of an agent. */
export async function sdkTransportFor(
  entry: AgentInterface,
  deps: {
    http: AgentHttp;
    card: A2AAgentCard;
    policy: NetworkPolicy;
    grpcTls: boolean | "auto";
    maxResponseBytes: number;
  },
): Promise<A2ATransport> {
  if (entry.binding === A2ABinding.GRPC) {
    if (entry.version !== A2AProtocolVersion.V1_0) throw new Error("gRPC is supported at protocol 1.0 only");
    return grpcTransport(entry.url, deps.card, deps.policy, {
      tls: deps.grpcTls,
      maxResponseBytes: deps.maxResponseBytes,
    });
  }
  if (entry.version === A2AProtocolVersion.V0_3) {
    return entry.binding === A2ABinding.JSONRPC
      ? legacyJsonRpcTransport(deps.http, entry.url)
      : legacyRestTransport(deps.http, entry.url);
  }
  return restTransport(deps.http, entry.url, deps.card);
}

/** `host:port` of a gRPC target (`dns:`, `ipv4:`, `ipv6:` prefixes and `[v6]` accepted). */
export function parseGrpcTarget(target: string): { host: string; port: number } {
  const bare = target.replace(/^(?:dns:(?:\/\/[^/]*\/)?|ipv4:|ipv6:)/i, "");
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(bare) ?? /^([^:[\]]+):(\d+)$/.exec(bare);
  const port = Number(match?.[2]);
  if (!match || !(port > 0 && port < 65_536)) {
    throw new NetworkPolicyError(`gRPC target ${JSON.stringify(target)} is not host:port`, "invalid-url");
  }
  return { host: match[1]!, port };
}

function grpcAddress(address: string, port: number): string {
  return isIP(address) === 6 ? `ipv6:[${address}]:${port}` : `ipv4:${address}:${port}`;
}

function isPublicTarget(host: string): boolean {
  return isIP(host) !== 0 && new NetworkPolicy().checkAddress(host, 443).allowed;
}

/** Errors of the SDK's transports as the client's typed errors (its own limit errors pass through). */
function sdkError(error: unknown, call: TransportCall): unknown {
  const agentId = call.scope.agentId;
  if (
    error instanceof OrchestrationError ||
    error instanceof BodyTooLargeError ||
    error instanceof ReplyTooLargeError
  ) {
    return error;
  }
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof BodyTooLargeError || cause instanceof ReplyTooLargeError) return cause;
  // The gRPC channel refused a message over maxResponseBytes (RESOURCE_EXHAUSTED, before decoding).
  if (grpcStatusOf(error) === 8 && /larger than max/i.test(String((error as Error).message))) {
    return new BodyTooLargeError(call.limits.maxResponseBytes);
  }
  if (call.scope.abortKind !== undefined) return call.scope.toError(error);
  if (error instanceof NetworkPolicyError) return networkError(error, agentId);
  // Refused before it was heard (credentials, permission, size, rate), whatever the SDK made of
  // the answer's body: as on every binding.
  const refusedWith = lastHttpErrorStatus(call.scope);
  if (refusedWith !== undefined && REFUSING_HTTP_STATUSES.has(refusedWith)) {
    return new AgentError(ErrorCode.AGENT_UNAVAILABLE, `Agent ${agentId} answered HTTP ${refusedWith}`, {
      cause: error,
      context: { agentId, httpStatus: refusedWith },
    });
  }
  // An error inside a JSON-RPC stream arrives as a plain Error carrying the typed one.
  const a2a = isA2AError(error) ? error : isA2AError(cause) ? cause : undefined;
  if (a2a !== undefined) {
    const details = a2a as { reason: string; envelopeCode?: unknown; statusCode?: unknown; status?: unknown };
    const grpcStatus = typeof details.status === "number" ? details.status : undefined;
    const httpStatus = typeof details.statusCode === "number" ? details.statusCode : undefined;
    // gRPC UNAVAILABLE: the agent could not be reached (one message for every network failure).
    if (grpcStatus === 14)
      return new AgentError(ErrorCode.AGENT_UNAVAILABLE, unreachableMessage(agentId), {
        cause: error,
        context: { agentId },
      });
    // Refused before it was heard (credentials, permission, size, rate): as on every binding.
    if (grpcStatus !== undefined && REFUSING_GRPC_STATUSES.has(grpcStatus)) {
      return new AgentError(
        ErrorCode.AGENT_UNAVAILABLE,
        `Agent ${agentId} refused the call (gRPC status ${grpcStatus})`,
        {
          cause: error,
          context: { agentId, grpcStatus },
        },
      );
    }
    if (
      httpStatus !== undefined &&
      (REFUSING_HTTP_STATUSES.has(httpStatus) || (details.reason === "INTERNAL_ERROR" && httpStatus >= 500))
    ) {
      return new AgentError(ErrorCode.AGENT_UNAVAILABLE, `Agent ${agentId} answered HTTP ${httpStatus}`, {
        cause: error,
        context: { agentId, httpStatus },
      });
    }
    return new AgentError(
      ErrorCode.AGENT_PROTOCOL_ERROR,
      `Agent ${agentId} returned ${details.reason}: ${a2a.message.slice(0, 1_000)}`,
      {
        cause: error,
        context: {
          agentId,
          a2aReason: details.reason,
          ...(typeof details.envelopeCode === "number" ? { rpcCode: details.envelopeCode } : {}),
          ...(typeof details.statusCode === "number" ? { httpStatus: details.statusCode } : {}),
        },
      },
    );
  }
  if (error instanceof Error && /^HTTP error/.test(error.message)) {
    const status = Number(/Status: (\d{3})/.exec(error.message)?.[1]);
    return new AgentError(
      ErrorCode.AGENT_UNAVAILABLE,
      `Agent ${agentId} answered HTTP ${Number.isFinite(status) ? status : "error"}`,
      { cause: error, context: { agentId, ...(Number.isFinite(status) ? { httpStatus: status } : {}) } },
    );
  }
  if (error instanceof TypeError && /fetch failed/.test(error.message))
    return networkError(cause ?? error, agentId);
  // A system error (reset, refused, DNS) is a network failure; anything else the SDK could not make
  // sense of is the agent's answer.
  if (typeof (error as { code?: unknown } | null)?.code === "string") return call.scope.toError(error);
  return new AgentError(
    ErrorCode.AGENT_PROTOCOL_ERROR,
    `Agent ${agentId} sent a response that could not be read: ${(error as Error)?.message?.slice(0, 300) ?? String(error)}`,
    { cause: error, context: { agentId } },
  );
}

/** gRPC statuses that refuse a call as a whole: UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED. */
const REFUSING_GRPC_STATUSES: ReadonlySet<number> = new Set([16, 7, 8]);
/** HTTP statuses that refuse a call as a whole (the JSON-RPC path maps every non-2xx this way). */
const REFUSING_HTTP_STATUSES: ReadonlySet<number> = new Set([401, 403, 413, 429]);

/** The gRPC status code of an error, on it or its cause (the SDK wraps stream errors). */
function grpcStatusOf(error: unknown): number | undefined {
  for (let each: unknown = error, depth = 0; isObject(each) && depth < 3; depth++) {
    const status = (each as { status?: unknown; code?: unknown }).status ?? (each as { code?: unknown }).code;
    if (typeof status === "number") return status;
    each = (each as { cause?: unknown }).cause;
  }
  return undefined;
}

function isA2AError(value: unknown): value is Error & { reason: string } {
  return (
    value instanceof Error &&
    isObject(value as unknown) &&
    typeof (value as { reason?: unknown }).reason === "string"
  );
}
