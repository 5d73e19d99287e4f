import { Kysely, Migrator, type Migration, type MigrationProvider, type Transaction } from "kysely";
import { configNumber } from "../validation.js";
import { ConfigurationError, StorageError, isOrchestrationError } from "../errors.js";
import { MIGRATIONS } from "./migrations/index.js";
import { parseDatabaseUrl, type DatabaseLocation } from "./database-url.js";
import { PostgresBackend } from "./postgres/postgres-backend.js";
import type { OmniForgeSchema } from "./schema.js";
import { SqliteBackend } from "./sqlite/sqlite-backend.js";
import type { StorageBackend, StorageKind } from "./storage-backend.js";

export interface DatabaseConfig {
  /** SQLite: how long a writer waits on another process's lock. Default 5000. */
  busyTimeoutMs?: number;
  /** PostgreSQL: pool size. Default 10. */
  maxConnections?: number;
}

export const DEFAULT_DATABASE_CONFIG = Object.freeze({ busyTimeoutMs: 5_000, maxConnections: 10 });

const MIGRATION_ATTEMPTS = 5;

/**
 * One OmniForge database: a URL mapped to a backend (embedded SQLite or PostgreSQL), a Kysely
 * instance, and versioned migrations.
 *
 * ```ts
 * const database = new Database("sqlite:///omniforge.db");
 * await database.initialize(); // runs migrations; idempotent, safe across processes
 * ```
 */
export class Database {
  /** The backend this URL selected. */
  readonly kind: StorageKind;
  readonly #backend: StorageBackend;
  readonly #db: Kysely<OmniForgeSchema>;
  readonly #location: DatabaseLocation;
  #initialized: Promise<void> | undefined;
  #disposed: Promise<void> | undefined;

  constructor(url: string, config: DatabaseConfig = {}) {
    const { busyTimeoutMs, maxConnections } = { ...DEFAULT_DATABASE_CONFIG, ...config };
    configNumber(busyTimeoutMs, "nonNegativeInteger", "busyTimeoutMs");
    configNumber(maxConnections, "positiveInteger", "maxConnections");
    this.#location = parseDatabaseUrl(url);
    this.#backend =
      this.#location.kind === "sqlite"
        ? new SqliteBackend({ filename: this.#location.filename, busyTimeoutMs })
        : new PostgresBackend({ connectionString: this.#location.connectionString, maxConnections });
    this.kind = this.#backend.kind;
    this.#db = new Kysely<OmniForgeSchema>({ dialect: this.#backend.createDialect() });
  }

  /** The Kysely instance. Internal plumbing for repositories; prefer their methods. */
  get db(): Kysely<OmniForgeSchema> {
    if (this.#disposed) throw new ConfigurationError("Database has been closed");
    return this.#db;
  }

  /** The backend's driver-specific knowledge (unique violations, retryable conflicts). */
  get backend(): StorageBackend {
    return this.#backend;
  }

  /** For SQLite, the file path (or ":memory:"); undefined for PostgreSQL. */
  get filename(): string | undefined {
    return this.#location.kind === "sqlite" ? this.#location.filename : undefined;
  }

  /**
   * Runs pending migrations. Idempotent; concurrent calls share one run; two processes starting at
   * once are serialized (an advisory lock on PostgreSQL, one IMMEDIATE transaction on SQLite).
   */
  initialize(): Promise<void> {
    this.#initialized ??= this.#migrate().catch((error: unknown) => {
      this.#initialized = undefined;
      throw error;
    });
    return this.#initialized;
  }

  /** Names of the migrations applied so far, in order. */
  async appliedMigrations(): Promise<string[]> {
    const migrations = await this.#migrator(this.db).getMigrations();
    return migrations.filter((m) => m.executedAt !== undefined).map((m) => m.name);
  }

  /** Runs `fn` in a transaction. */
  transaction<T>(fn: (trx: Transaction<OmniForgeSchema>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /** Closes the connection or pool. Idempotent. */
  close(): Promise<void> {
    this.#disposed ??= this.#db.destroy();
    return this.#disposed;
  }

  /** @deprecated The same as {@link Database.close} (every other resource says `close()`). */
  dispose(): Promise<void> {
    return this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #migrate(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#backend.withMigrationLock(this.db as Kysely<unknown>, () => this.#runMigrator());
        return;
      } catch (error) {
        const root = error instanceof Error && error.cause !== undefined ? error.cause : error;
        const retryable = [error, root].some(
          (e) => this.#backend.isTransientConflict(e) || this.#backend.isUniqueViolation(e),
        );
        if (!retryable || attempt >= MIGRATION_ATTEMPTS) {
          if (isOrchestrationError(error)) throw error;
          throw new StorageError("STORAGE_ERROR", `Database migration failed: ${describe(error)}`, {
            cause: error,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
  }

  async #runMigrator(): Promise<void> {
    const { error, results } = await this.#migrator(this.db).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === "Error")?.migrationName;
      if (failed === undefined) throw error;
      throw new StorageError("STORAGE_ERROR", `Migration ${failed} failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  #migrator(db: Kysely<OmniForgeSchema>): Migrator {
    const backend = this.#backend;
    const provider: MigrationProvider = {
      getMigrations: () =>
        Promise.resolve(
          Object.fromEntries(MIGRATIONS.map(([name, factory]) => [name, factory(backend)])) as Record<
            string,
            Migration
          >,
        ),
    };
    return new Migrator({
      db,
      provider,
      migrationTableName: "omniforge_migrations",
      migrationLockTableName: "omniforge_migration_lock",
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
