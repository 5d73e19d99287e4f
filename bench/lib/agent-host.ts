/**
 * Child process that serves benchmark agents (built with serveAgent), so their CPU is not
 * charged to the process being measured — as in production, where agents are other services.
 *
 *   node --import tsx bench/lib/agent-host.ts '<AgentSpec[] as JSON>'
 *
 * Prints one line `ready <AgentCard[] as JSON>` once every agent listens; closes them and exits
 * when stdin ends (the parent exited or closed it) or on SIGTERM.
 */
import { serveAgent, type AgentMessageContext, type ServedAgent } from "../../src/index.js";
import { specIds, type AgentSpec } from "./agent-specs.js";

function waitForAbort(signal: AbortSignal, ms?: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function handlerFor(spec: AgentSpec, id: string) {
  switch (spec.kind) {
    case "reply":
      return async function* (ctx: AgentMessageContext) {
        yield `${id}: ${ctx.text}`;
      };
    case "stream":
      return async function* (ctx: AgentMessageContext) {
        for (let i = 1; i <= spec.chunks; i++)
          yield i === 1 ? `${id} on "${ctx.text}": part ${i}` : ` part ${i}`;
      };
    case "delay":
      return async function* (ctx: AgentMessageContext) {
        await waitForAbort(ctx.signal, spec.delayMs);
        yield `${id}: ${ctx.text}`;
      };
    case "hang":
      // eslint-disable-next-line require-yield -- it never answers, by design
      return async function* (ctx: AgentMessageContext) {
        await waitForAbort(ctx.signal);
      };
  }
}

const specs = JSON.parse(process.argv[2] ?? "[]") as AgentSpec[];
const agents: ServedAgent[] = [];
for (const spec of specs) {
  for (const id of specIds(spec)) {
    agents.push(
      await serveAgent({
        card: { identity: { id, name: id, description: `benchmark ${spec.kind} agent` } },
        handleMessage: handlerFor(spec, id),
        ...(spec.kind === "stream" ? { onHandoffRequest: () => ({ accepted: true }) } : {}),
        ...(spec.grpc ? { grpc: true } : {}),
      }),
    );
  }
}

let closing = false;
const shutdown = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  await Promise.allSettled(agents.map((agent) => agent.close()));
  process.exit(0);
};
process.stdin.on("end", () => void shutdown());
process.stdin.resume();
process.on("SIGTERM", () => void shutdown());
process.stdout.write(`ready ${JSON.stringify(agents.map((agent) => agent.card))}\n`);
