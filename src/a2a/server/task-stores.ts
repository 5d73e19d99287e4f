/**
 * Where a served agent keeps its tasks. The SDK's own in-memory store grows forever; this module
 * gives {@link serveAgent} a bounded one by default (caps on tasks and bytes, finished tasks out
 * first, and a time to live), and the SDK's `DatabaseTaskStore` on an OmniForge {@link Database} (SQLite or
 * PostgreSQL) with the same time to live, so tasks — one waiting for input included — survive a
 * restart and are shared by every replica of the agent.
 */
import { configNumber } from "../../validation.js";
import { randomBytes } from "node:crypto";
import { TaskState, type ListTasksRequest, type ListTasksResponse, type Task } from "@a2a-js/sdk";
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
/** The most the in-memory store holds by default, as estimated by {@link estimateTaskBytes}. */
export const DEFAULT_MAX_STORED_BYTES = 256 * 1024 * 1024;
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
  /**
   * In memory: the most tasks kept. Past it the least recently updated finished task goes, then the
   * least recently updated one waiting for input; a running task never does. Default 10,000.
   */
  maxTasks?: number;
  /**
   * In memory: the most the tasks may hold (their text and data, counted at two bytes a character,
   * an upper bound of what a JS string takes), removed in the same order as past `maxTasks`. While
   * running tasks alone hold it (or `maxTasks`), new messages are refused (`LIMIT_EXCEEDED`).
   * Default 256 MiB.
   */
  maxStoredBytes?: number;
  /** Tasks not updated for this long are removed (both stores). Default 24 hours. */
  ttlMs?: number;
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  return value === undefined ? fallback : configNumber(value, "positiveInteger", `tasks.${field}`);
}

/** Where a task stands for eviction: finished ones go first, then those waiting for input; running ones never. */
type Standing = "finished" | "waiting" | "running";

function standingOf(task: Task): Standing {
  switch (task.status?.state) {
    case TaskState.TASK_STATE_SUBMITTED:
    case TaskState.TASK_STATE_WORKING:
      return "running";
    case TaskState.TASK_STATE_INPUT_REQUIRED:
    case TaskState.TASK_STATE_AUTH_REQUIRED:
      return "waiting";
    default:
      return "finished";
  }
}

interface Entry {
  readonly key: string;
  readonly scope: string;
  readonly task: Task;
  readonly updatedAt: number;
  readonly bytes: number;
  readonly standing: Standing;
}

/**
 * An upper bound of the memory a stored task takes: two bytes a string character (V8 keeps a string
 * at one or two), the bytes of binary parts, and a generous allowance for every object, array slot,
 * key and scalar. Used for the store's byte budget, not reported anywhere.
 */
export function estimateTaskBytes(task: Task): number {
  return estimateBytes(task);
}

function estimateBytes(value: unknown): number {
  if (typeof value === "string") return 24 + 2 * value.length;
  if (value === null || typeof value !== "object") return 16;
  if (ArrayBuffer.isView(value)) return 96 + value.byteLength;
  if (Array.isArray(value)) {
    let bytes = 32 + 8 * value.length;
    for (const item of value) bytes += estimateBytes(item);
    return bytes;
  }
  let bytes = 64;
  for (const [key, item] of Object.entries(value)) bytes += 16 + estimateBytes(key) + estimateBytes(item);
  return bytes;
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

/** Construction input of a {@link BoundedTaskStore}. */
export interface BoundedTaskStoreConfig {
  maxTasks?: number;
  maxStoredBytes?: number;
  ttlMs?: number;
  /** The clock (ms), for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * An in-memory TaskStore with caps on tasks and bytes and a time to live. Entries are kept in one
 * queue per standing (finished, waiting, running), each in update order (a Map keeps insertion
 * order), so the oldest and the expired ones are at the fronts: every save removes what is due in
 * O(1) amortized, never scanning. Tasks are cloned in and out, as the SDK's own store does.
 */
export class BoundedTaskStore implements TaskStore {
  readonly maxTasks: number;
  readonly maxStoredBytes: number;
  readonly ttlMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #queues: Record<Standing, Map<string, Entry>> = {
    finished: new Map(),
    waiting: new Map(),
    running: new Map(),
  };
  #bytes = 0;
  #runningBytes = 0;
  readonly #now: () => number;

  constructor(config: BoundedTaskStoreConfig = {}) {
    this.maxTasks = positiveInteger(config.maxTasks, DEFAULT_MAX_TASKS, "maxTasks");
    this.maxStoredBytes = positiveInteger(config.maxStoredBytes, DEFAULT_MAX_STORED_BYTES, "maxStoredBytes");
    this.ttlMs = positiveInteger(config.ttlMs, DEFAULT_TASK_TTL_MS, "ttlMs");
    this.#now = config.now ?? Date.now;
  }

  /** Tasks held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** What the tasks held now take, as estimated by {@link estimateTaskBytes}. */
  get storedBytes(): number {
    return this.#bytes;
  }

  /**
   * True while running tasks alone fill the store (`maxStoredBytes` or `maxTasks`): nothing can be
   * removed to make room, so serveAgent refuses new messages until some finish.
   */
  get full(): boolean {
    return this.#runningBytes >= this.maxStoredBytes || this.#queues.running.size >= this.maxTasks;
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const entry = this.#entries.get(entryKey(scopeKey(context), taskId));
    if (entry === undefined) return undefined;
    if (entry.updatedAt + this.ttlMs <= this.#now()) {
      this.#remove(entry);
      return undefined;
    }
    return structuredClone(entry.task);
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    const scope = scopeKey(context);
    const key = entryKey(scope, task.id);
    const previous = this.#entries.get(key);
    if (previous !== undefined) this.#remove(previous);
    const copy = structuredClone(task);
    const entry: Entry = {
      key,
      scope,
      task: copy,
      updatedAt: this.#now(),
      bytes: estimateTaskBytes(copy),
      standing: standingOf(copy),
    };
    this.#entries.set(key, entry);
    this.#queues[entry.standing].set(key, entry);
    this.#bytes += entry.bytes;
    if (entry.standing === "running") this.#runningBytes += entry.bytes;
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

  /**
   * Removes expired tasks, then, while past a cap, the least recently updated finished task, else
   * the least recently updated one waiting for input. Running tasks stay (they expire only).
   */
  #evict(): void {
    const expiredBefore = this.#now() - this.ttlMs;
    for (const queue of Object.values(this.#queues)) {
      for (const entry of queue.values()) {
        if (entry.updatedAt > expiredBefore) break;
        this.#remove(entry);
      }
    }
    while (this.#entries.size > this.maxTasks || this.#bytes > this.maxStoredBytes) {
      const oldest =
        this.#queues.finished.values().next().value ?? this.#queues.waiting.values().next().value;
      if (oldest === undefined) break;
      this.#remove(oldest);
    }
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.key);
    this.#queues[entry.standing].delete(entry.key);
    this.#bytes -= entry.bytes;
    if (entry.standing === "running") this.#runningBytes -= entry.bytes;
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
    const store = new BoundedTaskStore({
      maxTasks: config.maxTasks,
      maxStoredBytes: config.maxStoredBytes,
      ttlMs,
    });
    return { store, kind: "memory", ready: () => Promise.resolve(), close: () => Promise.resolve() };
  }
  for (const field of ["maxTasks", "maxStoredBytes"] as const) {
    if (config[field] !== undefined) {
      throw new ConfigurationError(
        `tasks.${field} applies to the in-memory store only; a database store is bounded by tasks.ttlMs`,
        { context: { field: `tasks.${field}` } },
      );
    }
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
