/** What every command shares: the output streams, the failure it reports, option parsers, the database. */
import { CONFIG_NUMBERS } from "../validation.js";
import { InvalidArgumentError } from "commander";
import { Database } from "../storage/database.js";

export const DEFAULT_DATABASE_URL = "sqlite:///omniforge.db";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
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

/** Resolves on SIGINT or SIGTERM. */
export function waitForShutdown(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}
