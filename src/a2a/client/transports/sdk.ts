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
import { NetworkPolicy, NetworkPolicyError } from "../../../security/network-policy.js";
import { A2A_PROTOCOL_VERSION } from "../../defaults.js";
import { isObject, readTask, type WireMessage } from "../../wire.js";
import { BodyTooLargeError, ReplyTooLargeError } from "../call-scope.js";
import { toSendResult, toStreamEvents, toTaskSnapshot } from "../events.js";
import { SseParser } from "../sse-parser.js";
import type { AgentHttp } from "../http.js";
import { A2ABinding, A2AProtocolVersion, type AgentInterface } from "../interfaces.js";
import type { A2AStreamEvent, CancelTaskResult, SendResult, TaskSnapshot } from "../types.js";
import { sdkError } from "./sdk-errors.js";
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
