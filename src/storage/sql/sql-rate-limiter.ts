/**
 * Request counters shared by every replica, in the `rate_limits` table: one row per key, counting
 * hits in a fixed window. One upsert per hit is the whole protocol, so two gateways on one
 * database hand out one budget, not one each.
 */
import { sql } from "kysely";
import type { Database } from "../database.js";

/** A counter's state after a hit. */
export interface RateLimitHit {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

/** Rows whose window ended longer ago than this are swept. */
const MIN_SWEEP_AGE_MS = 10 * 60_000;
/** How often (at most) one process sweeps old rows. */
const SWEEP_INTERVAL_MS = 60_000;

export class SqlRateLimiter {
  readonly #database: Database;
  #lastSweep = 0;

  constructor(database: Database) {
    this.#database = database;
  }

  /** Counts one hit of `key` in the current `windowMs` window. */
  async hit(key: string, windowMs: number, now = Date.now()): Promise<RateLimitHit> {
    const windowStart = now - (now % windowMs);
    this.#maybeSweep(now, windowMs);
    // A hit stamped with an older window (a replica's clock slightly behind) counts in the
    // current one rather than resetting it.
    const row = await this.#database.db
      .insertInto("rate_limits")
      .values({ key, window_start: windowStart, count: 1 })
      .onConflict((conflict) =>
        conflict.column("key").doUpdateSet({
          count: sql<number>`case when excluded.window_start > rate_limits.window_start then 1 else rate_limits.count + 1 end`,
          window_start: sql<number>`case when excluded.window_start > rate_limits.window_start then excluded.window_start else rate_limits.window_start end`,
        }),
      )
      .returning(["count", "window_start"])
      .executeTakeFirstOrThrow();
    const start = Number(row.window_start);
    return { count: Number(row.count), resetMs: Math.max(0, start + windowMs - now) };
  }

  /** Hits of `key` in the current window, without counting one. */
  async peek(key: string, windowMs: number, now = Date.now()): Promise<RateLimitHit> {
    const windowStart = now - (now % windowMs);
    const row = await this.#database.db
      .selectFrom("rate_limits")
      .select(["count", "window_start"])
      .where("key", "=", key)
      .executeTakeFirst();
    if (!row || Number(row.window_start) < windowStart)
      return { count: 0, resetMs: windowStart + windowMs - now };
    return { count: Number(row.count), resetMs: Math.max(0, Number(row.window_start) + windowMs - now) };
  }

  #maybeSweep(now: number, windowMs: number): void {
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    const before = now - Math.max(MIN_SWEEP_AGE_MS, 2 * windowMs);
    // Housekeeping, off the request's path; a failure only delays it.
    this.#database.db
      .deleteFrom("rate_limits")
      .where("window_start", "<", before)
      .execute()
      .catch(() => undefined);
  }
}
