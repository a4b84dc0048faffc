// GET /devices/{id}/attendance with paging or an export Accept: the stored log of a watched terminal, else the relayed one.
import type { Context } from "hono";
import { decodeCursor, encodeCursor } from "../../shared/events";
import type { AttendanceRecord } from "../../shared/ops";
import type { DeviceRow } from "../db/devices";
import { runOp } from "../device-call";
import type { AppEnv } from "../http/app-env";
import { validationFailed } from "../http/errors";
import { isWatched, pageEvents, type EventFilter } from "./query";
import type { EventRow } from "./store";
import { exportFormat, streamExport } from "./stream";

type Args = Record<string, unknown>;

/** Records per JSON page when the caller gives `after` but no `limit`. */
export const DEFAULT_ATTENDANCE_PAGE = 1000;
const PAGE = 1000;
const OFFSET_PREFIX = "o1.";

/** A stored attendance record: the seed's fields, plus where it sits in the stored log. */
export interface StoredAttendance extends AttendanceRecord {
  id: string;
  seq: number;
  cursor: string;
  catch_up: boolean;
}

export const ATTENDANCE_COLUMNS = ["user_id", "timestamp", "status", "punch", "uid", "id", "seq", "cursor", "catch_up"] as const;

const toRecord = (r: EventRow): StoredAttendance => ({
  user_id: r.user_id,
  timestamp: r.timestamp,
  status: r.status ?? 0,
  punch: r.punch ?? 0,
  uid: r.uid ?? 0,
  id: r.id,
  seq: r.seq,
  cursor: encodeCursor(r.pos),
  catch_up: r.catch_up === 1,
});

/** The seed's filters as device-time bounds: `date` is the whole day, intersected with `from` and `to`. */
function bounds(args: Args): Pick<EventFilter, "userId" | "from" | "to"> {
  let from = args.from as string | undefined;
  let to = args.to as string | undefined;
  if (typeof args.date === "string") {
    const start = `${args.date} 00:00:00`;
    const end = `${args.date} 23:59:59`;
    from = from === undefined || from < start ? start : from;
    to = to === undefined || to > end ? end : to;
  }
  return { userId: args.user_id as string | undefined, from, to };
}

/**
 * docs/events.md §7. Undefined when the call is the seed's (no `after`, no `limit`, a JSON Accept): the caller then
 * relays it as before. Otherwise a whole Response: from the stored log when the terminal is watched, else the
 * terminal's log relayed once and paged (or streamed) here, so no answer has to be one huge JSON body.
 */
export async function pagedAttendance(c: Context<AppEnv>, device: DeviceRow, args: Args): Promise<Response | undefined> {
  const format = exportFormat(c);
  const { after, limit, ...filters } = args as Args & { after?: string; limit?: number };
  if (after === undefined && limit === undefined && format === undefined) return undefined;
  if (await isWatched(c.env.DB, device.id, device.site_id)) {
    const pos = after === undefined ? 0 : decodeCursor(after);
    if (pos === undefined) throw validationFailed([{ path: ["after"], message: "a cursor from an earlier answer (`next` or a record's `cursor`)" }]);
    const filter: EventFilter = { after: pos, sites: null, deviceId: device.id, type: "attendance", ...bounds(filters) };
    if (format) return streamExport(c, format, ATTENDANCE_COLUMNS, storedPages(c.env.DB, filter, limit));
    const rows = await pageEvents(c.env.DB, filter, limit ?? DEFAULT_ATTENDANCE_PAGE);
    const next = rows.length > 0 ? encodeCursor(rows[rows.length - 1]!.pos) : (after ?? null);
    return c.json({ success: true, data: rows.map(toRecord), next });
  }
  const offset = after === undefined ? 0 : decodeOffset(after);
  if (offset === undefined) throw validationFailed([{ path: ["after"], message: "a cursor from an earlier answer (`next`)" }]);
  const { records } = await runOp(c, device, "attendance.list", filters as never);
  const end = limit === undefined ? records.length : Math.min(records.length, offset + limit);
  const page = records.slice(offset, end);
  if (format) return streamExport(c, format, ["user_id", "timestamp", "status", "punch", "uid"], chunks(page));
  return c.json({ success: true, data: page, next: OFFSET_PREFIX + end.toString(36) });
}

async function* storedPages(db: D1Database, filter: EventFilter, limit?: number): AsyncGenerator<StoredAttendance[]> {
  let after = filter.after;
  let left = limit ?? Infinity;
  while (left > 0) {
    const rows = await pageEvents(db, { ...filter, after }, Math.min(PAGE, left));
    if (rows.length === 0) return;
    yield rows.map(toRecord);
    after = rows[rows.length - 1]!.pos;
    left -= rows.length;
    if (rows.length < PAGE) return;
  }
}

async function* chunks<T>(items: T[]): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += PAGE) yield items.slice(i, i + PAGE);
}

function decodeOffset(s: string): number | undefined {
  if (!s.startsWith(OFFSET_PREFIX) || !/^[0-9a-z]{1,8}$/.test(s.slice(OFFSET_PREFIX.length))) return undefined;
  return parseInt(s.slice(OFFSET_PREFIX.length), 36);
}
