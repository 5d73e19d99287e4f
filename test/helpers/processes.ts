/**
 * Child processes for the cross-process tests: a TypeScript worker run with tsx, whose stdout is
 * read line by line (workers print "ready", wait for a line on stdin, then report).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

export interface Worker {
  child: ChildProcess;
  /** Resolves with the worker's n-th stdout line (0-based); rejects if it exits first. */
  line(n: number): Promise<string>;
}

export function spawnWorker(script: string, args: readonly string[]): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => (buffer += chunk.toString()));
  const line = async (n: number): Promise<string> => {
    for (;;) {
      const lines = buffer.split("\n");
      if (lines.length > n + 1) return lines[n]!;
      if (child.exitCode !== null)
        throw new Error(`${script} exited (${child.exitCode}) before line ${n}: ${buffer}`);
      await Promise.race([once(child.stdout!, "data"), once(child, "exit")]);
    }
  };
  return { child, line };
}
