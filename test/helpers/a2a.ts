/**
 * Loopback servers and small utilities for the A2A tests. Every server listens on a port the OS
 * picks and closes all of its connections on close(), so suites never leak sockets or ports.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect } from "vitest";
import { AgentCard as A2AAgentCardCodec, SSE_HEADERS, formatSSEEvent } from "@a2a-js/sdk";
import {
  DefaultRequestHandler,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  UnauthenticatedUser,
  defaultServerCallContextBuilder,
  type AgentExecutor,
} from "@a2a-js/sdk/server";
import type { AgentCard } from "../../src/a2a/agent-card.js";

/** A promise with its resolve exposed: the tests' only synchronization primitive. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Registers a process 'unhandledRejection' listener for the file and asserts none fired. */
export function expectNoUnhandledRejections(): void {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  beforeAll(() => {
    process.on("unhandledRejection", listener);
  });
  afterAll(() => {
    process.off("unhandledRejection", listener);
    expect(seen).toEqual([]);
  });
}

export async function readRequestBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export interface LoopbackServer extends AsyncDisposable {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 with an OS-assigned port. */
export async function startHttpServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void | Promise<void>,
): Promise<LoopbackServer> {
  const server = createServer((request, response) => {
    Promise.resolve(handler(request, response)).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return { server, url: `http://127.0.0.1:${port}`, port, close, [Symbol.asyncDispose]: close };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = await startHttpServer(() => undefined);
  const port = server.port;
  await server.close();
  return port;
}

/** Our AgentCard for a base URL. */
export function cardFor(url: string, id = "test-agent", extra: Partial<AgentCard> = {}): AgentCard {
  return { identity: { id, name: id }, service: { endpoint: url }, ...extra };
}

/** The A2A card JSON of a v1.0 JSON-RPC agent whose interface is at `rpcUrl`. */
export function a2aCardJson(rpcUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Fault Agent",
    description: "test",
    version: "1.0.0",
    supportedInterfaces: [{ url: rpcUrl, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
    capabilities: { streaming: true },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    ...extra,
  };
}

export interface FaultServer extends LoopbackServer {
  readonly card: AgentCard;
  /** How many times the A2A card was fetched. */
  readonly cardFetches: number;
  /** Headers of the last JSON-RPC request. */
  readonly lastRpcHeaders: IncomingMessage["headers"] | undefined;
}

/**
 * Serves a valid A2A card at /.well-known/agent-card.json and hands every POST /rpc (with its
 * parsed JSON-RPC body) to `onRpc`, which may misbehave in any way.
 */
export async function startFaultServer(
  onRpc: (
    rpc: { id: unknown; method: string; params: unknown },
    request: IncomingMessage,
    response: ServerResponse,
  ) => void | Promise<void>,
  options: { card?: (rpcUrl: string) => unknown } = {},
): Promise<FaultServer> {
  let cardFetches = 0;
  let lastRpcHeaders: IncomingMessage["headers"] | undefined;
  let baseUrl = "";
  const loopback = await startHttpServer(async (request, response) => {
    if (request.method === "GET" && request.url === "/.well-known/agent-card.json") {
      cardFetches += 1;
      const card = options.card ? options.card(`${baseUrl}/rpc`) : a2aCardJson(`${baseUrl}/rpc`);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(typeof card === "string" ? card : JSON.stringify(card));
      return;
    }
    if (request.method === "POST" && request.url === "/rpc") {
      lastRpcHeaders = request.headers;
      const body = JSON.parse(await readRequestBody(request)) as {
        id: unknown;
        method: string;
        params: unknown;
      };
      await onRpc(body, request, response);
      return;
    }
    response.writeHead(404);
    response.end();
  });
  baseUrl = loopback.url;
  return Object.defineProperties(loopback, {
    card: { value: cardFor(loopback.url, "fault-agent") },
    cardFetches: { get: () => cardFetches },
    lastRpcHeaders: { get: () => lastRpcHeaders },
  }) as FaultServer;
}

export function jsonResponse(response: ServerResponse, body: unknown, status = 200): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

export function sseHead(response: ServerResponse): void {
  response.writeHead(200, SSE_HEADERS);
  response.flushHeaders();
}

export function sseFrame(response: ServerResponse, payload: unknown): void {
  response.write(formatSSEEvent(payload));
}

export interface SdkAgent extends LoopbackServer {
  readonly card: AgentCard;
  readonly lastHeaders: IncomingMessage["headers"] | undefined;
}

/**
 * An agent written with the plain @a2a-js/sdk server (DefaultRequestHandler + InMemoryTaskStore +
 * JsonRpcTransportHandler) on a minimal node:http adapter: the reference implementation our client
 * must interoperate with.
 */
export async function startSdkAgent(executor: AgentExecutor): Promise<SdkAgent> {
  let lastHeaders: IncomingMessage["headers"] | undefined;
  const card = A2AAgentCardCodec.fromJSON(a2aCardJson("", { name: "SDK Agent" }));
  const transport = new JsonRpcTransportHandler(
    new DefaultRequestHandler(card, new InMemoryTaskStore(), executor),
  );
  const loopback = await startHttpServer(async (request, response) => {
    if (request.method === "GET" && request.url === "/.well-known/agent-card.json") {
      jsonResponse(response, A2AAgentCardCodec.toJSON(card));
      return;
    }
    lastHeaders = request.headers;
    const context = defaultServerCallContextBuilder({
      extensions: undefined,
      user: new UnauthenticatedUser(),
      headers: request.headers,
      requestedVersion: request.headers["a2a-version"] as string | undefined,
    });
    const result = await transport.handle(await readRequestBody(request), context);
    if (Symbol.asyncIterator in result) {
      sseHead(response);
      for await (const event of result) sseFrame(response, event);
      response.end();
    } else {
      jsonResponse(response, result);
    }
  });
  const iface = card.supportedInterfaces[0];
  if (iface) iface.url = `${loopback.url}/rpc`;
  return Object.defineProperties(loopback, {
    card: { value: cardFor(loopback.url, "sdk-agent") },
    lastHeaders: { get: () => lastHeaders },
  }) as SdkAgent;
}

/** Drains an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Resolves with the error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; context?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; context?: Record<string, unknown> };
  }
  throw new Error("expected the promise to reject");
}
