// Before a terminal's attendance log is cleared: every record it holds must be stored at the gateway (else 409).
import type { Context } from "hono";
import type { DeviceRow } from "../db/devices";
import type { AppEnv } from "../http/app-env";
import { apiError } from "../http/errors";

interface WatchRow {
  log_records: number | null;
  caught_up_at: string | null;
  stored: number;
}

/**
 * CMD_CLEAR_ATTLOG cannot be undone and has no range (docs/protocol.md §9.4): a record the gateway has not stored
 * would be lost for good. The event store (docs/events.md §4) says what the gateway holds: the agent reports, with
 * the events of a completed catch-up, how many records the terminal's log had; those events are stored before the
 * report is. So the clear goes ahead only when a catch-up completed, it saw exactly `expectedCount` records, and
 * at least that many attendance events of the device are stored. Anything else — no live session yet, a log that
 * grew since the last catch-up, a store behind — is 409 ATTENDANCE_NOT_STORED, before the terminal is touched.
 * The agent then checks the terminal's own count with the terminal disabled (agent/ops/actions.ts).
 */
export async function assertAttendanceStored(c: Context<AppEnv>, device: DeviceRow, expectedCount: number): Promise<void> {
  const row = await c.env.DB.prepare(
    `SELECT w.log_records, w.caught_up_at,
            (SELECT count(*) FROM events e WHERE e.device_id = w.device_id AND e.type = 'attendance') AS stored
       FROM event_devices w WHERE w.device_id = ?`,
  )
    .bind(device.id)
    .first<WatchRow>();
  const stored = row !== null && row.caught_up_at !== null && row.log_records === expectedCount && row.stored >= expectedCount;
  if (!stored) throw apiError("ATTENDANCE_NOT_STORED", { device_id: device.id });
}
