/**
 * Misbehaving A2A agents for the fault-injection suite: each is a real HTTP server on loopback
 * (the fault servers of test/helpers/a2a.ts) that serves a valid v1.0 card and then fails one
 * particular way on SendMessage and on SendStreamingMessage alike.
 */
import type { ServerResponse } from "node:http";
import type { AgentCard } from "../../../src/a2a/agent-card.js";
import { ErrorCode } from "../../../src/errors.js";
import {
  a2aCardJson,
  cardFor,
  closedPort,
  jsonResponse,
  sseFrame,
  sseHead,
  startFaultServer,
} from "../../helpers/a2a.js";

/** The largest response the suite's A2AClient accepts; the oversized fault sends 4x this. */
export const MAX_RESPONSE_BYTES = 256 * 1024;

export interface FaultAgent {
  readonly card: AgentCard;
  close(): Promise<void>;
}

export interface Fault {
  name: string;
  /** The error code every path must report. */
  code: ErrorCode;
  /** Whether the failure is the deadline (the case then takes about one timeout). */
  timesOut: boolean;
  /** The JSON-RPC error code the failure must carry, when the agent sent one. */
  rpcCode?: number;
  start(id: string): Promise<FaultAgent>;
}

type Rpc = { id: unknown; method: string; params: unknown };
const isStream = (rpc: Rpc): boolean => rpc.method === "SendStreamingMessage";

const taskFrame = (id: unknown, state = "TASK_STATE_SUBMITTED") => ({
  jsonrpc: "2.0",
  id,
  result: { task: { id: "t1", contextId: "c1", status: { state } } },
});
const workingFrame = (id: unknown) => ({
  jsonrpc: "2.0",
  id,
  result: { statusUpdate: { taskId: "t1", contextId: "c1", status: { state: "TASK_STATE_WORKING" } } },
});
const chunkFrame = (id: unknown, text: string, append: boolean) => ({
  jsonrpc: "2.0",
  id,
  result: {
    artifactUpdate: {
      taskId: "t1",
      contextId: "c1",
      artifact: { artifactId: "a1", parts: [{ text, mediaType: "text/plain" }] },
      append,
    },
  },
});
const completedTask = (id: unknown, text: string) => ({
  jsonrpc: "2.0",
  id,
  result: {
    task: {
      id: "t1",
      contextId: "c1",
      status: { state: "TASK_STATE_COMPLETED" },
      artifacts: [{ artifactId: "a1", parts: [{ text, mediaType: "text/plain" }] }],
    },
  },
});

/** Responses left open by a fault are ended when its server closes (closeAllConnections). */
async function faultServer(
  id: string,
  onRpc: (rpc: Rpc, response: ServerResponse) => void,
  card?: (rpcUrl: string) => unknown,
): Promise<FaultAgent> {
  const server = await startFaultServer(
    (rpc, _request, response) => onRpc(rpc, response),
    card ? { card } : {},
  );
  return { card: cardFor(server.url, id), close: () => server.close() };
}

/** Writes `text` one byte per `everyMs`, stopping when the client goes away. */
function drip(response: ServerResponse, text: string, everyMs: number): void {
  let offset = 0;
  const timer = setInterval(() => {
    if (response.destroyed || offset >= text.length) {
      clearInterval(timer);
      if (!response.destroyed) response.end();
      return;
    }
    response.write(text[offset++]);
  }, everyMs);
  response.on("close", () => clearInterval(timer));
}

export const FAULTS: readonly Fault[] = [
  {
    name: "connection refused",
    code: ErrorCode.AGENT_UNAVAILABLE,
    timesOut: false,
    async start(id) {
      return { card: cardFor(`http://127.0.0.1:${await closedPort()}`, id), close: async () => {} };
    },
  },
  {
    name: "hang (accepts, never answers)",
    code: ErrorCode.AGENT_TIMEOUT,
    timesOut: true,
    start: (id) => faultServer(id, () => undefined),
  },
  {
    name: "HTTP 500",
    code: ErrorCode.AGENT_UNAVAILABLE,
    timesOut: false,
    start: (id) => faultServer(id, (_rpc, response) => jsonResponse(response, { error: "boom" }, 500)),
  },
  {
    name: "malformed JSON",
    code: ErrorCode.AGENT_PROTOCOL_ERROR,
    timesOut: false,
    start: (id) =>
      faultServer(id, (rpc, response) => {
        if (!isStream(rpc)) return jsonResponse(response, '{"jsonrpc":"2.0","result":{"task":');
        sseHead(response);
        response.end('data: {"jsonrpc":"2.0","result":{"task":\n\n');
      }),
  },
  {
    name: "JSON-RPC error",
    code: ErrorCode.AGENT_PROTOCOL_ERROR,
    timesOut: false,
    rpcCode: -32603,
    start: (id) =>
      faultServer(id, (rpc, response) => {
        const error = { jsonrpc: "2.0", id: rpc.id, error: { code: -32603, message: "Internal error" } };
        if (!isStream(rpc)) return jsonResponse(response, error);
        // Mid-stream, the way the SDK's server reports a failure once the stream has begun.
        sseHead(response);
        sseFrame(response, taskFrame(rpc.id));
        response.end(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
      }),
  },
  {
    name: "stream dropped mid-way",
    code: ErrorCode.AGENT_UNAVAILABLE,
    timesOut: false,
    start: (id) =>
      faultServer(id, (rpc, response) => {
        if (!isStream(rpc)) {
          const body = JSON.stringify(completedTask(rpc.id, "this answer never arrives whole"));
          response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
          response.write(body.slice(0, body.length >> 1));
        } else {
          sseHead(response);
          sseFrame(response, taskFrame(rpc.id));
          sseFrame(response, chunkFrame(rpc.id, "partial answer", false));
        }
        setTimeout(() => response.socket?.destroy(), 20);
      }),
  },
  {
    name: "endless stream",
    code: ErrorCode.AGENT_TIMEOUT,
    timesOut: true,
    start: (id) =>
      faultServer(id, (rpc, response) => {
        if (!isStream(rpc)) {
          // A body that never ends: whitespace is valid before JSON, so nothing fails early.
          response.writeHead(200, { "content-type": "application/json" });
          const timer = setInterval(() => response.write(" "), 10);
          response.on("close", () => clearInterval(timer));
          return;
        }
        sseHead(response);
        sseFrame(response, taskFrame(rpc.id));
        let n = 0;
        const timer = setInterval(() => {
          sseFrame(response, n % 2 === 0 ? workingFrame(rpc.id) : chunkFrame(rpc.id, `tick ${n}`, n > 1));
          n += 1;
        }, 10);
        response.on("close", () => clearInterval(timer));
      }),
  },
  {
    name: "slow drip",
    code: ErrorCode.AGENT_TIMEOUT,
    timesOut: true,
    start: (id) =>
      faultServer(id, (rpc, response) => {
        if (!isStream(rpc)) {
          const body = JSON.stringify(completedTask(rpc.id, "eventually"));
          response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
          drip(response, body, 25);
          return;
        }
        sseHead(response);
        drip(response, `data: ${JSON.stringify(chunkFrame(rpc.id, "eventually", false))}\n\n`, 25);
      }),
  },
  {
    name: "oversized body",
    code: ErrorCode.AGENT_RESPONSE_TOO_LARGE,
    timesOut: false,
    start: (id) =>
      faultServer(id, (rpc, response) => {
        const huge = "x".repeat(MAX_RESPONSE_BYTES * 4);
        if (!isStream(rpc)) {
          // Chunked, no content-length: the limit must hold while reading, not only up front.
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify(completedTask(rpc.id, huge)));
          return;
        }
        sseHead(response);
        sseFrame(response, taskFrame(rpc.id));
        sseFrame(response, chunkFrame(rpc.id, huge, false));
        response.end();
      }),
  },
  {
    // v0.3 and v1.0 are spoken (#11); v0.2 and older are not.
    name: "card advertises only protocol 0.2",
    code: ErrorCode.AGENT_CARD_INVALID,
    timesOut: false,
    start: (id) =>
      faultServer(
        id,
        (rpc, response) => jsonResponse(response, completedTask(rpc.id, "never reached")),
        (rpcUrl) =>
          a2aCardJson(rpcUrl, {
            supportedInterfaces: [{ url: rpcUrl, protocolBinding: "JSONRPC", protocolVersion: "0.2" }],
          }),
      ),
  },
  {
    name: "responses reject A2A-Version 1.0",
    code: ErrorCode.AGENT_PROTOCOL_ERROR,
    timesOut: false,
    rpcCode: -32009,
    start: (id) =>
      faultServer(id, (rpc, response) =>
        jsonResponse(response, {
          jsonrpc: "2.0",
          id: rpc.id,
          error: {
            code: -32009,
            message: "Version not supported: 1.0",
            data: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "VERSION_NOT_SUPPORTED" }],
          },
        }),
      ),
  },
];
