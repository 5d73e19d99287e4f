/**
 * Where a served agent keeps its tasks. The SDK's own in-memory store grows forever; this module
 * gives {@link serveAgent} a bounded one by default (a size cap and a time to live, least recently
 * updated first out), and the SDK's `DatabaseTaskStore` on an OmniForge {@link Database} (SQLite or
 * PostgreSQL) with the same time to live, so tasks — one waiting for input included — survive a
 * restart and are shared by every replica of the agent.
 */
import { configNumber } from "../../validation.js";
import { randomBytes } from "node:crypto";
import type { ListTasksRequest, ListTasksResponse, Task } from "@a2a-js/sdk";
import type { ServerCallContext, TaskStore } from "@a2a-js/sdk/server";
import { resolveUserScope } from "@a2a-js/sdk/server";
import { RequestMalformedError } from "@a2a-js/sdk/errors";
import { DatabaseTaskStore } from "@a2a-js/sdk/server/database";
import type { Logger } from "pino";
import { ConfigurationError } from "../../errors.js";

/** The table the database store keeps tasks in (created by OmniForge's migrations). */
export const AGENT_TASKS_TABLE = "a2a_tasks";
/** Tasks kept in memory by default. */
export const DEFAULT_MAX_TASKS = 10_000;
/** How long a task is kept after its last update by default. */
export const DEFAULT_TASK_TTL_MS = 24 * 60 * 60_000;

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

/**
 * What the store needs of a Database (structural: any object with a Kysely `db` and `initialize()`,
 * so a caller's own Database-like object works too).
 */
export interface TaskDatabase {
  readonly db: unknown;
  initialize(): Promise<void>;
}

/** How a served agent keeps its tasks. */
export interface AgentTaskStoreConfig {
  /**
   * Keep tasks in this database (an initialized-or-not OmniForge `Database`, SQLite or PostgreSQL):
   * shared by every replica of the agent, kept over restarts. Default: in memory.
   */
  database?: TaskDatabase;
  /** In memory: the most tasks kept (least recently updated removed first). Default 10,000. */
  maxTasks?: number;
  /** Tasks not updated for this long are removed (both stores). Default 24 hours. */
  ttlMs?: number;
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  return value === undefined ? fallback : configNumber(value, "positiveInteger", `tasks.${field}`);
}

interface Entry {
  readonly scope: string;
  task: Task;
  updatedAt: number;
}

function scopeKey(context: ServerCallContext): string {
  return `${context.tenant ?? ""}\u0000${resolveUserScope(context)}`;
}

function entryKey(scope: string, taskId: string): string {
  return `${scope}\u0000${taskId}`;
}

/** A task's place in list order: its last status update (ms; 0 when it has none), then its id. */
interface ListPosition {
  readonly updated: number;
  readonly id: string;
}

function positionOf(task: Task): ListPosition {
  const updated = Date.parse(task.status?.timestamp ?? "");
  return { updated: Number.isNaN(updated) ? 0 : updated, id: task.id };
}

/** List order: most recently updated first, then id descending (code units, as the database sorts). */
function comesBefore(a: ListPosition, b: ListPosition): boolean {
  return a.updated !== b.updated ? a.updated > b.updated : a.id > b.id;
}

function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.updated, position.id])).toString("base64url");
}

function decodeCursor(token: string): ListPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !Number.isSafeInteger(value[0]) || typeof value[1] !== "string") {
    throw new RequestMalformedError("pageToken is not a page token this agent gave out");
  }
  return { updated: value[0] as number, id: value[1] };
}

/**
 * An in-memory TaskStore with a size cap and a time to live. Entries are kept in update order (a Map
 * keeps insertion order), so both the oldest and the expired ones are at the front: every save
 * removes what is due in O(1) amortized. Tasks are cloned in and out, as the SDK's own store does.
 */
export class BoundedTaskStore implements TaskStore {
  readonly maxTasks: number;
  readonly ttlMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(options: { maxTasks?: number; ttlMs?: number; now?: () => number } = {}) {
    this.maxTasks = positiveInteger(options.maxTasks, DEFAULT_MAX_TASKS, "maxTasks");
    this.ttlMs = positiveInteger(options.ttlMs, DEFAULT_TASK_TTL_MS, "ttlMs");
    this.#now = options.now ?? Date.now;
  }

  /** Tasks held now. */
  get size(): number {
    return this.#entries.size;
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const key = entryKey(scopeKey(context), taskId);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.updatedAt + this.ttlMs <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return structuredClone(entry.task);
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const scope = scopeKey(context);
    const key = entryKey(scope, task.id);
    this.#entries.delete(key);
    this.#entries.set(key, { scope, task: structuredClone(task), updatedAt: this.#now() });
    this.#evict();
  }

  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    this.#evict();
    const scope = scopeKey(context);
    const updatedAfter = params.statusTimestampAfter ? Date.parse(params.statusTimestampAfter) : undefined;
    const positioned: { task: Task; position: ListPosition }[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.scope !== scope) continue;
      const task = entry.task;
      if (params.contextId && task.contextId !== params.contextId) continue;
      if (params.status !== undefined && params.status !== 0 && task.status?.state !== params.status)
        continue;
      const position = positionOf(task);
      if (updatedAfter !== undefined && !(position.updated > updatedAfter)) continue;
      positioned.push({ task, position });
    }
    // Newest status first, then id descending. A page starts right after its cursor's position
    // (keyset paging, as the database store does), so a task updated between two pages moves
    // without making the ones after it vanish from the next page.
    positioned.sort((a, b) =>
      comesBefore(a.position, b.position) ? -1 : comesBefore(b.position, a.position) ? 1 : 0,
    );
    const totalSize = positioned.length;
    const cursor = params.pageToken ? decodeCursor(params.pageToken) : undefined;
    const after =
      cursor === undefined ? positioned : positioned.filter((entry) => comesBefore(cursor, entry.position));
    const pageSize = Math.min(params.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) || DEFAULT_PAGE_SIZE;
    const page = after.slice(0, pageSize);
    const last = page.at(-1);
    return {
      tasks: page.map(({ task }) => {
        const copy = structuredClone(task);
        if (!params.includeArtifacts) copy.artifacts = [];
        if (params.historyLength !== undefined) {
          copy.history = params.historyLength <= 0 ? [] : copy.history.slice(-params.historyLength);
        }
        return copy;
      }),
      nextPageToken: last !== undefined && after.length > page.length ? encodeCursor(last.position) : "",
      pageSize,
      totalSize,
    };
  }

  /** Removes expired tasks and, past the cap, the least recently updated. */
  #evict(): void {
    const expiredBefore = this.#now() - this.ttlMs;
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.maxTasks && entry.updatedAt > expiredBefore) break;
      this.#entries.delete(key);
    }
  }
}

/** A task store plus what it needs to be ready and to stop. */
export interface AgentTaskStore {
  readonly store: TaskStore;
  /** Where tasks live, for logs and errors. */
  readonly kind: "memory" | "database";
  /** Ready to serve (the database migrated). */
  ready(): Promise<void>;
  /** Stops the expiry sweep (waiting for one in progress, so the database can be disposed after). */
  close(): Promise<void>;
}

/** The task store {@link serveAgent} uses for `config`. */
export function createAgentTaskStore(config: AgentTaskStoreConfig = {}, logger?: Logger): AgentTaskStore {
  const ttlMs = positiveInteger(config.ttlMs, DEFAULT_TASK_TTL_MS, "ttlMs");
  if (config.database === undefined) {
    const store = new BoundedTaskStore({ maxTasks: config.maxTasks, ttlMs });
    return { store, kind: "memory", ready: () => Promise.resolve(), close: () => Promise.resolve() };
  }
  if (config.maxTasks !== undefined) {
    throw new ConfigurationError(
      "tasks.maxTasks applies to the in-memory store only; a database store is bounded by tasks.ttlMs",
      {
        context: { field: "tasks.maxTasks" },
      },
    );
  }
  const database = config.database;
  return new DatabaseAgentTaskStore(database, ttlMs, logger);
}

/** Kysely's surface as the sweep uses it (the Database's instance, typed loosely: a2a/ does not know its schema). */
interface SweepDb {
  deleteFrom(table: string): {
    where(
      column: string,
      op: string,
      value: unknown,
    ): {
      where(
        column: string,
        op: string,
        value: unknown,
      ): { executeTakeFirst(): Promise<{ numDeletedRows: bigint }> };
    };
  };
}

class DatabaseAgentTaskStore implements AgentTaskStore {
  readonly kind = "database";
  readonly store: TaskStore;
  readonly #database: TaskDatabase;
  readonly #ttlMs: number;
  readonly #logger: Logger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;

  constructor(database: TaskDatabase, ttlMs: number, logger: Logger | undefined) {
    this.#database = database;
    this.#ttlMs = ttlMs;
    this.#logger = logger;
    this.store = new DatabaseTaskStore(database.db as ConstructorParameters<typeof DatabaseTaskStore>[0], {
      tableName: AGENT_TASKS_TABLE,
    });
  }

  async ready(): Promise<void> {
    await this.#database.initialize();
    await this.sweep();
    // A jittered period, so replicas started together do not sweep together.
    const period =
      Math.max(1_000, Math.min(this.#ttlMs / 4, 10 * 60_000)) + (randomBytes(2).readUInt16BE() % 1_000);
    this.#timer = setInterval(() => void this.sweep(), period);
    this.#timer.unref();
  }

  /** Deletes the tasks whose last status update is older than the time to live. */
  sweep(): Promise<void> {
    this.#sweeping ??= (async () => {
      try {
        const db = this.#database.db as SweepDb;
        const result = await db
          .deleteFrom(AGENT_TASKS_TABLE)
          .where("status_last_updated", ">", 0)
          .where("status_last_updated", "<", Date.now() - this.#ttlMs)
          .executeTakeFirst();
        if (result.numDeletedRows > 0n) {
          this.#logger?.debug({ removed: Number(result.numDeletedRows) }, "expired agent tasks removed");
        }
      } catch (error) {
        this.#logger?.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "agent task sweep failed",
        );
      } finally {
        this.#sweeping = undefined;
      }
    })();
    return this.#sweeping;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping;
  }
}
