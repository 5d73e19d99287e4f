import { ConfigurationError } from "../errors.js";

/** A parsed database URL: which backend, and how to reach it. */
export type DatabaseLocation =
  | { kind: "sqlite"; /** a file path, or ":memory:" */ filename: string }
  | { kind: "postgres"; connectionString: string };

const SQLITE_SCHEMES = new Set(["sqlite", "sqlite+aiosqlite", "sqlite3"]);
const POSTGRES_SCHEMES = new Set(["postgres", "postgresql"]);

/**
 * Parses the URLs {@link Database} accepts:
 * `sqlite::memory:`, `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite+aiosqlite:///x.db`,
 * `postgres://...` and `postgresql://...`. Anything else throws a {@link ConfigurationError} that
 * names the scheme (never the whole URL, which may hold a password).
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (typeof url !== "string" || url.trim() === "") {
    throw new ConfigurationError("Database URL must be a non-empty string", { context: { field: "url" } });
  }
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(url.trim());
  if (!match) {
    throw new ConfigurationError(
      "Database URL has no scheme: expected sqlite:///path.db, sqlite::memory: or postgres://...",
      { context: { field: "url" } },
    );
  }
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (SQLITE_SCHEMES.has(scheme)) return { kind: "sqlite", filename: parseSqlitePath(scheme, rest) };
  if (POSTGRES_SCHEMES.has(scheme)) {
    if (!rest.startsWith("//") || rest.length <= 2) {
      throw new ConfigurationError(
        `Malformed ${scheme} URL: expected ${scheme}://user:password@host:port/database`,
        {
          context: { field: "url", scheme },
        },
      );
    }
    try {
      new URL(url.trim());
    } catch (cause) {
      throw new ConfigurationError(`Malformed ${scheme} URL`, { cause, context: { field: "url", scheme } });
    }
    return { kind: "postgres", connectionString: url.trim() };
  }
  throw new ConfigurationError(
    `Unsupported database URL scheme "${scheme}": use sqlite:, sqlite+aiosqlite:, postgres: or postgresql:`,
    { context: { field: "url", scheme } },
  );
}

function parseSqlitePath(scheme: string, rest: string): string {
  if (rest === ":memory:" || rest === "///:memory:" || rest === "//:memory:") return ":memory:";
  // sqlite:///rel.db -> "rel.db"; sqlite:////abs.db -> "/abs.db" (SQLAlchemy convention).
  if (!rest.startsWith("///")) {
    throw new ConfigurationError(
      `Malformed ${scheme} URL: expected ${scheme}:///relative.db, ${scheme}:////absolute.db or ${scheme}::memory:`,
      { context: { field: "url", scheme } },
    );
  }
  const path = decodeURIComponent(rest.slice(3).split("?")[0]!);
  if (path === "" || path.endsWith("/")) {
    throw new ConfigurationError(`Malformed ${scheme} URL: no database file name`, {
      context: { field: "url", scheme },
    });
  }
  return path;
}
