/** The turn timeline ({@link TurnTimelineStore}) in the `turn_events` table: one row per event. */
import type { AgentCallOutcome } from "../../orchestration/agent-call-audit.js";
import type {
  TurnEvent,
  TurnEventKind,
  TurnRecord,
  TurnTimelineStore,
  TurnTrigger,
} from "../../orchestration/turn-timeline.js";
import type { Database } from "../database.js";
import type { TurnEventsTable } from "../schema.js";
import { parseJsonObject, timestamp } from "./sql-values.js";

const DEFAULT_TURNS = 20;

export class SqlTurnTimelineStore implements TurnTimelineStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /** One multi-row insert per turn. */
  async record(turn: TurnRecord): Promise<void> {
    if (turn.events.length === 0) return;
    const startedAt = timestamp(turn.startedAt);
    const rows: TurnEventsTable[] = turn.events.map((event, seq) => ({
      tenant_id: turn.tenantId,
      thread_id: turn.threadId,
      turn_id: turn.turnId,
      seq,
      turn_trigger: turn.trigger,
      turn_started_at: startedAt,
      turn_duration_ms: turn.durationMs,
      kind: event.kind,
      at_ms: event.atMs,
      agent_id: event.agentId ?? null,
      duration_ms: event.durationMs ?? null,
      outcome: event.outcome ?? null,
      error_code: event.errorCode ?? null,
      detail: event.detail === undefined ? null : JSON.stringify(event.detail),
    }));
    await this.#database.db.insertInto("turn_events").values(rows).execute();
  }

  /** The newest `limit` turns of the thread, oldest first. */
  async list(query: { tenantId: string; threadId: string; limit?: number }): Promise<TurnRecord[]> {
    const { tenantId, threadId } = query;
    const db = this.#database.db;
    const rows = await db
      .selectFrom("turn_events")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("thread_id", "=", threadId)
      .where("turn_id", "in", (eb) =>
        eb
          .selectFrom("turn_events")
          .select("turn_id")
          .where("tenant_id", "=", tenantId)
          .where("thread_id", "=", threadId)
          .where("seq", "=", 0)
          .orderBy("turn_started_at", "desc")
          .orderBy("turn_id", "desc")
          .limit(query.limit ?? DEFAULT_TURNS),
      )
      .orderBy("turn_started_at", "asc")
      .orderBy("turn_id", "asc")
      .orderBy("seq", "asc")
      .execute();
    const turns: TurnRecord[] = [];
    for (const row of rows) {
      let turn = turns.at(-1);
      if (turn?.turnId !== row.turn_id) {
        turn = {
          tenantId: row.tenant_id,
          threadId: row.thread_id,
          turnId: row.turn_id,
          trigger: row.turn_trigger as TurnTrigger,
          startedAt: new Date(row.turn_started_at),
          durationMs: row.turn_duration_ms === null ? null : Number(row.turn_duration_ms),
          events: [],
        };
        turns.push(turn);
      }
      turn.events.push(eventOf(row));
    }
    return turns;
  }
}

function eventOf(row: TurnEventsTable): TurnEvent {
  return {
    kind: row.kind as TurnEventKind,
    atMs: Number(row.at_ms),
    ...(row.agent_id !== null ? { agentId: row.agent_id } : {}),
    ...(row.duration_ms !== null ? { durationMs: Number(row.duration_ms) } : {}),
    ...(row.outcome !== null ? { outcome: row.outcome as AgentCallOutcome } : {}),
    ...(row.error_code !== null ? { errorCode: row.error_code } : {}),
    ...(row.detail !== null ? { detail: parseJsonObject(row.detail) } : {}),
  };
}
