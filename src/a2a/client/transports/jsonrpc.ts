/**
 * A2A v1.0 over JSON-RPC, written by hand on the pooled undici client: the fast path (requests are
 * plain JSON strings, responses are read with cheap structural checks instead of full protobuf
 * decoding). Unary and streaming calls share one request path; a stream is SSE frames, each a
 * JSON-RPC response.
 */
import { StringDecoder } from "node:string_decoder";
import { AgentError, ErrorCode } from "../../../errors.js";
import { A2A_PROTOCOL_VERSION } from "../../defaults.js";
import { isObject, protocolError, readTask, type WireErrorContext, type WireMessage } from "../../wire.js";
import { ReplyTooLargeError, discardBody } from "../call-scope.js";
import { parseJson, toSendResult, toStreamEvents, toTaskSnapshot } from "../events.js";
import { httpError, readLimited, type AgentHttp, type ResponseData } from "../http.js";
import { A2ABinding, A2AProtocolVersion } from "../interfaces.js";
import { SseParser, type SseEvent } from "../sse-parser.js";
import type { A2AStreamEvent, CancelTaskResult, SendResult, TaskSnapshot } from "../types.js";
import type { A2ATransport, TransportCall } from "./transport.js";

const JSON_TYPE = "application/json";
const STREAM_ACCEPT = "text/event-stream";

/** The JSON-RPC error an agent answered with, typed (its A2A `reason` kept when it sends one). */
export function rpcError(error: unknown, ctx: WireErrorContext): AgentError {
  if (!isObject(error) || typeof error.code !== "number")
    return protocolError("malformed JSON-RPC error", ctx);
  const message = typeof error.message === "string" ? error.message.slice(0, 1_000) : "";
  const info = Array.isArray(error.data)
    ? error.data.find((entry) => isObject(entry) && "reason" in entry)
    : undefined;
  const reason = isObject(info) && typeof info.reason === "string" ? info.reason : undefined;
  return new AgentError(
    ErrorCode.AGENT_PROTOCOL_ERROR,
    `Agent ${ctx.agentId} returned JSON-RPC error ${error.code}${message ? `: ${message}` : ""}`,
    {
      context: {
        agentId: ctx.agentId,
        method: ctx.method,
        rpcCode: error.code,
        rpcMessage: message,
        ...(reason ? { a2aReason: reason } : {}),
      },
    },
  );
}

/** The `result` of a JSON-RPC response envelope, or the typed error it stands for. */
function rpcResult(json: unknown, id: number, ctx: WireErrorContext): unknown {
  if (!isObject(json)) throw protocolError("response is not a JSON-RPC object", ctx);
  if (json.jsonrpc !== "2.0") {
    throw protocolError(`unsupported JSON-RPC version ${JSON.stringify(json.jsonrpc)?.slice(0, 32)}`, ctx);
  }
  if (json.error !== undefined) throw rpcError(json.error, ctx);
  if (json.result === undefined) throw protocolError("JSON-RPC response has no result", ctx);
  if (json.id !== undefined && json.id !== id)
    throw protocolError("JSON-RPC response id does not match", ctx);
  return json.result;
}

function frameEvents(frame: SseEvent, id: number, ctx: WireErrorContext): A2AStreamEvent[] {
  const json = parseJson(frame.data, "stream event", ctx);
  if (frame.type === "error") {
    if (isObject(json) && json.error !== undefined) throw rpcError(json.error, ctx);
    throw rpcError(json, ctx);
  }
  return toStreamEvents(rpcResult(json, id, ctx), ctx);
}

/** A2A v1.0 JSON-RPC at `url`. */
export class JsonRpcTransport implements A2ATransport {
  readonly binding = A2ABinding.JSONRPC;
  readonly version = A2AProtocolVersion.V1_0;
  #nextId = 1;

  constructor(
    private readonly http: AgentHttp,
    private readonly url: URL,
  ) {}

  async send(message: WireMessage, call: TransportCall): Promise<SendResult> {
    return this.#unary(call, "SendMessage", { message }, toSendResult);
  }

  stream(message: WireMessage, call: TransportCall): AsyncGenerator<A2AStreamEvent, void, undefined> {
    return this.#stream(call, "SendStreamingMessage", { message });
  }

  getTask(taskId: string, call: TransportCall): Promise<TaskSnapshot> {
    return this.#unary(call, "GetTask", { id: taskId }, toTaskSnapshot);
  }

  cancel(taskId: string, call: TransportCall): Promise<CancelTaskResult> {
    return this.#unary(call, "CancelTask", { id: taskId }, (result, ctx) => {
      const task = readTask(result, ctx);
      return { taskId: task.id, contextId: task.contextId, state: task.status.state, raw: task };
    });
  }

  resubscribe(taskId: string, call: TransportCall): AsyncGenerator<A2AStreamEvent, void, undefined> {
    return this.#stream(call, "SubscribeToTask", { id: taskId });
  }

  close(): void {}

  /** The one request path: every call is a JSON-RPC POST. */
  #post(
    call: TransportCall,
    id: number,
    method: string,
    params: unknown,
    accept: string,
  ): Promise<ResponseData> {
    const headers: Record<string, string> = {};
    for (const name in call.headers) headers[name.toLowerCase()] = call.headers[name] as string;
    headers["content-type"] = JSON_TYPE;
    headers.accept = accept;
    headers["a2a-version"] = A2A_PROTOCOL_VERSION;
    if (call.extensions !== undefined && call.extensions.length > 0) {
      headers["a2a-extensions"] = call.extensions.join(",");
    }
    return this.http.request(this.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
      scope: call.scope,
    });
  }

  async #unary<T>(
    call: TransportCall,
    method: string,
    params: unknown,
    convert: (result: unknown, ctx: WireErrorContext) => T,
  ): Promise<T> {
    const ctx = { agentId: call.scope.agentId, method };
    const id = this.#nextId++;
    const response = await this.#post(call, id, method, params, JSON_TYPE);
    if (response.statusCode < 200 || response.statusCode > 299) throw await httpError(response, ctx.agentId);
    const text = await readLimited(response, call.limits.maxResponseBytes, call.limits.replyBudget);
    return convert(rpcResult(parseJson(text, "response", ctx), id, ctx), ctx);
  }

  async *#stream(
    call: TransportCall,
    method: string,
    params: unknown,
  ): AsyncGenerator<A2AStreamEvent, void, undefined> {
    const ctx = { agentId: call.scope.agentId, method };
    const id = this.#nextId++;
    const response = await this.#post(call, id, method, params, STREAM_ACCEPT);
    const body = response.body;
    try {
      if (response.statusCode < 200 || response.statusCode > 299)
        throw await httpError(response, ctx.agentId);
      const contentType = response.headers["content-type"];
      if (typeof contentType !== "string" || !contentType.startsWith(STREAM_ACCEPT)) {
        // A server may answer a streaming call with one JSON-RPC response (an error, or a single result).
        const text = await readLimited(response, call.limits.maxResponseBytes, call.limits.replyBudget);
        yield* toStreamEvents(rpcResult(parseJson(text, "response", ctx), id, ctx), ctx);
        return;
      }
      const { maxReplyBytes, maxResponseBytes, replyBudget } = call.limits;
      const parser = new SseParser(Math.min(maxResponseBytes, maxReplyBytes));
      const decoder = new StringDecoder("utf8");
      let received = 0;
      for await (const chunk of body) {
        const bytes = (chunk as Buffer).length;
        received += bytes;
        if (received > maxReplyBytes) throw new ReplyTooLargeError(maxReplyBytes, false);
        if (replyBudget && !replyBudget.take(bytes)) throw new ReplyTooLargeError(replyBudget.limit, true);
        for (const frame of parser.push(decoder.write(chunk as Buffer))) yield* frameEvents(frame, id, ctx);
      }
      const tail = parser.end();
      if (tail) yield* frameEvents(tail, id, ctx);
    } finally {
      // Errors after the consumer stopped listening (abort, reset) must never go uncaught.
      body.on("error", () => undefined);
      if (!body.readableEnded) discardBody(body);
    }
  }
}
