// attendance.list: the terminal's log with the API's filters (user_id, date, from/to) applied on the agent.
import type { AttendanceRecord } from "../../shared/ops";
import type { OpHandler, OpInput } from "./types";
import { toAttendance } from "./map";

/**
 * The protocol has no server-side filter (docs/protocol.md §9.3): the whole log is read and filtered here, which keeps
 * the relay frame small. Records without a user_id (8-byte format, §9.1) get it from the user table, as pyzk does.
 */
export const listAttendance: OpHandler<"attendance.list"> = async (session, args, ctx) => {
  if (ctx?.extendDeadline && ctx.deadline !== undefined) {
    // docs/relay.md §4: the budget follows the log's size — one packet to count it, then the gateway is told how
    // long a log this large takes, so 50,000 records over UDP are not cut off at the usual bulk budget; requests
    // queued behind this read wait that much longer too. A log that fits the usual budget moves nothing.
    const { records } = await session.freeSizes();
    const needed = Date.now() + readEstimateMs(records, session.transport);
    if (needed > ctx.deadline) {
      ctx.extendDeadline(needed);
      ctx.expectBusyUntil?.(needed);
    }
  }
  const raw = await session.getAttendance();
  let byUid: Map<number, string> | undefined;
  if (raw.some((r) => !r.userId)) byUid = new Map((await session.getUsers()).map((u) => [u.uid, u.userId]));
  const keep = recordFilter(args);
  const records: AttendanceRecord[] = [];
  for (const r of raw) {
    const rec = toAttendance(r, r.userId || byUid?.get(r.uid) || "");
    if (keep(rec)) records.push(rec);
  }
  return { records };
};

/**
 * A generous estimate of reading `records` attendance records: about 1.6 ms each was measured over UDP (50,000 in
 * 78 s), well under that over TCP; twice that, plus 10 s for the session and the relay.
 */
export function readEstimateMs(records: number, transport: "tcp" | "udp"): number {
  return 10_000 + records * (transport === "udp" ? 3.2 : 1);
}

/** Device timestamps are fixed-width "YYYY-MM-DD HH:mm:ss", so string order is time order. */
export function recordFilter(args: OpInput<"attendance.list">): (r: AttendanceRecord) => boolean {
  return (r) =>
    (args.user_id === undefined || r.user_id === args.user_id) &&
    (args.date === undefined || r.timestamp.startsWith(`${args.date} `)) &&
    (args.from === undefined || r.timestamp >= args.from) &&
    (args.to === undefined || r.timestamp <= args.to);
}

/** The attendance ops, registered as a table (handlers.ts spreads it). */
export const attendanceHandlers = { "attendance.list": listAttendance };
