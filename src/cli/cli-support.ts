/** What every command shares: the output streams, the failure it reports, option parsers, the database. */
import { CONFIG_NUMBERS } from "../validation.js";
import { InvalidArgumentError } from "commander";
import { readFileSync } from "node:fs";
import { Database } from "../storage/database.js";

export const DEFAULT_DATABASE_URL = "sqlite:///omniforge.db";

/**
 * The installed package's version, read from its package.json at run time. This file is
 * src/cli/cli-support.ts or dist/cli/cli-support.js: the package root is two levels up either way.
 */
export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  const version = (manifest as { version?: unknown }).version;
  if (typeof version !== "string") throw new CliFailure("package.json has no version");
  return version;
}

/** What a run of the CLI reads and writes: tests pass their own, the binary passes the process's. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The environment variables settings are read from. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where `omniforge.config.json` is looked for and a relative `--config` path starts. Default: `process.cwd()`. */
  cwd?: string;
  /** Whether standard output is a terminal: logs are then pretty by default. Default: false. */
  isTTY?: boolean;
  /** Stops `serve` and `agent` when aborted, as SIGINT or SIGTERM do (for a CLI run in-process). */
  signal?: AbortSignal;
}

/** A command failed with a message already explained to the user. */
export class CliFailure extends Error {}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!CONFIG_NUMBERS.port.schema.safeParse(n).success)
    throw new InvalidArgumentError("must be a port number (0-65535)");
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!CONFIG_NUMBERS.positiveInteger.schema.safeParse(n).success)
    throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** Runs `fn` on a migrated database, closed afterwards. */
export async function withDatabase(url: string, fn: (database: Database) => Promise<void>): Promise<void> {
  const database = new Database(url);
  try {
    await database.initialize();
    await fn(database);
  } finally {
    await database.close();
  }
}

/** Resolves on SIGINT or SIGTERM, or when `signal` is aborted. */
export function waitForShutdown(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    if (signal?.aborted) return done();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    signal?.addEventListener("abort", done, { once: true });
  });
}
