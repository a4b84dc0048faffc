// Relay operations: one per device endpoint, each with the zod schemas of its arguments and result.
import { z } from "zod";
import { isCalendarDay } from "./calendar";

/** True when the string's year-month-day is a real calendar day (shared/calendar.ts). */
function isCalendarDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split("-").map(Number) as [number, number, number];
  return isCalendarDay(y, m, d);
}

/** True when "HH:mm:ss" is a real time of day (no 24:00:00, no leap seconds: terminals have none). */
function isClockTime(s: string): boolean {
  const [h, min, sec] = s.split(":").map(Number) as [number, number, number];
  return h <= 23 && min <= 59 && sec <= 59;
}

/** Device-local wall-clock time "YYYY-MM-DD HH:mm:ss" (terminals have no time zone); a real date and time. */
export const DeviceTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, { message: "YYYY-MM-DD HH:mm:ss", abort: true })
  .refine((s) => isCalendarDate(s) && isClockTime(s.slice(11)), "not a real date and time");
/** A calendar day "YYYY-MM-DD" that exists. */
export const DateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "YYYY-MM-DD", abort: true })
  .refine(isCalendarDate, "not a real calendar date");

/** Badge number shown on the terminal: up to 24 printable ASCII characters (numeric on 28-byte firmware). */
export const UserId = z.string().min(1).max(24).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");
export const Finger = z.number().int().min(0).max(9);
export const Privilege = z.number().int().min(0).max(255);

/** A user as the HTTP API shows it (the seed's fields; the password is never shown). */
export const User = z.object({
  uid: z.number().int(),
  user_id: z.string(),
  name: z.string(),
  privilege: z.number().int(),
  card: z.number().int(),
  group_id: z.string(),
});
export type User = z.infer<typeof User>;

export const UserFields = z.object({
  name: z.string().max(24).optional(),
  privilege: Privilege.optional(),
  password: z.string().max(8).regex(/^[0-9]*$/, "digits only").optional(),
  card: z.number().int().min(0).max(0xffffffff).optional(),
  group_id: z.string().max(7).optional(),
});

/** Everything needed to put a deleted user back exactly: raw record plus templates (base64). */
export const UserSnapshot = z.object({
  format: z.union([z.literal(28), z.literal(72)]),
  record: z.string(), // base64 of the raw 28/72-byte user record, password included
  user: User,
  templates: z.array(z.object({ finger: Finger, flag: z.number().int().min(0).max(255), template: z.string() })),
});
export type UserSnapshot = z.infer<typeof UserSnapshot>;

export const AttendanceRecord = z.object({
  user_id: z.string(),
  timestamp: DeviceTime,
  status: z.number().int(),
  punch: z.number().int(),
  uid: z.number().int(),
});
export type AttendanceRecord = z.infer<typeof AttendanceRecord>;

export const DeviceInfo = z.object({
  serial: z.string(),
  platform: z.string(),
  firmware: z.string(),
  name: z.string(),
  mac: z.string(),
  fp_version: z.string(),
  counts: z.object({ users: z.number(), fingers: z.number(), records: z.number() }),
  capacity: z.object({ users: z.number(), fingers: z.number(), records: z.number() }),
  time: DeviceTime,
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

const Empty = z.object({}).strict();

/** Op name → { args, result } schemas. The agent validates args; the gateway validates results. */
export const OPS = {
  "device.ping": { args: Empty, result: z.object({ time: DeviceTime }) },
  "device.info": { args: Empty, result: DeviceInfo },
  "users.list": { args: Empty, result: z.object({ users: z.array(User) }) },
  "users.create": {
    args: UserFields.extend({ user_id: UserId, uid: z.number().int().min(1).max(65535).optional() }),
    result: z.object({ user: User }),
  },
  // `before`: the user as it was (the audit log's before-state); absent from older agents.
  "users.update": { args: UserFields.extend({ user_id: UserId }), result: z.object({ user: User, before: User.optional() }) },
  // durableResult: the answer carries data the gateway must keep (the undo snapshot); the agent's outbox holds it
  // on disk until the gateway acknowledges it, whatever happens to the link or the caller meanwhile.
  "users.delete": {
    args: z.object({ user_id: UserId }),
    result: z.object({ user: User, snapshot: UserSnapshot }),
    durableResult: true,
  },
  "users.restore": { args: z.object({ snapshot: UserSnapshot }), result: z.object({ user: User, fingers: z.number() }) },
  "users.enrollFinger": {
    args: z.object({ user_id: UserId, finger: Finger }),
    result: z.object({ started: z.literal(true) }),
  },
  "users.fingers": {
    args: z.object({ user_id: UserId }),
    result: z.object({ fingers: z.array(z.object({ finger: Finger, size: z.number(), valid: z.boolean() })) }),
  },
  "attendance.list": {
    args: z.object({
      user_id: UserId.optional(),
      date: DateOnly.optional(),
      from: DeviceTime.optional(),
      to: DeviceTime.optional(),
    }),
    result: z.object({ records: z.array(AttendanceRecord) }),
  },
  "time.get": { args: Empty, result: z.object({ time: DeviceTime }) },
  "time.sync": { args: z.object({ time: DeviceTime.optional() }), result: z.object({ time: DeviceTime }) },
} as const;

export type OpName = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as OpName[];
export type OpArgs<O extends OpName> = z.input<(typeof OPS)[O]["args"]>;
export type OpResult<O extends OpName> = z.infer<(typeof OPS)[O]["result"]>;

/** True when `op`'s answer must reach the gateway even after a link drop (relayed through the agent's outbox). */
export function isDurableResult(op: string): boolean {
  if (!isOpName(op)) return false;
  return (OPS[op] as { durableResult?: boolean }).durableResult === true;
}

export function isOpName(op: unknown): op is OpName {
  return typeof op === "string" && Object.prototype.hasOwnProperty.call(OPS, op);
}
