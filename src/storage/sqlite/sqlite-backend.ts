import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  SqliteDialect,
  sql,
  type ColumnDefinitionBuilder,
  type Dialect,
  type Kysely,
  type SqliteDatabase,
} from "kysely";
import type { StorageBackend } from "../storage-backend.js";

export interface SqliteBackendConfig {
  /** A file path, or ":memory:". */
  filename: string;
  /** How long a writer waits for another process's lock before failing. */
  busyTimeoutMs: number;
}

/** Distinct SQL texts kept compiled; OmniForge issues a small fixed set, so this is never reached in practice. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh, and compiling SQL costs as much as running these small
 * queries. Statements are reused per SQL text instead; one that is busy (an open iterate()) is
 * never handed out twice.
 */
function withStatementCache(connection: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close() {
      cache.clear();
      connection.close();
    },
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached !== undefined && !cached.busy) return cached;
      const statement = connection.prepare(sql);
      if (cached === undefined) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

export class SqliteBackend implements StorageBackend {
  readonly kind = "sqlite" as const;
  readonly autoIncrementType = "integer" as const;
  readonly #config: Readonly<SqliteBackendConfig>;

  constructor(config: SqliteBackendConfig) {
    this.#config = Object.freeze({ ...config });
  }

  createDialect(): Dialect {
    const { filename, busyTimeoutMs } = this.#config;
    if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
    const connection = new BetterSqlite3(filename, { timeout: busyTimeoutMs });
    if (filename !== ":memory:") connection.pragma("journal_mode = WAL");
    connection.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    connection.pragma("synchronous = NORMAL");
    connection.pragma("foreign_keys = ON");
    return new SqliteDialect({ database: withStatementCache(connection) });
  }

  autoIncrement(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
    return column.primaryKey().autoIncrement();
  }

  /**
   * Kysely runs SQLite migrations without a transaction and takes no lock. One IMMEDIATE
   * transaction around the whole run is the lock: a second process waits (busy timeout) for the
   * first to commit, then finds the migrations applied.
   */
  async withMigrationLock(db: Kysely<unknown>, migrate: () => Promise<void>): Promise<void> {
    await sql`begin immediate`.execute(db);
    try {
      await migrate();
      await sql`commit`.execute(db);
    } catch (error) {
      await sql`rollback`.execute(db).catch(() => undefined);
      throw error;
    }
  }

  isUniqueViolation(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
  }

  isTransientConflict(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
  }
}
