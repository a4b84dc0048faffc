// ZK client records → the HTTP API's shapes (shared/ops.ts), and base64 for snapshot bytes.
import type { AttendanceRecord, DeviceInfo, User } from "../../shared/ops";
import type { ZkAttendance, ZkDeviceInfo, ZkUser } from "../zk/types";
import { formatDeviceTime } from "../zk/codec/time";

/** A user as the API shows it; `group_id` is pyzk's text when set, else the group number (docs/protocol.md §8.3). */
export function toUser(u: ZkUser): User {
  return {
    uid: u.uid,
    user_id: u.userId,
    name: u.name,
    privilege: u.privilege,
    card: u.card,
    group_id: u.groupId || String(u.group),
  };
}

export function toAttendance(r: ZkAttendance, userId = r.userId): AttendanceRecord {
  return { user_id: userId, timestamp: formatDeviceTime(r.time), status: r.status, punch: r.punch, uid: r.uid };
}

export function toDeviceInfo(i: ZkDeviceInfo): DeviceInfo {
  return {
    serial: i.serial,
    platform: i.platform,
    firmware: i.firmware,
    name: i.deviceName,
    mac: i.mac,
    fp_version: i.fpVersion,
    counts: { users: i.sizes.users, fingers: i.sizes.fingers, records: i.sizes.records },
    capacity: { users: i.sizes.usersCap, fingers: i.sizes.fingersCap, records: i.sizes.recordsCap },
    time: formatDeviceTime(i.time),
  };
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Strict base64 → bytes (Buffer.from silently skips junk, which would corrupt a restored record). */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return new Uint8Array(Buffer.from(text, "base64"));
}
