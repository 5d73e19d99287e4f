/** Starts benchmark agents in a child process (see agent-host.ts) and hands back their cards. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AgentCard } from "../../src/index.js";
import type { AgentSpec } from "./agent-specs.js";

export type { AgentSpec } from "./agent-specs.js";

export interface AgentHost extends AsyncDisposable {
  /** Every agent's card, in spec order (a spec with `count` expands in place). */
  readonly cards: AgentCard[];
  /** The cards of the agents whose id is `id` or starts with `${id}-`. */
  select(id: string): AgentCard[];
  /** CPU time the agent process has used so far (ms), or NaN where /proc is unavailable. */
  cpuMs(): number;
  close(): Promise<void>;
}

/** utime + stime of a process, from /proc (Linux); clock ticks are 100 Hz on every Linux we run on. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

const HOST = fileURLToPath(new URL("./agent-host.ts", import.meta.url));

export async function startAgentHost(specs: AgentSpec[]): Promise<AgentHost> {
  // OMNIFORGE_BENCH_AGENT_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the agents' side.
  const extra = process.env.OMNIFORGE_BENCH_AGENT_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...extra, "--import", "tsx", HOST, JSON.stringify(specs)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let buffer = "";
  const cards = await new Promise<AgentCard[]>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString("utf8");
      const newline = buffer.indexOf("\n");
      if (newline < 0) return;
      child.stdout.off("data", onData);
      const line = buffer.slice(0, newline);
      if (!line.startsWith("ready ")) reject(new Error(`agent host said: ${line}`));
      else resolve(JSON.parse(line.slice("ready ".length)) as AgentCard[]);
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`agent host exited (${code}) before it was ready`)));
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    })();
    return closing;
  };
  return {
    cards,
    cpuMs: () => processCpuMs(child.pid),
    select: (id) => cards.filter((card) => card.identity.id === id || card.identity.id.startsWith(`${id}-`)),
    close,
    [Symbol.asyncDispose]: close,
  };
}
