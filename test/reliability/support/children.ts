/**
 * Child processes for the reliability suites: `node --import tsx <script>` with its stdout read
 * line by line, so a test can wait for a line, collect acknowledgements and kill -9 at will.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Every complete stdout line so far. */
  readonly lines: readonly string[];
  /** Resolves with the first line (from the start) that satisfies `match`. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves once `count` lines satisfy `match`. */
  waitForCount(match: (line: string) => boolean, count: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL, then wait for the exit. */
  kill9(): Promise<void>;
  /** Closes stdin and waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export function startChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.on("data", (chunk: Buffer) => {
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    notify();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
  });
  child.on("exit", notify);
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;

  const waitUntil = (done: () => boolean, what: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (done()) {
          finish();
          resolve();
        } else if (exited()) {
          finish();
          reject(
            new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before ${what}: ${stderr}`),
          );
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${what}; stderr: ${stderr}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    process: child,
    lines,
    async waitForLine(match, timeoutMs = 60_000) {
      await waitUntil(() => lines.some(match), "the expected line", timeoutMs);
      return lines.find(match)!;
    },
    async waitForCount(match, count, timeoutMs = 60_000) {
      await waitUntil(() => lines.filter(match).length >= count, `${count} matching lines`, timeoutMs);
    },
    async kill9() {
      if (exited()) return;
      const done = once(child, "exit");
      child.kill("SIGKILL");
      await done;
    },
    async stop(graceMs = 5_000) {
      if (exited()) return;
      const done = once(child, "exit");
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await done;
      clearTimeout(timer);
    },
  };
}
