// Terminal operations, each declared once: relay args/result schemas, its HTTP route, role, messages and flags.
import { z } from "zod";
import type { ErrorCode } from "./errors";
import type { MessageKey } from "./messages";
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
const nonEmpty = (v: object) => Object.keys(v).length > 0;

/** API key roles, least to most (read < write < admin). */
export const ROLES = ["read", "write", "admin"] as const;
export type Role = (typeof ROLES)[number];
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** The HTTP side of an operation: everything the gateway's route and openapi.json need. */
export interface OpHttp {
  readonly method: HttpMethod;
  /** OpenAPI-style path; `{id}` is the registry device, any other `{name}` fills the arg of that name. */
  readonly path: string;
  readonly role: Role;
  readonly summary: string;
  /** Group in the API reference. */
  readonly tag: string;
  /** Where the args besides path parameters come from; absent: none. */
  readonly input?: "body" | "query";
  /** The HTTP body or query schema when it is not simply the args (stricter, or without internal fields). */
  readonly schema?: z.ZodType;
  /** A request without a body validates as `{}`. */
  readonly bodyOptional?: boolean;
  readonly status?: 200 | 201;
  /** Success message (`message` in the answer), filled from path params, args and result. */
  readonly message?: MessageKey;
  /** The answer's `data`: one field of the result, the whole result (true), or none (message only). */
  readonly data?: string | true;
  /** Schema of `data` in openapi.json when a route shapes it itself (ping adds `reachable`). */
  readonly dataSchema?: z.ZodType;
  /** Codes this op answers beyond what every relayed op may (device failures, agent offline, bad ids…). */
  readonly errors?: readonly ErrorCode[];
  /** Args recorded as the audit row's `detail` (the finger enrolled, how long a door was opened). */
  readonly auditDetail?: readonly string[];
  /** Codes answered with another status than their contract's (ping: 503 when the terminal does not answer). */
  readonly statusOf?: Partial<Record<ErrorCode, number>>;
  /** No route of its own: a gateway route calls it (POST /users/{user_id}/copy reads and writes with these). */
  readonly internal?: boolean;
  /** Top-level fields of the answer besides `data` (a paged answer's `next`), for openapi.json. */
  readonly more?: Record<string, z.ZodType>;
}

/** One terminal operation. Adding one = this declaration, its agent handler, its messages and tests. */
export interface OpDecl<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  /** What the agent validates before running it. */
  readonly args: A;
  /** What the gateway validates the agent's answer with. */
  readonly result: R;
  readonly http: OpHttp;
  /** Changes data on the terminal: the agent runs it with the terminal disabled (keypad locked). */
  readonly mutates: boolean;
  /** Reads or writes whole tables: it gets a bigger share of the relay budget (shared/budget.ts). */
  readonly bulk: boolean;
  /** Its result must be kept even when it arrives after the caller stopped waiting (a delete's undo snapshot). */
  readonly durableResult: boolean;
  /** The gateway writes an audit row for each call. */
  readonly audited: boolean;
}

type Flags = Partial<Pick<OpDecl, "mutates" | "bulk" | "durableResult" | "audited">>;

/** A declaration with its flags defaulted: nothing mutates, is bulk or durable; every non-GET is audited. */
function op<A extends z.ZodType, R extends z.ZodType>(args: A, result: R, http: OpHttp, flags: Flags = {}): OpDecl<A, R> {
  const { mutates = false, bulk = false, durableResult = false, audited = http.method !== "GET" } = flags;
  return { args, result, http, mutates, bulk, durableResult, audited };
}

const UserIdArg = z.object({ user_id: UserId });
const Time = z.object({ time: DeviceTime });
export const AttendanceFilters = z.object({
  user_id: UserId.optional(),
  date: DateOnly.optional(),
  from: DeviceTime.optional(),
  to: DeviceTime.optional(),
});
const Fingers = z.object({ fingers: z.array(z.object({ finger: Finger, size: z.number(), valid: z.boolean() })) });
const USER_PATH = "/devices/{id}/users/{user_id}";
/** A user with how many fingers are enrolled and whether privilege bit 0 (disabled, docs/protocol.md §8.2) is clear. */
export const UserWithFingers = z.object({ user: User, fingers: z.number().int().min(0), enabled: z.boolean() });
/** How long a door stays open, in whole seconds (the terminal's unit is tenths: docs/protocol.md §12). */
const DoorSeconds = z.number().int().min(1).max(60);

/** Op name → declaration. The agent serves them, the gateway routes and documents them. */
export const OPS = {
  "device.ping": op(Empty, Time, {
    method: "GET",
    path: "/devices/{id}/ping",
    role: "read",
    tag: "device",
    summary: "Reachability and device time (503 when unreachable)",
    dataSchema: Time.extend({ reachable: z.literal(true) }),
    statusOf: { DEVICE_UNREACHABLE: 503, DEVICE_TIMEOUT: 503, DEVICE_DISCONNECTED: 503 },
  }),
  "device.info": op(Empty, DeviceInfo, {
    method: "GET",
    path: "/devices/{id}/info",
    role: "read",
    tag: "device",
    summary: "Serial, platform, firmware, counts, capacities",
    data: true,
  }, { bulk: true }),
  "users.list": op(Empty, z.object({ users: z.array(User) }), {
    method: "GET",
    path: "/devices/{id}/users",
    role: "read",
    tag: "users",
    summary: "Users on the device",
    data: "users",
  }, { bulk: true }),
  "users.create": op(UserFields.extend({ user_id: UserId, uid: z.number().int().min(1).max(65535).optional() }), z.object({ user: User }), {
    method: "POST",
    path: "/devices/{id}/users",
    role: "write",
    tag: "users",
    summary: "Create a user",
    input: "body",
    schema: UserFields.extend({ user_id: UserId }).strict(),
    status: 201,
    message: "USER_CREATED",
    data: "user",
    errors: ["USER_EXISTS", "DEVICE_FULL"],
  }, { mutates: true }),
  // `before`: the user as it was (the audit log's before-state); absent from older agents.
  "users.update": op(UserFields.extend({ user_id: UserId }), z.object({ user: User, before: User.optional() }), {
    method: "PUT",
    path: USER_PATH,
    role: "write",
    tag: "users",
    summary: "Update a user",
    input: "body",
    schema: UserFields.strict().refine(nonEmpty, "give at least one field to change"),
    message: "USER_UPDATED",
    data: "user",
    errors: ["USER_NOT_FOUND"],
  }, { mutates: true }),
  "users.delete": op(UserIdArg, z.object({ user: User, snapshot: UserSnapshot }), {
    method: "DELETE",
    path: USER_PATH,
    role: "write",
    tag: "users",
    summary: "Delete a user (the seed); a snapshot is kept for undo",
    message: "USER_DELETED",
    errors: ["USER_NOT_FOUND"],
    // durableResult: the answer carries the undo snapshot; the agent's outbox holds it on disk until the gateway
    // acknowledges it, whatever happens to the link or the caller meanwhile.
  }, { mutates: true, bulk: true, durableResult: true }),
  "users.restore": op(z.object({ snapshot: UserSnapshot }), z.object({ user: User, fingers: z.number() }), {
    method: "POST",
    path: `${USER_PATH}/restore`,
    role: "write",
    tag: "users",
    summary: "Put a deleted user back, fingers included",
    input: "body",
    schema: z.object({ snapshot_id: z.number().int().positive().optional() }).strict(),
    bodyOptional: true,
    message: "USER_RESTORED",
    data: true,
    errors: ["SNAPSHOT_NOT_FOUND", "RESTORE_IN_PROGRESS", "SNAPSHOT_ALREADY_RESTORED", "RESTORE_CONFLICT", "USER_EXISTS"],
  }, { mutates: true, bulk: true }),
  "users.enrollFinger": op(z.object({ user_id: UserId, finger: Finger }), z.object({ started: z.literal(true) }), {
    method: "POST",
    path: `${USER_PATH}/enroll-finger`,
    role: "write",
    tag: "users",
    summary: "Start enrollment of finger 0-9 on the terminal",
    input: "body",
    schema: z.object({ finger: Finger }).strict(),
    message: "ENROLL_STARTED",
    auditDetail: ["finger"],
    errors: ["USER_NOT_FOUND"],
  }),
  "users.fingers": op(UserIdArg, Fingers, {
    method: "GET",
    path: `${USER_PATH}/fingers`,
    role: "read",
    tag: "users",
    summary: "Enrolled fingers",
    data: "fingers",
    errors: ["USER_NOT_FOUND"],
  }),
  "attendance.list": op(AttendanceFilters, z.object({ records: z.array(AttendanceRecord) }), {
    method: "GET",
    path: "/devices/{id}/attendance",
    role: "read",
    tag: "attendance",
    summary: "Attendance records of one device; with after/limit (or Accept: text/csv, application/x-ndjson) paged or streamed, from the stored log when the device is watched",
    input: "query",
    // after/limit page the answer (docs/events.md §7); the agent gets only the seed's filters.
    schema: AttendanceFilters.extend({ after: z.string().min(1).max(64).optional(), limit: z.coerce.number().int().min(1).max(10000).optional() }),
    data: "records",
    more: { next: z.string().nullable().optional() },
  }, { bulk: true }),
  "time.get": op(Empty, Time, {
    method: "GET",
    path: "/devices/{id}/time",
    role: "read",
    tag: "device",
    summary: "Device clock",
    data: true,
  }),
  "time.sync": op(z.object({ time: DeviceTime.optional() }), Time, {
    method: "POST",
    path: "/devices/{id}/sync-time",
    role: "write",
    tag: "device",
    summary: "Set the device clock (default: the agent's clock)",
    input: "body",
    schema: z.object({ time: DeviceTime.optional() }).strict(),
    bodyOptional: true,
    message: "TIME_SYNCED",
    data: true,
  }, { mutates: true }),
  "door.unlock": op(z.object({ seconds: DoorSeconds }), z.object({ seconds: DoorSeconds }), {
    method: "POST",
    path: "/devices/{id}/unlock",
    role: "write",
    tag: "device",
    summary: "Open the door the terminal controls for 1-60 seconds",
    input: "body",
    schema: z.object({ seconds: DoorSeconds }).strict(),
    message: "DOOR_UNLOCKED",
    data: true,
    auditDetail: ["seconds"],
  }),
  // People across terminals and terminal actions (docs/people.md).
  "users.get": op(UserIdArg, UserWithFingers, {
    method: "GET",
    path: USER_PATH,
    role: "read",
    tag: "users",
    summary: "One user, with the number of enrolled fingers and whether they may use the terminal",
    data: true,
    errors: ["USER_NOT_FOUND"],
  }),
  "users.setEnabled": op(z.object({ user_id: UserId, enabled: z.boolean() }), z.object({ user: User, enabled: z.boolean(), state: z.enum(["enabled", "disabled"]) }), {
    method: "PUT",
    path: `${USER_PATH}/enabled`,
    role: "write",
    tag: "users",
    summary: "Enable or disable a user without deleting them (privilege bit 0, read back)",
    input: "body",
    schema: z.object({ enabled: z.boolean() }).strict(),
    message: "USER_ENABLED_SET",
    data: true,
    errors: ["USER_NOT_FOUND"],
    auditDetail: ["enabled"],
  }, { mutates: true }),
  "device.restart": op(Empty, z.object({ back: z.boolean(), time: DeviceTime.optional(), waited_ms: z.number().int().min(0) }), {
    method: "POST",
    path: "/devices/{id}/restart",
    role: "admin",
    tag: "device",
    summary: "Restart the terminal; answers once it answers again, or says the restart was sent and it is not back yet",
    message: "DEVICE_RESTARTED",
    data: true,
  }, { bulk: true }),
  "attendance.clear": op(z.object({ expected_count: z.number().int().min(0) }), z.object({ cleared: z.number().int().min(0) }), {
    method: "POST",
    path: "/devices/{id}/attendance/clear",
    role: "admin",
    tag: "attendance",
    summary: "Clear the terminal's attendance log: only with expected_count equal to its count and every record stored at the gateway",
    input: "body",
    schema: z.object({ expected_count: z.number().int().min(0) }).strict(),
    message: "ATTENDANCE_CLEARED",
    data: true,
    errors: ["ATTENDANCE_COUNT_MISMATCH", "ATTENDANCE_NOT_STORED"],
    auditDetail: ["expected_count"],
  }, { mutates: true }),
  "users.export": op(UserIdArg, z.object({ snapshot: UserSnapshot }), {
    method: "GET",
    path: `${USER_PATH}/export`,
    role: "write",
    tag: "users",
    summary: "(internal: read by POST /users/{user_id}/copy) a user's record and fingerprint templates",
    internal: true,
    errors: ["USER_NOT_FOUND"],
  }, { bulk: true }),
  "users.import": op(z.object({ snapshot: UserSnapshot }), z.object({ user: User, fingers: z.number().int(), format: z.union([z.literal(28), z.literal(72)]), converted: z.boolean() }), {
    method: "POST",
    path: `${USER_PATH}/import`,
    role: "write",
    tag: "users",
    summary: "(internal: written by POST /users/{user_id}/copy) a user copied from another terminal, converted to this one's format",
    internal: true,
    errors: ["USER_ID_CONFLICT"],
  }, { mutates: true, bulk: true }),
} as const;

export type OpName = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as OpName[];
/** The ops with an HTTP route of their own (not `internal`). */
export const ROUTED_OP_NAMES = OP_NAMES.filter((name) => OPS[name].http.internal !== true);
export type OpArgs<O extends OpName> = z.input<(typeof OPS)[O]["args"]>;
export type OpResult<O extends OpName> = z.infer<(typeof OPS)[O]["result"]>;

/** True when `op`'s answer must reach the gateway even after a link drop (relayed through the agent's outbox). */
export function isDurableResult(op: string): boolean {
  return isOpName(op) && OPS[op].durableResult;
}

export function isOpName(op: unknown): op is OpName {
  return typeof op === "string" && Object.prototype.hasOwnProperty.call(OPS, op);
}

/** The ops whose declaration sets `flag` (the agent's write set, the relay's bulk and durable sets). */
export function opsWith(flag: "mutates" | "bulk" | "durableResult" | "audited"): ReadonlySet<OpName> {
  return new Set(OP_NAMES.filter((name) => OPS[name][flag]));
}
