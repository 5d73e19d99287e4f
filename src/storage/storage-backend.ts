/**
 * What differs between SQL backends, behind one small interface (one implementation per
 * backend folder). The core never imports a driver: it asks the backend.
 */
import type { ColumnDefinitionBuilder, Dialect, Kysely } from "kysely";

export type StorageKind = "sqlite" | "postgres";

export interface StorageBackend {
  readonly kind: StorageKind;
  /** Builds the Kysely dialect (opens the connection or pool). */
  createDialect(): Dialect;
  /** Adds an auto-incrementing integer primary key column's type to a column being created. */
  readonly autoIncrementType: "integer" | "bigserial";
  /** Completes an auto-increment column definition (SQLite needs AUTOINCREMENT). */
  autoIncrement(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** True when `error` is a unique-constraint violation from this backend's driver. */
  isUniqueViolation(error: unknown): boolean;
  /** True when `error` is a transient lock conflict worth retrying (SQLITE_BUSY, serialization failure). */
  isTransientConflict(error: unknown): boolean;
  /**
   * Runs `migrate` holding this backend's cross-process migration lock (PostgreSQL: an advisory
   * lock; SQLite: one IMMEDIATE transaction around the whole run), so that processes starting at
   * once migrate one after the other.
   */
  withMigrationLock(db: Kysely<unknown>, migrate: () => Promise<void>): Promise<void>;
}
