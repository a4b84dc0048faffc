// Output of the on-site device CLI: aligned text tables for people, plain objects for --json.
import type { AttendanceRecord } from "../../shared/ops";
import { toUser } from "../ops/map";
import { codec } from "../zk";
import type { ZkDeviceInfo, ZkTemplate, ZkUser } from "../zk/types";

/** Columns padded to their widest cell; an empty list prints a dash line. */
export function table(headers: string[], rows: (string | number)[][]): string {
  if (rows.length === 0) return "(none)";
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

/** Key/value lines for one record. */
export function keyValues(pairs: [string, string | number][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

export function infoJson(info: ZkDeviceInfo) {
  return { ...info, time: codec.formatDeviceTime(info.time) };
}

export function infoText(info: ZkDeviceInfo): string {
  const s = info.sizes;
  return keyValues([
    ["serial", info.serial],
    ["platform", info.platform],
    ["firmware", info.firmware],
    ["device name", info.deviceName],
    ["MAC", info.mac],
    ["fingerprint alg.", info.fpVersion],
    ["users", `${s.users} / ${s.usersCap}`],
    ["fingerprints", `${s.fingers} / ${s.fingersCap}`],
    ["records", `${s.records} / ${s.recordsCap}`],
    ["device time", codec.formatDeviceTime(info.time)],
  ]);
}

/** Users as the HTTP API shows them (agent/ops/map's toUser), group_id included. */
export function usersText(users: ZkUser[]): string {
  return table(
    ["uid", "user_id", "name", "privilege", "card", "group_id"],
    users.map(toUser).map((u) => [u.uid, u.user_id, u.name, u.privilege, u.card, u.group_id]),
  );
}

/** Records in the HTTP API's shape (agent/ops/map's toAttendance). */
export function attendanceText(records: AttendanceRecord[]): string {
  return table(
    ["user_id", "timestamp", "status", "punch"],
    records.map((r) => [r.user_id, r.timestamp, r.status, r.punch]),
  );
}

export function fingerJson(t: ZkTemplate) {
  return { finger: t.finger, flag: t.flag, size: t.template.length };
}

export function fingersText(templates: ZkTemplate[]): string {
  return table(["finger", "flag", "bytes"], templates.map((t) => [t.finger, t.flag, t.template.length]));
}
