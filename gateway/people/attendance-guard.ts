// Before a terminal's attendance log is cleared: every record it holds must be stored at the gateway (else 409).
import type { Context } from "hono";
import type { DeviceRow } from "../db/devices";
import type { AppEnv } from "../http/app-env";
import { apiError } from "../http/errors";

/**
 * CMD_CLEAR_ATTLOG cannot be undone and has no range (docs/protocol.md §9.4): a record the gateway has not stored
 * would be lost for good. This gateway keeps no attendance store yet, so nothing proves the records are kept
 * elsewhere, and every clear is refused with 409 ATTENDANCE_NOT_STORED before the terminal is touched.
 */
export async function assertAttendanceStored(_c: Context<AppEnv>, device: DeviceRow, _expectedCount: number): Promise<void> {
  throw apiError("ATTENDANCE_NOT_STORED", { device_id: device.id });
}
