/**
 * A scriptable OpenAI-compatible chat-completions server on loopback (a port the OS picks), for the
 * LLM agent's tests: it speaks the real streaming wire format (`text/event-stream`, one
 * `data: {chat.completion.chunk}` line per token, `data: [DONE]`), records every request it gets,
 * and tells a test when a client closed a response before it ended (an aborted request).
 *
 * Each request is answered by the next script queued with `enqueue` (or the default script): the
 * script decides what to send and when, so a test can hold a token back until the A2A client has
 * seen the previous one, fail with any status, send garbage, or never answer.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { deferred, readRequestBody, startHttpServer, type Deferred, type LoopbackServer } from "./a2a.js";

/** A chat message as the client sent it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** A `POST /v1/chat/completions` the stub received. */
export interface ChatRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    model?: string;
    messages?: ChatMessage[];
    stream?: boolean;
    max_tokens?: number;
    [key: string]: unknown;
  };
}

/** What a script answers one request with. */
export interface ChatReply {
  readonly request: ChatRequest;
  /** Resolves when the client closed the connection before the response ended. */
  readonly aborted: Promise<void>;
  /** True once the client closed the connection before the response ended. */
  readonly wasAborted: boolean;
  /** Sends `200` and the event-stream headers (the first `token` does it when not done yet). */
  start(): void;
  /** One `chat.completion.chunk` whose delta carries `content`. */
  token(content: string): void;
  /** The closing chunk: an empty delta with `finish_reason` (default "stop"). */
  finish(reason?: string): void;
  /** `data: [DONE]` and the end of the response. */
  done(): void;
  /** Writes `text` as it is (malformed frames, comments...). */
  raw(text: string): void;
  /** Ends the response as it stands. */
  end(): void;
  /** An error response: `status` with an OpenAI-style `{ error: { message, type } }` body. */
  error(status: number, message: string, headers?: Record<string, string>): void;
}

export type ChatScript = (reply: ChatReply) => void | Promise<void>;

export interface OpenAICompatibleServer extends LoopbackServer {
  /** The base URL to hand an OpenAI client: `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
  /** Every chat-completions request received, in order. */
  readonly requests: readonly ChatRequest[];
  /** The replies given, in order (their `aborted` promises tell what the client did). */
  readonly replies: readonly ChatReply[];
  /** Queues scripts for the next requests, in order. */
  enqueue(...scripts: ChatScript[]): void;
  /** Resolves with the reply to the `index`-th request (0-based) once that request arrives. */
  reply(index: number): Promise<ChatReply>;
}

/** A script that streams `tokens`, finishes with "stop" and sends `[DONE]`. */
export function streamTokens(tokens: readonly string[]): ChatScript {
  return (reply) => {
    reply.start();
    for (const token of tokens) reply.token(token);
    reply.finish();
    reply.done();
  };
}

/** A script that never answers: it waits until the client gives up (the request is aborted). */
export const hang: ChatScript = async (reply) => {
  await reply.aborted;
};

let chunkCounter = 0;

function chunkFrame(model: string, delta: Record<string, unknown>, finishReason: string | null): string {
  chunkCounter += 1;
  const chunk = {
    id: `chatcmpl-stub-${chunkCounter}`,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function makeReply(request: ChatRequest, response: ServerResponse): ChatReply {
  const closed: Deferred<void> = deferred();
  let wasAborted = false;
  response.on("close", () => {
    if (!response.writableFinished) {
      wasAborted = true;
      closed.resolve();
    }
  });
  const model = request.body.model ?? "stub-model";
  const start = (): void => {
    if (response.headersSent) return;
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    response.flushHeaders();
  };
  return {
    request,
    aborted: closed.promise,
    get wasAborted() {
      return wasAborted;
    },
    start,
    token(content) {
      start();
      response.write(chunkFrame(model, { role: "assistant", content }, null));
    },
    finish(reason = "stop") {
      start();
      response.write(chunkFrame(model, {}, reason));
    },
    done() {
      start();
      response.end("data: [DONE]\n\n");
    },
    raw(text) {
      start();
      response.write(text);
    },
    end() {
      start();
      response.end();
    },
    error(status, message, headers = {}) {
      const body = JSON.stringify({ error: { message, type: "stub_error", param: null, code: null } });
      response.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...headers,
      });
      response.end(body);
    },
  };
}

/**
 * Starts the stub. Requests other than `POST .../chat/completions` get 404. Without a queued script
 * a request is answered by `defaultScript` (default: a short streamed "ok").
 */
export async function startOpenAICompatibleServer(
  options: { defaultScript?: ChatScript } = {},
): Promise<OpenAICompatibleServer> {
  const requests: ChatRequest[] = [];
  const replies: ChatReply[] = [];
  const queue: ChatScript[] = [];
  const waiting = new Map<number, Deferred<ChatReply>>();
  const waiterFor = (index: number): Deferred<ChatReply> => {
    let waiter = waiting.get(index);
    if (waiter === undefined) {
      waiter = deferred<ChatReply>();
      waiting.set(index, waiter);
    }
    return waiter;
  };
  const defaultScript = options.defaultScript ?? streamTokens(["ok"]);

  const loopback = await startHttpServer(async (incoming: IncomingMessage, response: ServerResponse) => {
    const path = incoming.url ?? "";
    if (incoming.method !== "POST" || !path.endsWith("/chat/completions")) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `no route ${incoming.method} ${path}` } }));
      return;
    }
    const text = await readRequestBody(incoming);
    const request: ChatRequest = {
      path,
      headers: incoming.headers,
      body: JSON.parse(text) as ChatRequest["body"],
    };
    const reply = makeReply(request, response);
    const index = requests.length;
    requests.push(request);
    replies.push(reply);
    waiterFor(index).resolve(reply);
    await (queue.shift() ?? defaultScript)(reply);
  });

  return Object.defineProperties(loopback, {
    baseUrl: { value: `${loopback.url}/v1` },
    requests: { get: () => requests },
    replies: { get: () => replies },
    enqueue: { value: (...scripts: ChatScript[]) => queue.push(...scripts) },
    reply: { value: (index: number) => waiterFor(index).promise },
  }) as OpenAICompatibleServer;
}
