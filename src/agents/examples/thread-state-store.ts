/**
 * Per-thread JSON state on disk for example agents: one file per thread (`<threadId>.json`),
 * written atomically (temp file + fsync + rename) so a crash leaves the old state or the new one,
 * never half of each. Thread ids are validated as UUIDs before they become part of a path.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { z } from "zod";
import { ValidationError } from "../../errors.js";
import { isUuid } from "../../validation.js";

/** Construction input of {@link ThreadStateStore}. */
export interface ThreadStateStoreConfig<T> {
  /** Directory holding the state files; created on first write. */
  dir: string;
  /** Validates what is read back; a file that does not match is ignored (and logged). */
  schema: z.ZodType<T>;
  logger?: Logger;
}

function isErrnoCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/** Durable per-thread state, one JSON file per thread. */
export class ThreadStateStore<T> {
  readonly #dir: string;
  readonly #schema: z.ZodType<T>;
  readonly #logger: Logger | undefined;
  #ready: Promise<unknown> | undefined;

  constructor(config: ThreadStateStoreConfig<T>) {
    this.#dir = path.resolve(config.dir);
    this.#schema = config.schema;
    this.#logger = config.logger;
  }

  /** The state of `threadId`, or undefined when there is none (or it is unreadable). */
  async load(threadId: string): Promise<T | undefined> {
    const file = this.#fileOf(threadId);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if (isErrnoCode(error, "ENOENT")) return undefined;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#logger?.warn({ threadId }, "ignoring a thread state file that is not JSON");
      return undefined;
    }
    const parsed = this.#schema.safeParse(json);
    if (!parsed.success) {
      this.#logger?.warn({ threadId }, "ignoring a thread state file with an unexpected shape");
      return undefined;
    }
    return parsed.data;
  }

  /** Replaces the state of `threadId` atomically. */
  async save(threadId: string, state: T): Promise<void> {
    const file = this.#fileOf(threadId);
    this.#ready ??= mkdir(this.#dir, { recursive: true });
    await this.#ready;
    const temp = `${file}.${randomUUID()}.tmp`;
    try {
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Removes the state of `threadId` (no-op when there is none). */
  async delete(threadId: string): Promise<void> {
    await rm(this.#fileOf(threadId), { force: true });
  }

  /** The first stored thread whose state matches `predicate` (a directory scan: for rare lookups). */
  async find(predicate: (state: T) => boolean): Promise<{ threadId: string; state: T } | undefined> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if (isErrnoCode(error, "ENOENT")) return undefined;
      throw error;
    }
    for (const name of names) {
      const threadId = name.endsWith(".json") ? name.slice(0, -".json".length) : "";
      if (!isUuid(threadId)) continue;
      const state = await this.load(threadId);
      if (state !== undefined && predicate(state)) return { threadId, state };
    }
    return undefined;
  }

  #fileOf(threadId: string): string {
    if (!isUuid(threadId)) throw new ValidationError("threadId", "must be a UUID");
    return path.join(this.#dir, `${threadId.toLowerCase()}.json`);
  }
}

/** Runs async work one at a time per key (e.g. per thread), in arrival order. */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier `run` with the same key has settled. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release: () => void = () => {};
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
