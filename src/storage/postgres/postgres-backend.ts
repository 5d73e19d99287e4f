import pg from "pg";
import { PostgresDialect, type ColumnDefinitionBuilder, type Dialect } from "kysely";
import type { StorageBackend } from "../storage-backend.js";

export interface PostgresBackendConfig {
  connectionString: string;
  /** Pool size. */
  maxConnections: number;
}

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
    return new PostgresDialect({ pool });
  }

  autoIncrement(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
    return column.primaryKey();
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
