// GET /events: every stored event the key can see, cursor-paginated or streamed; GET /events/devices: watch statuses.
import { Hono } from "hono";
import { decodeCursor, encodeCursor, type StoredEvent } from "../../shared/events";
import { requireRole } from "../auth/roles";
import { pageEvents, watchRows, type EventFilter } from "../events/query";
import { withAgentPresence } from "../events/presence";
import { EventsQuery } from "../events/schemas";
import { toStoredEvent } from "../events/store";
import { exportFormat, streamExport } from "../events/stream";
import type { AppEnv } from "../http/app-env";
import { validQuery } from "../http/body";

/** Page size of JSON answers when the caller gives no `limit`. */
export const DEFAULT_EVENTS_LIMIT = 100;
/** Rows read from D1 per step of a streamed export. */
export const STREAM_PAGE = 1000;

export const EVENT_COLUMNS = ["id", "seq", "cursor", "device_id", "type", "user_id", "uid", "timestamp", "status", "punch", "verify", "catch_up", "received_at", "site_id"] as const;

/** Pages of stored events after `filter.after`, until `limit` (undefined: all) are given. */
export async function* eventPages(db: D1Database, filter: EventFilter, limit?: number): AsyncGenerator<StoredEvent[]> {
  let after = filter.after;
  let left = limit ?? Infinity;
  while (left > 0) {
    const rows = await pageEvents(db, { ...filter, after }, Math.min(STREAM_PAGE, left));
    if (rows.length === 0) return;
    yield rows.map(toStoredEvent);
    after = rows[rows.length - 1]!.pos;
    left -= rows.length;
    if (rows.length < STREAM_PAGE) return;
  }
}

export const events = new Hono<AppEnv>()
  .get("/", requireRole("read"), async (c) => {
    const q = validQuery(c, EventsQuery);
    const filter: EventFilter = {
      after: q.after === undefined ? 0 : decodeCursor(q.after)!,
      sites: c.get("principal").sites,
      deviceId: q.device_id,
      type: q.type,
    };
    const format = exportFormat(c);
    if (format) return streamExport(c, format, EVENT_COLUMNS, eventPages(c.env.DB, filter, q.limit));
    const rows = await pageEvents(c.env.DB, filter, q.limit ?? DEFAULT_EVENTS_LIMIT);
    // docs/events.md §2: `next` is where to continue — the last event given, or the same cursor when none is new.
    const next = rows.length > 0 ? encodeCursor(rows[rows.length - 1]!.pos) : (q.after ?? null);
    return c.json({ success: true, data: rows.map(toStoredEvent), next });
  })
  .get("/devices", requireRole("read"), async (c) => {
    return c.json({ success: true, data: await withAgentPresence(c.env, await watchRows(c.env.DB, c.get("principal").sites)) });
  });
