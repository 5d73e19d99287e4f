/**
 * A2A v1.0 over HTTP+JSON (REST) for a served agent: `POST /message:send`, `POST /message:stream`,
 * `GET /tasks/{id}`, `POST /tasks/{id}:cancel`, `GET|POST /tasks/{id}:subscribe` and `GET /tasks`
 * under the interface's base path, on the SDK's request handler and ProtoJSON codecs. (The SDK
 * exports no framework-neutral REST handler; its express one does not fit a Fastify server.)
 */
import {
  ListTasksRequest,
  ListTasksResponse,
  SendMessageRequest,
  SendMessageResponse,
  StreamResponse,
  Task as TaskCodec,
} from "@a2a-js/sdk";
import type { A2ARequestHandler, ServerCallContext } from "@a2a-js/sdk/server";
import { RequestMalformedError, restStatusFor, toRestErrorBody } from "@a2a-js/sdk/errors";

/** What a REST request comes to: a JSON answer, an event stream, or no such route. */
export type RestOutcome =
  | { kind: "json"; status: number; body: unknown }
  | { kind: "stream"; events: AsyncGenerator<StreamResponse, void, undefined> }
  | { kind: "none" };

/** The JSON body and HTTP status of an error, in the v1.0 REST error shape. */
export function restError(error: unknown): { status: number; body: unknown } {
  const status = restStatusFor(error);
  return { status, body: toRestErrorBody(error, status) };
}

function taskId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new RequestMalformedError("task id is not a valid URL path segment");
  }
}

function sendRequest(body: unknown): SendMessageRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new RequestMalformedError("the request body must be a JSON object");
  }
  const params = SendMessageRequest.fromJSON(body);
  if (!params.message?.messageId) throw new RequestMalformedError("message.messageId is required");
  return { ...params, tenant: "" };
}

function historyLength(query: URLSearchParams): number | undefined {
  const value = query.get("historyLength") ?? query.get("history_length");
  if (value === null) return undefined;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new RequestMalformedError("historyLength must be a non-negative integer");
  }
  return parsed;
}

/** Serves one REST request (`path` relative to the interface's base path). */
export async function handleRest(
  handler: A2ARequestHandler,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
  context: ServerCallContext,
): Promise<RestOutcome> {
  if (method === "POST" && path === "/message:send") {
    const result = await handler.sendMessage(sendRequest(body), context);
    const payload =
      "messageId" in result
        ? { $case: "message" as const, value: result }
        : { $case: "task" as const, value: result };
    return { kind: "json", status: 200, body: SendMessageResponse.toJSON({ payload }) };
  }
  if (method === "POST" && path === "/message:stream") {
    return { kind: "stream", events: handler.sendMessageStream(sendRequest(body), context) };
  }
  if (method === "GET" && path === "/tasks") {
    const request = ListTasksRequest.fromJSON(Object.fromEntries(query));
    return {
      kind: "json",
      status: 200,
      body: ListTasksResponse.toJSON(await handler.listTasks(request, context)),
    };
  }
  let match = /^\/tasks\/([^/:]+):subscribe$/.exec(path);
  if (match && (method === "GET" || method === "POST")) {
    return { kind: "stream", events: handler.resubscribe({ tenant: "", id: taskId(match[1]!) }, context) };
  }
  match = /^\/tasks\/([^/:]+):cancel$/.exec(path);
  if (match && method === "POST") {
    const task = await handler.cancelTask(
      { tenant: "", id: taskId(match[1]!), metadata: undefined },
      context,
    );
    return { kind: "json", status: 200, body: TaskCodec.toJSON(task) };
  }
  match = /^\/tasks\/([^/:]+)$/.exec(path);
  if (match && method === "GET") {
    const length = historyLength(query);
    const task = await handler.getTask(
      { tenant: "", id: taskId(match[1]!), ...(length === undefined ? {} : { historyLength: length }) },
      context,
    );
    return { kind: "json", status: 200, body: TaskCodec.toJSON(task) };
  }
  return { kind: "none" };
}

/** One stream event as REST sends it. */
export function restStreamEvent(event: StreamResponse): unknown {
  return StreamResponse.toJSON(event);
}
