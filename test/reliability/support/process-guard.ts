/**
 * Records every unhandled rejection and uncaught exception while a suite runs. `install()` in the
 * file's top level registers the hooks; `expectClean()` asserts nothing was recorded so far (call it
 * after each case to know which one leaked); the afterAll hook asserts it one last time.
 */
import { afterAll, beforeAll, expect } from "vitest";

export interface ProcessGuard {
  /** What was recorded so far (reasons / errors). */
  readonly seen: readonly unknown[];
  expectClean(label?: string): void;
}

export function installProcessGuard(): ProcessGuard {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  const onException = (error: unknown): void => {
    seen.push(error);
  };
  beforeAll(() => {
    process.on("unhandledRejection", onRejection);
    process.on("uncaughtException", onException);
  });
  afterAll(() => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
    expect(seen, "unhandled rejections / uncaught exceptions").toEqual([]);
  });
  return {
    seen,
    expectClean(label) {
      expect(seen, `unhandled rejections / uncaught exceptions${label ? ` after ${label}` : ""}`).toEqual([]);
    },
  };
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight; rejects with the first failure. */
export async function forEachLimited(
  count: number,
  limit: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** A full GC, when the runtime lets us ask for one (see `exposeGc`). */
export async function collectGarbage(): Promise<void> {
  const { setFlagsFromString } = await import("node:v8");
  const { runInNewContext } = await import("node:vm");
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}
