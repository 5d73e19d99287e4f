import pg from "pg";
import {
  PostgresDialect,
  sql,
  type Kysely,
  type ColumnDefinitionBuilder,
  type Dialect,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from "kysely";
import type { StorageBackend } from "../storage-backend.js";

export interface PostgresBackendConfig {
  connectionString: string;
  /** Pool size. */
  maxConnections: number;
}

/** Distinct SQL texts given a server-side prepared statement; OmniForge issues a small fixed set. */
const NAMED_STATEMENT_LIMIT = 1_000;
/** Only plannable statements can be prepared; DDL and transaction control run unnamed. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * Kysely sends every query unnamed, so the server parses and plans it each time — for
 * OmniForge's small queries that is most of their cost. Naming each distinct SQL text makes `pg`
 * prepare it once per connection and reuse the plan afterwards.
 */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < NAMED_STATEMENT_LIMIT && PREPARABLE.test(text)) {
      name = `omniforge_${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      const query = ((textOrCursor: string | PostgresCursor<unknown>, values?: ReadonlyArray<unknown>) => {
        if (typeof textOrCursor !== "string") return client.query(textOrCursor as never);
        const name = nameOf(textOrCursor);
        return client.query(
          name === undefined
            ? { text: textOrCursor, values: values as unknown[] }
            : { name, text: textOrCursor, values: values as unknown[] },
        ) as unknown as Promise<PostgresQueryResult<unknown>>;
      }) as PostgresPoolClient["query"];
      return { query, release: () => client.release() };
    },
    end: () => pool.end(),
  };
}

/** Session-level advisory lock key that serializes OmniForge migrations across processes. */
const MIGRATION_LOCK_KEY = 774_226_001;

export class PostgresBackend implements StorageBackend {
  readonly kind = "postgres" as const;
  readonly autoIncrementType = "bigserial" as const;
  readonly #config: Readonly<PostgresBackendConfig>;

  constructor(config: PostgresBackendConfig) {
    this.#config = Object.freeze({ ...config });
  }

  createDialect(): Dialect {
    const pool = new pg.Pool({
      connectionString: this.#config.connectionString,
      max: this.#config.maxConnections,
    });
    // An idle client that loses its server emits 'error' on the pool; without a listener that
    // would crash the process. The next query surfaces the failure instead.
    pool.on("error", () => {});
    return new PostgresDialect({ pool: withNamedStatements(pool) });
  }

  autoIncrement(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
    return column.primaryKey();
  }

  async withMigrationLock(db: Kysely<unknown>, migrate: () => Promise<void>): Promise<void> {
    await db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(connection);
      try {
        await migrate();
      } finally {
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(connection);
      }
    });
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: unknown } | null)?.code === "23505";
  }

  isTransientConflict(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    // serialization_failure, deadlock_detected
    return code === "40001" || code === "40P01";
  }
}
