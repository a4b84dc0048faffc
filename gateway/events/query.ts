// Reading stored events: cursor-ordered pages for GET /events and the stored attendance log, and the watch statuses.
import type { EventType } from "../../shared/events";
import type { WatchRow } from "./schemas";
import type { EventRow } from "./store";

export interface EventFilter {
  /** Only positions after this one (a decoded cursor); 0 = from the start. */
  after: number;
  /** The caller's sites (null: every site). */
  sites: string[] | null;
  deviceId?: string;
  type?: EventType;
  userId?: string;
  /** Device-time bounds, inclusive ("YYYY-MM-DD HH:mm:ss"). */
  from?: string;
  to?: string;
}

/** The next `limit` events after `f.after`, oldest first (the global storing order, docs/events.md §2). */
export async function pageEvents(db: D1Database, f: EventFilter, limit: number): Promise<EventRow[]> {
  const where = ["pos > ?1"];
  const binds: unknown[] = [f.after];
  const add = (sql: string, value: unknown) => {
    binds.push(value);
    where.push(sql.replace("?", `?${binds.length}`));
  };
  if (f.sites !== null) add("site_id IN (SELECT value FROM json_each(?))", JSON.stringify(f.sites));
  if (f.deviceId !== undefined) add("device_id = ?", f.deviceId);
  if (f.type !== undefined) add("type = ?", f.type);
  if (f.userId !== undefined) add("user_id = ?", f.userId);
  if (f.from !== undefined) add("timestamp >= ?", f.from);
  if (f.to !== undefined) add("timestamp <= ?", f.to);
  binds.push(limit);
  const sql = `SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY pos LIMIT ?${binds.length}`;
  const { results } = await db.prepare(sql).bind(...binds).all<EventRow>();
  return results;
}

/** A watch row as D1 keeps it, with its site; GET /events/devices adds the agent's presence (events/presence.ts). */
export type StoredWatchRow = Omit<WatchRow, "agent_connected"> & { site_id: string };
type RawWatchRow = Omit<StoredWatchRow, "last_log_reset"> & { last_log_reset: string | null };

/** Watch rows of the devices registered to `sites` (null: all), by device id, as stored (the agent's last reports). */
export async function watchRows(db: D1Database, sites: string[] | null, deviceId?: string): Promise<StoredWatchRow[]> {
  const { results } = await db
    .prepare(
      `SELECT w.* FROM event_devices w JOIN devices d ON d.id = w.device_id AND d.site_id = w.site_id
       WHERE (?1 IS NULL OR w.site_id IN (SELECT value FROM json_each(?1))) AND (?2 IS NULL OR w.device_id = ?2) ORDER BY w.device_id`,
    )
    .bind(sites === null ? null : JSON.stringify(sites), deviceId ?? null)
    .all<RawWatchRow>();
  return results.map((r) => ({ ...r, last_log_reset: r.last_log_reset === null ? null : (JSON.parse(r.last_log_reset) as WatchRow["last_log_reset"]) }));
}

/** True when the agent has imported `deviceId`'s whole log once, so the stored log answers for it (docs/events.md §7). */
export async function isWatched(db: D1Database, deviceId: string, siteId: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT caught_up_at FROM event_devices WHERE device_id = ? AND site_id = ? AND caught_up_at IS NOT NULL")
    .bind(deviceId, siteId)
    .first<{ caught_up_at: string }>();
  return row !== null;
}
