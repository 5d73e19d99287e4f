/**
 * Real A2A agents on loopback for the orchestration suites, built with serveAgent. Each records
 * what it received so tests can assert what crossed the wire.
 */
import type { IncomingHttpHeaders } from "node:http";
import { serveAgent, type ServedAgent, type AgentMessageContext } from "../../src/a2a/server/serve-agent.js";

export interface RecordingAgent {
  url: string;
  card: ServedAgent["card"];
  close(): Promise<void>;
  /** Every message context the handler saw (text, metadata, previousResults...). */
  received: AgentMessageContext[];
  /** The headers of every JSON-RPC request that reached the server (served or refused). */
  requestHeaders: IncomingHttpHeaders[];
  /** Set when the handler's signal fired (cancel or disconnect). */
  aborted: Promise<void>;
  wasAborted(): boolean;
}

export interface AgentBehaviour {
  id: string;
  /** What to answer (default: `${id}: ${text}`). */
  reply?: (ctx: AgentMessageContext) => string | string[];
  delayMs?: number;
  /** Never answer (until aborted). */
  hang?: boolean;
  fail?: string;
  onHandoffRequest?: Parameters<typeof serveAgent>[0]["onHandoffRequest"];
  onHandoffCancel?: Parameters<typeof serveAgent>[0]["onHandoffCancel"];
  /** Only requests carrying `Authorization: Bearer <token>` are served (others get 401). */
  bearerToken?: string;
  /** Called per message instead of the default behaviour (may return control). */
  handle?: (
    ctx: AgentMessageContext,
  ) => AsyncGenerator<string | { data: Record<string, unknown> }, void, undefined>;
}

export async function startAgent(behaviour: AgentBehaviour): Promise<RecordingAgent> {
  const received: AgentMessageContext[] = [];
  const requestHeaders: IncomingHttpHeaders[] = [];
  let markAborted: () => void = () => {};
  let abortedFlag = false;
  const aborted = new Promise<void>((resolve) => {
    markAborted = () => {
      abortedFlag = true;
      resolve();
    };
  });
  const agent = await serveAgent({
    card: { identity: { id: behaviour.id, name: behaviour.id, description: `test agent ${behaviour.id}` } },
    port: 0,
    host: "127.0.0.1",
    async *handleMessage(ctx) {
      received.push(ctx);
      ctx.signal.addEventListener("abort", markAborted, { once: true });
      if (behaviour.handle) {
        yield* behaviour.handle(ctx);
        return;
      }
      if (behaviour.delayMs) await sleep(behaviour.delayMs, ctx.signal);
      if (behaviour.hang) {
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        return;
      }
      if (behaviour.fail) throw new Error(behaviour.fail);
      const reply = behaviour.reply ? behaviour.reply(ctx) : `${behaviour.id}: ${ctx.text}`;
      for (const chunk of Array.isArray(reply) ? reply : [reply]) yield chunk;
    },
    ...(behaviour.onHandoffRequest ? { onHandoffRequest: behaviour.onHandoffRequest } : {}),
    ...(behaviour.onHandoffCancel ? { onHandoffCancel: behaviour.onHandoffCancel } : {}),
    authenticate: (headers) => {
      requestHeaders.push(headers);
      return (
        behaviour.bearerToken === undefined || headers.authorization === `Bearer ${behaviour.bearerToken}`
      );
    },
  });
  return {
    url: agent.url,
    card: agent.card,
    close: () => agent.close(),
    received,
    requestHeaders,
    aborted,
    wasAborted: () => abortedFlag,
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
