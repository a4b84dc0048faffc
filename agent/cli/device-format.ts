// Output of the on-site device CLI: aligned text tables of the operations' results (the HTTP API's shapes).
import type { AttendanceRecord, DeviceInfo, User } from "../../shared/ops";

/** Columns padded to their widest cell; an empty list prints "(none)". */
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

export function infoText(info: DeviceInfo): string {
  return keyValues([
    ["serial", info.serial],
    ["platform", info.platform],
    ["firmware", info.firmware],
    ["device name", info.name],
    ["MAC", info.mac],
    ["fingerprint alg.", info.fp_version],
    ["users", `${info.counts.users} / ${info.capacity.users}`],
    ["fingerprints", `${info.counts.fingers} / ${info.capacity.fingers}`],
    ["records", `${info.counts.records} / ${info.capacity.records}`],
    ["device time", info.time],
  ]);
}

export function usersText(users: User[]): string {
  return table(
    ["uid", "user_id", "name", "privilege", "card", "group_id"],
    users.map((u) => [u.uid, u.user_id, u.name, u.privilege, u.card, u.group_id]),
  );
}

export function attendanceText(records: AttendanceRecord[]): string {
  return table(
    ["user_id", "timestamp", "status", "punch"],
    records.map((r) => [r.user_id, r.timestamp, r.status, r.punch]),
  );
}

export function fingersText(fingers: Array<{ finger: number; size: number; valid: boolean }>): string {
  return table(["finger", "bytes", "valid"], fingers.map((f) => [f.finger, f.size, f.valid ? "yes" : "no"]));
}
