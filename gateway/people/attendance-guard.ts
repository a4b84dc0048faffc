// Before a terminal's attendance log is cleared: every record it holds must be stored at the gateway (else 409).
import type { Context } from "hono";
import type { DeviceRow } from "../db/devices";
import type { AppEnv } from "../http/app-env";
import { apiError } from "../http/errors";

interface WatchRow {
  log_records: number | null;
  caught_up_at: string | null;
  log_resets: number;
  stored: number;
}

/**
 * CMD_CLEAR_ATTLOG cannot be undone and has no range (docs/protocol.md §9.4): a record the gateway has not stored
 * would be lost for good. The event store (docs/events.md §4) says what the gateway holds: the agent reports, with
 * the events of a completed catch-up, how many records the terminal's log had; those events are stored before the
 * report is. So the clear goes ahead only after a completed catch-up, and when either the log was never cleared and
 * exactly `expectedCount` attendance events of the device are stored (live punches included), or the last
 * catch-up saw exactly `expectedCount` records and at least that many are stored. Anything else — no live session
 * yet, a store behind — is 409 ATTENDANCE_NOT_STORED, before the terminal is touched.
 * The agent then checks the terminal's own count with the terminal disabled (agent/ops/actions.ts).
 */
export async function assertAttendanceStored(c: Context<AppEnv>, device: DeviceRow, expectedCount: number): Promise<void> {
  const row = await c.env.DB.prepare(
    `SELECT w.log_records, w.caught_up_at, w.log_resets,
            (SELECT count(*) FROM events e WHERE e.device_id = w.device_id AND e.type = 'attendance') AS stored
       FROM event_devices w WHERE w.device_id = ?`,
  )
    .bind(device.id)
    .first<WatchRow>();
  if (row === null || row.caught_up_at === null) throw apiError("ATTENDANCE_NOT_STORED", { device_id: device.id });
  // A log never cleared: every record it ever held is stored once (by its stable id), catch-up and live punches
  // alike — so exactly `expectedCount` stored records means every one of them is here.
  const neverCleared = row.log_resets === 0 && row.stored === expectedCount;
  // Otherwise (records of an earlier log are stored too) the last catch-up must have seen exactly that many.
  const seenAtCatchUp = row.log_records === expectedCount && row.stored >= expectedCount;
  const stored = neverCleared || seenAtCatchUp;
  if (!stored) throw apiError("ATTENDANCE_NOT_STORED", { device_id: device.id });
}
