// Storing the agents' events in D1: once per stable id (dedupe key), a per-device seq, the watch statuses they report.
import { encodeCursor, eventId, type AgentEvent, type StoredEvent, type WatchStatus } from "../../shared/events";

/** A row of the events table (gateway/migrations/0004_events.sql). */
export interface EventRow {
  pos: number;
  id: string;
  site_id: string;
  device_id: string;
  seq: number;
  type: StoredEvent["type"];
  user_id: string;
  uid: number | null;
  timestamp: string;
  status: number | null;
  punch: number | null;
  verify: string | null;
  catch_up: number;
  received_at: string;
}

/** The served shape of a stored row. */
export function toStoredEvent(row: EventRow): StoredEvent {
  const e: StoredEvent = {
    id: row.id,
    seq: row.seq,
    cursor: encodeCursor(row.pos),
    site_id: row.site_id,
    device_id: row.device_id,
    type: row.type,
    user_id: row.user_id,
    timestamp: row.timestamp,
    catch_up: row.catch_up === 1,
    received_at: row.received_at,
  };
  if (row.uid !== null) e.uid = row.uid;
  if (row.status !== null) e.status = row.status;
  if (row.punch !== null) e.punch = row.punch;
  if (row.verify !== null) e.verify = JSON.parse(row.verify) as StoredEvent["verify"];
  return e;
}

export interface IngestResult {
  /** Events stored now (duplicates of stored ones are not in it), in storing order. */
  stored: StoredEvent[];
  duplicates: number;
  /** Events naming a device that is not (or no longer) registered to this site: dropped. */
  foreign: number;
}

/**
 * Stores a batch from the agent of `siteId`, in one D1 transaction: each event once by its stable id
 * (docs/events.md §3), each new one with the next seq of its device. An agent answers only for its site, so events
 * of devices registered elsewhere (or deleted) are dropped. Callers serialise calls per site (SiteRelay does), so
 * the seqs read here are still the last ones when the batch commits; the unique (device_id, seq) index would
 * refuse the batch otherwise, and the agent would send it again.
 */
export async function ingestEvents(db: D1Database, siteId: string, events: AgentEvent[], statuses: WatchStatus[] = [], now = new Date()): Promise<IngestResult> {
  const { results: own } = await db.prepare("SELECT id FROM devices WHERE site_id = ?").bind(siteId).all<{ id: string }>();
  const mine = new Set(own.map((r) => r.id));
  const withIds: Array<AgentEvent & { id: string }> = [];
  const seen = new Set<string>();
  let foreign = 0;
  for (const e of events) {
    if (!mine.has(e.device_id)) {
      foreign++;
      continue;
    }
    const id = await eventId(e);
    if (seen.has(id)) continue;
    seen.add(id);
    withIds.push({ ...e, id });
  }
  const existing = new Set<string>();
  if (withIds.length > 0) {
    const { results } = await db
      .prepare("SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(withIds.map((e) => e.id)))
      .all<{ id: string }>();
    for (const r of results) existing.add(r.id);
  }
  const fresh = withIds.filter((e) => !existing.has(e.id));
  const receivedAt = now.toISOString();
  const statements: D1PreparedStatement[] = [];
  if (fresh.length > 0) {
    const devices = [...new Set(fresh.map((e) => e.device_id))];
    const { results: tops } = await db
      .prepare("SELECT device_id, MAX(seq) AS top FROM events WHERE device_id IN (SELECT value FROM json_each(?)) GROUP BY device_id")
      .bind(JSON.stringify(devices))
      .all<{ device_id: string; top: number }>();
    const next = new Map(tops.map((r) => [r.device_id, r.top]));
    const rows = fresh.map((e) => {
      const seq = (next.get(e.device_id) ?? 0) + 1;
      next.set(e.device_id, seq);
      return [e.id, siteId, e.device_id, seq, e.type, e.user_id, e.uid ?? null, e.timestamp, e.status ?? null, e.punch ?? null, e.verify ? JSON.stringify(e.verify) : null, e.catch_up ? 1 : 0, receivedAt];
    });
    // One statement and one bound parameter for the whole batch (D1 caps parameters per statement), rows in order.
    statements.push(
      db
        .prepare(
          `INSERT INTO events (id, site_id, device_id, seq, type, user_id, uid, timestamp, status, punch, verify, catch_up, received_at)
           SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>11, value->>12
           FROM json_each(?) WHERE true ORDER BY key
           ON CONFLICT(id) DO NOTHING
           RETURNING *`,
        )
        .bind(JSON.stringify(rows)),
    );
    for (const [device, top] of next) {
      statements.push(
        db
          .prepare(
            // updated_at orders the agent's status reports (statusStatement): a seq update leaves it alone.
            `INSERT INTO event_devices (device_id, site_id, last_seq, updated_at) VALUES (?, ?, ?, '')
             ON CONFLICT(device_id) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq), site_id = excluded.site_id`,
          )
          .bind(device, siteId, top),
      );
    }
  }
  for (const s of statuses) if (mine.has(s.device_id)) statements.push(statusStatement(db, siteId, s, receivedAt));
  if (statements.length === 0) return { stored: [], duplicates: withIds.length - fresh.length, foreign };
  const out = await db.batch<EventRow>(statements);
  const rows = fresh.length > 0 ? [...(out[0]?.results ?? [])].sort((a, b) => a.pos - b.pos) : [];
  return { stored: rows.map(toStoredEvent), duplicates: withIds.length - rows.length, foreign };
}

/**
 * A watch status the agent reported. Statuses travel in the agent's outbox and may be re-sent out of order, so
 * an older report (by `updated_at`, the agent's time) never overwrites a newer one; a log reset is counted once
 * per distinct report (docs/events.md §5).
 */
function statusStatement(db: D1Database, siteId: string, s: WatchStatus, fallbackAt: string): D1PreparedStatement {
  const at = s.at ?? fallbackAt;
  const reset = s.log_reset ? JSON.stringify(s.log_reset) : null;
  return db
    .prepare(
      `INSERT INTO event_devices (device_id, site_id, state, log_records, caught_up_at, log_resets, last_log_reset, error, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?6 IS NULL THEN 0 ELSE 1 END, ?6, ?7, ?8)
       ON CONFLICT(device_id) DO UPDATE SET
         site_id = excluded.site_id,
         state = CASE WHEN excluded.updated_at >= event_devices.updated_at THEN excluded.state ELSE event_devices.state END,
         error = CASE WHEN excluded.updated_at >= event_devices.updated_at THEN excluded.error ELSE event_devices.error END,
         log_records = COALESCE(excluded.log_records, event_devices.log_records),
         caught_up_at = NULLIF(MAX(COALESCE(excluded.caught_up_at, ''), COALESCE(event_devices.caught_up_at, '')), ''),
         log_resets = event_devices.log_resets + CASE WHEN ?6 IS NOT NULL AND ?6 IS NOT event_devices.last_log_reset THEN 1 ELSE 0 END,
         last_log_reset = COALESCE(?6, event_devices.last_log_reset),
         updated_at = MAX(excluded.updated_at, event_devices.updated_at)`,
    )
    .bind(s.device_id, siteId, s.state, s.log_records ?? null, s.caught_up_at ?? null, reset, s.error ?? null, at);
}
