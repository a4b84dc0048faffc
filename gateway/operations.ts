// The catalogue of HTTP operations: one entry per route, the source of openapi.json, /docs and audit action names.
import { z } from "zod";
import type { ErrorCode } from "../shared/errors";
import { DeviceInfo, OPS } from "../shared/ops";
import type { Role } from "./auth/principal";
import { DEVICE_FAILURE_CODES } from "./relay/agent-codes";
import * as S from "./schemas";

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Operation {
  method: Method;
  /** Hono path pattern (`:id`); openapi.json shows `{id}`. */
  path: string;
  /** operationId, and the audit log's `action` for mutating calls. */
  id: string;
  summary: string;
  tag: string;
  /** Least role; "public" needs no key, "site-token" is the agent's own bearer token. */
  auth: Role | "public" | "site-token";
  body?: z.ZodType;
  bodyOptional?: boolean;
  query?: z.ZodObject;
  /** Success status, the schema of `data` (omitted when the answer is only a message), other top-level fields. */
  ok: { status: 200 | 201 | 101; data?: z.ZodType; message?: boolean; more?: Record<string, z.ZodType> };
  errors: ErrorCode[];
}

type Extra = Partial<Pick<Operation, "body" | "bodyOptional" | "query" | "errors">> & Partial<Omit<Operation["ok"], "status">> & {
  status?: Operation["ok"]["status"];
};

/** One catalogue entry; `tag` is the group shown in the docs. */
function op(tag: string, method: Method, path: string, id: string, auth: Operation["auth"], summary: string, x: Extra = {}): Operation {
  const { status = 200, data, message, more, errors = [], ...rest } = x;
  return { method, path, id, summary, tag, auth, ...rest, ok: { status, data, message, more }, errors };
}

const DEV: ErrorCode[] = ["DEVICE_NOT_FOUND"];
// Whatever a relayed op can fail with, besides its own codes.
const RELAY: ErrorCode[] = [...DEV, ...DEVICE_FAILURE_CODES];
const INPUT: ErrorCode[] = ["VALIDATION_FAILED"];
const msg = { message: true };

export const OPERATIONS: Operation[] = [
  op("service", "GET", "/", "status", "public", "Service status and device count", {
    data: z.object({ service: z.string(), status: z.literal("ok"), version: z.string(), devices: z.number().int() }),
  }),
  op("service", "GET", "/openapi.json", "openapi", "public", "This OpenAPI 3.1 document"),
  op("service", "GET", "/docs", "docs", "public", "HTML page listing the operations"),
  op("agent", "GET", "/agent/connect", "agent.connect", "site-token", "WebSocket the site agent dials (Bearer site token)", {
    status: 101,
    errors: ["UNAUTHORIZED", "BAD_REQUEST"],
  }),

  op("devices", "GET", "/devices", "devices.list", "read", "List registered devices", { data: S.Device.array() }),
  op("devices", "POST", "/devices", "devices.create", "admin", "Register a device", {
    body: S.CreateDeviceBody,
    status: 201,
    data: S.Device,
    ...msg,
    errors: [...INPUT, "SITE_NOT_FOUND", "FORBIDDEN", "DEVICE_EXISTS"],
  }),
  op("devices", "GET", "/devices/:id", "devices.get", "read", "One registry entry", { data: S.Device, errors: DEV }),
  op("devices", "PUT", "/devices/:id", "devices.update", "admin", "Change registry fields", {
    body: S.UpdateDeviceBody,
    data: S.Device,
    ...msg,
    errors: [...DEV, ...INPUT, "SITE_NOT_FOUND", "FORBIDDEN"],
  }),
  op("devices", "DELETE", "/devices/:id", "devices.delete", "admin", "Remove a device from the registry", { ...msg, errors: DEV }),

  op("device", "GET", "/devices/:id/ping", "device.ping", "read", "Reachability and device time (503 when unreachable)", {
    data: OPS["device.ping"].result.extend({ reachable: z.literal(true) }),
    errors: RELAY,
  }),
  op("device", "GET", "/devices/:id/info", "device.info", "read", "Serial, platform, firmware, counts, capacities", {
    data: DeviceInfo,
    errors: RELAY,
  }),
  op("device", "GET", "/devices/:id/time", "time.get", "read", "Device clock", { data: OPS["time.get"].result, errors: RELAY }),
  op("device", "POST", "/devices/:id/sync-time", "time.sync", "write", "Set the device clock (default: the agent's clock)", {
    body: S.SyncTimeBody,
    bodyOptional: true,
    data: OPS["time.sync"].result,
    ...msg,
    errors: RELAY,
  }),

  op("users", "GET", "/devices/:id/users", "users.list", "read", "Users on the device", { data: S.User.array(), errors: RELAY }),
  op("users", "POST", "/devices/:id/users", "users.create", "write", "Create a user", {
    body: S.CreateUserBody,
    status: 201,
    data: S.User,
    ...msg,
    errors: [...RELAY, ...INPUT, "USER_EXISTS"],
  }),
  op("users", "PUT", "/devices/:id/users/:user_id", "users.update", "write", "Update a user", {
    body: S.UpdateUserBody,
    data: S.User,
    ...msg,
    errors: [...RELAY, ...INPUT, "USER_NOT_FOUND"],
  }),
  op("users", "DELETE", "/devices/:id/users/:user_id", "users.delete", "write", "Delete a user (the seed); a snapshot is kept", {
    ...msg,
    errors: [...RELAY, "USER_NOT_FOUND"],
  }),
  op("users", "POST", "/devices/:id/users/:user_id/restore", "users.restore", "write", "Put a deleted user back, fingers included", {
    body: S.RestoreBody,
    bodyOptional: true,
    data: OPS["users.restore"].result,
    ...msg,
    errors: [...RELAY, "SNAPSHOT_NOT_FOUND", "RESTORE_IN_PROGRESS", "SNAPSHOT_ALREADY_RESTORED", "RESTORE_CONFLICT", "USER_EXISTS"],
  }),
  op("users", "POST", "/devices/:id/users/:user_id/enroll-finger", "users.enrollFinger", "write", "Start enrollment of finger 0-9", {
    body: S.EnrollBody,
    ...msg,
    errors: [...RELAY, ...INPUT, "USER_NOT_FOUND"],
  }),
  op("users", "GET", "/devices/:id/users/:user_id/fingers", "users.fingers", "read", "Enrolled fingers", {
    data: OPS["users.fingers"].result.shape.fingers,
    errors: [...RELAY, "USER_NOT_FOUND"],
  }),
  op("users", "GET", "/devices/:id/deleted-users", "users.deleted", "read", "Deleted users that can be restored, newest first", {
    data: S.DeletedUser.array(),
    errors: DEV,
  }),
  op("users", "DELETE", "/users/:user_id", "users.offboard", "write", "Delete a user from every device (or ?devices=a,b)", {
    query: S.OffboardQuery,
    data: S.OffboardData,
    errors: [...DEV, ...INPUT],
  }),

  op("attendance", "GET", "/devices/:id/attendance", "attendance.list", "read", "Attendance records of one device", {
    query: S.AttendanceQuery,
    data: S.AttendanceRecord.array(),
    errors: [...RELAY, ...INPUT],
  }),
  op("attendance", "GET", "/attendance/all", "attendance.all", "read", "Every device's attendance in parallel; failures in `errors`", {
    query: S.AttendanceAllQuery,
    data: S.AttendanceRecord.extend({ device: z.string() }).array(),
    more: { errors: z.record(z.string(), z.string()) },
    errors: INPUT,
  }),

  op("admin", "POST", "/admin/sites", "sites.create", "admin", "Create a site; its agent token is shown once", {
    body: S.CreateSiteBody,
    status: 201,
    data: S.SiteWithToken,
    errors: [...INPUT, "SITE_EXISTS", "FORBIDDEN"],
  }),
  op("admin", "GET", "/admin/sites", "sites.list", "admin", "Sites, device counts and agent status", {
    data: S.SiteListItem.array(),
    errors: ["FORBIDDEN"],
  }),
  op("admin", "DELETE", "/admin/sites/:id", "sites.delete", "admin", "Delete a site without devices (its agent is disconnected)", {
    data: z.object({ id: z.string(), deleted: z.literal(true) }),
    errors: ["SITE_NOT_FOUND", "SITE_NOT_EMPTY", "FORBIDDEN"],
  }),
  op("admin", "POST", "/admin/sites/:id/rotate-token", "sites.rotateToken", "admin", "New agent token (shown once); the old one stops", {
    data: S.SiteWithToken,
    errors: ["SITE_NOT_FOUND", "FORBIDDEN"],
  }),
  op("admin", "POST", "/admin/keys", "keys.create", "admin", "Create an API key; shown once", {
    body: S.CreateKeyBody,
    status: 201,
    data: S.KeyWithSecret,
    errors: [...INPUT, "SITE_NOT_FOUND", "FORBIDDEN"],
  }),
  op("admin", "GET", "/admin/keys", "keys.list", "admin", "API keys (never the keys or their hashes)", {
    data: S.PublicKey.array(),
    errors: ["FORBIDDEN"],
  }),
  op("admin", "DELETE", "/admin/keys/:id", "keys.revoke", "admin", "Revoke an API key", {
    data: S.PublicKey,
    errors: ["KEY_NOT_FOUND", "FORBIDDEN"],
  }),
  op("admin", "GET", "/audit", "audit.list", "admin", "Audit log, newest first, cursor-paginated", {
    query: S.AuditQuery,
    data: S.AuditRow.array(),
    more: { next_cursor: z.string().nullable() },
    errors: INPUT,
  }),
];

const byRoute = new Map(OPERATIONS.map((o) => [`${o.method} ${o.path}`, o]));

/** The catalogue entry of a matched Hono route. */
export function operationOf(method: string, path: string): Operation | undefined {
  return byRoute.get(`${method} ${path}`);
}
