// The `device` subcommands: each names the agent operation it runs (shared/ops), its own flags, help and output.
import type { OpName, OpResult } from "../../shared/ops";
import * as out from "./device-format";

/** A flag of one subcommand: its value type and one line of help. */
export interface FlagSpec {
  type: "string" | "boolean";
  help: string;
}

export type Flags = Record<string, string | boolean | undefined>;

export interface Subcommand<O extends OpName = OpName> {
  op: O;
  summary: string;
  flags: Record<string, FlagSpec>;
  /** Flags that must be given. */
  required?: string[];
  /** The op's arguments from the flags (validated afterwards by the op's own schema, as the relay does). */
  args(f: Flags): Record<string, unknown>;
  /** The human-readable answer. */
  text(result: OpResult<O>, f: Flags): string;
  /** --json: the HTTP API's `data` for the same call (its field names). */
  json?(result: OpResult<O>): unknown;
  /** Reads that may take a while: a progress line on a terminal. */
  slow?: boolean;
}

const USER_ID: FlagSpec = { type: "string", help: "the badge number (user_id)" };
/** Writable user fields, as the HTTP API names them (POST/PUT /devices/{id}/users). */
const USER_FIELDS: Record<string, FlagSpec> = {
  name: { type: "string", help: "name (byte limit: 8 on 28-byte terminals, 23 on 72-byte ones)" },
  privilege: { type: "string", help: "0 user, 2 enroller, 6 manager, 14 super admin" },
  password: { type: "string", help: "numeric PIN (5 digits on 28-byte terminals, 8 on 72-byte ones)" },
  card: { type: "string", help: "card number" },
  "group-id": { type: "string", help: "group number 0-255 (or text on 72-byte terminals)" },
};

const num = (v: unknown): number | undefined => (typeof v === "string" && v !== "" ? Number(v) : undefined);

/** Flags → the API's user fields; numbers that are not numbers are left to the op's schema to refuse. */
function userFields(f: Flags): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: f.name, privilege: num(f.privilege), password: f.password, card: num(f.card), group_id: f["group-id"] };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function sub<O extends OpName>(s: Subcommand<O>): Subcommand<O> {
  return s;
}

export const SUBCOMMANDS = {
  info: sub({
    op: "device.info",
    summary: "serial, platform, firmware, counts and capacities, clock",
    flags: {},
    args: () => ({}),
    text: (r) => out.infoText(r),
  }),
  ping: sub({ op: "device.ping", summary: "reachability and the device clock", flags: {}, args: () => ({}), text: (r) => `reachable, device time ${r.time}` }),
  users: sub({
    op: "users.list",
    summary: "every user on the terminal",
    flags: {},
    args: () => ({}),
    text: (r) => out.usersText(r.users),
    json: (r) => r.users,
    slow: true,
  }),
  "add-user": sub({
    op: "users.create",
    summary: "create a user (refused when the user_id exists or a field does not fit the terminal's record)",
    flags: { "user-id": USER_ID, ...USER_FIELDS, uid: { type: "string", help: "internal slot (default: the next free one)" } },
    required: ["user-id"],
    args: (f) => ({ user_id: f["user-id"], ...userFields(f), ...(f.uid !== undefined ? { uid: num(f.uid) } : {}) }),
    text: (r) => `User '${r.user.user_id}' created (uid ${r.user.uid}).`,
    json: (r) => r.user,
  }),
  "update-user": sub({
    op: "users.update",
    summary: "change the given fields of a user; every other byte of the record stays",
    flags: { "user-id": USER_ID, ...USER_FIELDS },
    required: ["user-id"],
    args: (f) => ({ user_id: f["user-id"], ...userFields(f) }),
    text: (r) => `User '${r.user.user_id}' updated.`,
    json: (r) => r.user,
  }),
  "delete-user": sub({
    op: "users.delete",
    summary: "delete a user after taking a snapshot (record + fingerprints) for restore-user",
    flags: { "user-id": USER_ID, "snapshot-out": { type: "string", help: "write the undo snapshot to FILE (created; must not exist)" } },
    required: ["user-id"],
    args: (f) => ({ user_id: f["user-id"] }),
    text: (r, f) =>
      `User '${r.user.user_id}' deleted (uid ${r.user.uid}, ${r.snapshot.templates.length} fingerprint(s)).` +
      (f["snapshot-out"] ? ` Snapshot written to ${String(f["snapshot-out"])}.` : ""),
    json: (r) => ({ user: r.user, fingers: r.snapshot.templates.length }),
  }),
  "restore-user": sub({
    op: "users.restore",
    summary: "put a deleted user back, fingerprints included, from a delete-user --snapshot-out file",
    flags: { snapshot: { type: "string", help: "the snapshot FILE written by delete-user --snapshot-out" } },
    required: ["snapshot"],
    // Filled in by the runner from the file (see readSnapshotFile).
    args: () => ({}),
    text: (r) => `User '${r.user.user_id}' restored (uid ${r.user.uid}, ${r.fingers} fingerprint(s)).`,
    json: (r) => r,
  }),
  fingers: sub({
    op: "users.fingers",
    summary: "a user's enrolled fingers",
    flags: { "user-id": USER_ID },
    required: ["user-id"],
    args: (f) => ({ user_id: f["user-id"] }),
    text: (r) => out.fingersText(r.fingers),
    json: (r) => r.fingers,
    slow: true,
  }),
  "enroll-finger": sub({
    op: "users.enrollFinger",
    summary: "start enrolling a finger on the terminal (the person then presents it three times)",
    flags: { "user-id": USER_ID, finger: { type: "string", help: "finger index 0-9" } },
    required: ["user-id", "finger"],
    args: (f) => ({ user_id: f["user-id"], finger: num(f.finger) }),
    text: (_r, f) => `Enrollment of finger ${String(f.finger)} started for user '${String(f["user-id"])}': present the finger on the terminal.`,
  }),
  attendance: sub({
    op: "attendance.list",
    summary: "attendance records, filtered here (the terminal cannot filter)",
    flags: {
      "user-id": USER_ID,
      date: { type: "string", help: "one day, YYYY-MM-DD" },
      from: { type: "string", help: "from 'YYYY-MM-DD HH:mm:ss'" },
      to: { type: "string", help: "to 'YYYY-MM-DD HH:mm:ss'" },
    },
    args: (f) => Object.fromEntries(Object.entries({ user_id: f["user-id"], date: f.date, from: f.from, to: f.to }).filter(([, v]) => v !== undefined)),
    text: (r) => out.attendanceText(r.records),
    json: (r) => r.records,
    slow: true,
  }),
  unlock: sub({
    op: "door.unlock",
    summary: "open the door the terminal controls for a few seconds",
    flags: { seconds: { type: "string", help: "1-60 seconds" } },
    required: ["seconds"],
    args: (f) => ({ seconds: num(f.seconds) }),
    text: (r) => `Door unlocked for ${r.seconds} s.`,
  }),
  time: sub({ op: "time.get", summary: "the device clock", flags: {}, args: () => ({}), text: (r) => r.time }),
  "sync-time": sub({
    op: "time.sync",
    summary: "set the device clock to this machine's local time, or to --time",
    flags: { time: { type: "string", help: "'YYYY-MM-DD HH:mm:ss' (device local time)" } },
    args: (f) => (f.time !== undefined ? { time: f.time } : {}),
    text: (r) => `Device time set to ${r.time}.`,
  }),
} satisfies Record<string, Subcommand<never> | Subcommand<OpName>>;

export type SubcommandName = keyof typeof SUBCOMMANDS;
export const SUBCOMMAND_NAMES = Object.keys(SUBCOMMANDS) as SubcommandName[];

/** Flags every subcommand takes: how to reach the terminal, and how to answer. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  ip: { type: "string", help: "terminal address or host name (required)" },
  port: { type: "string", help: "port (default 4370)" },
  "comm-key": { type: "string", help: "communication key (default 0 = none)" },
  transport: { type: "string", help: "tcp, udp or auto (default auto: TCP, then UDP)" },
  timeout: { type: "string", help: "seconds per packet, as in the registry (default 5)" },
  json: { type: "boolean", help: "print JSON with the HTTP API's field names" },
  help: { type: "boolean", help: "this help" },
};

/** `--help` of one subcommand. */
export function subcommandHelp(name: SubcommandName): string {
  const s = SUBCOMMANDS[name] as Subcommand;
  const lines = [`usage: zk-relay-agent device ${name} --ip <terminal> [options]`, "", s.summary, ""];
  const flags = { ...s.flags, ...COMMON_FLAGS };
  const width = Math.max(...Object.keys(flags).map((k) => k.length)) + 2;
  for (const [flag, spec] of Object.entries(flags)) {
    const req = s.required?.includes(flag) ? " (required)" : "";
    lines.push(`  --${flag.padEnd(width)}${spec.help}${req}`);
  }
  return lines.join("\n");
}

/** `zk-relay-agent device --help`. */
export function deviceHelp(): string {
  const width = Math.max(...SUBCOMMAND_NAMES.map((n) => n.length)) + 2;
  return [
    "usage: zk-relay-agent device <command> --ip <terminal> [--port 4370] [--comm-key N] [--transport tcp|udp|auto] [--timeout s] [--json]",
    "",
    "Runs the agent's own operation on one terminal, without the gateway. Commands:",
    ...SUBCOMMAND_NAMES.map((n) => `  ${n.padEnd(width)}${(SUBCOMMANDS[n] as Subcommand).summary}`),
    "",
    "zk-relay-agent device <command> --help shows a command's options.",
  ].join("\n");
}
