// The catalogue of HTTP operations: one entry per route, the source of openapi.json, /docs and audit action names.
import type { z } from "zod";
import { DeviceInfo, OPS } from "../shared/ops";
import type { ErrorCode } from "../shared/errors";
import type { Role } from "./auth/principal";
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
  /** Success status and the schema of `data` (omitted when the answer is only a message). */
  ok: { status: 200 | 201 | 101; data?: z.ZodType; message?: boolean };
  errors: ErrorCode[];
}

const DEV: ErrorCode[] = ["DEVICE_NOT_FOUND"];
const RELAY: ErrorCode[] = ["DEVICE_NOT_FOUND", "DEVICE_UNREACHABLE", "DEVICE_TIMEOUT", "AGENT_OFFLINE", "DEVICE_BUSY", "RELAY_TIMEOUT"];
const result = <O extends keyof typeof OPS>(op: O) => OPS[op].result;

export const OPERATIONS: Operation[] = [
  { method: "GET", path: "/", id: "status", summary: "Service status and device count", tag: "service", auth: "public", ok: { status: 200 }, errors: [] },
  { method: "GET", path: "/openapi.json", id: "openapi", summary: "This OpenAPI 3.1 document", tag: "service", auth: "public", ok: { status: 200 }, errors: [] },
  { method: "GET", path: "/docs", id: "docs", summary: "HTML page listing the operations", tag: "service", auth: "public", ok: { status: 200 }, errors: [] },
  { method: "GET", path: "/agent/connect", id: "agent.connect", summary: "WebSocket the site agent dials (Bearer site token)", tag: "agent", auth: "site-token", ok: { status: 101 }, errors: ["UNAUTHORIZED"] },

  { method: "GET", path: "/devices", id: "devices.list", summary: "List registered devices", tag: "devices", auth: "read", ok: { status: 200, data: S.Device.array() }, errors: [] },
  { method: "POST", path: "/devices", id: "devices.create", summary: "Register a device", tag: "devices", auth: "admin", body: S.CreateDeviceBody, ok: { status: 201, data: S.Device, message: true }, errors: ["VALIDATION_FAILED", "SITE_NOT_FOUND", "FORBIDDEN", "DEVICE_EXISTS"] },
  { method: "GET", path: "/devices/:id", id: "devices.get", summary: "One registry entry", tag: "devices", auth: "read", ok: { status: 200, data: S.Device }, errors: DEV },
  { method: "PUT", path: "/devices/:id", id: "devices.update", summary: "Change registry fields", tag: "devices", auth: "admin", body: S.UpdateDeviceBody, ok: { status: 200, data: S.Device, message: true }, errors: [...DEV, "VALIDATION_FAILED", "SITE_NOT_FOUND", "FORBIDDEN"] },
  { method: "DELETE", path: "/devices/:id", id: "devices.delete", summary: "Remove a device from the registry", tag: "devices", auth: "admin", ok: { status: 200, message: true }, errors: DEV },

  { method: "GET", path: "/devices/:id/ping", id: "device.ping", summary: "Reachability and device time (503 when unreachable)", tag: "device", auth: "read", ok: { status: 200, data: result("device.ping") }, errors: RELAY },
  { method: "GET", path: "/devices/:id/info", id: "device.info", summary: "Serial, platform, firmware, counts and capacities", tag: "device", auth: "read", ok: { status: 200, data: DeviceInfo }, errors: RELAY },
  { method: "GET", path: "/devices/:id/time", id: "time.get", summary: "Device clock", tag: "device", auth: "read", ok: { status: 200, data: result("time.get") }, errors: RELAY },
  { method: "POST", path: "/devices/:id/sync-time", id: "time.sync", summary: "Set the device clock", tag: "device", auth: "write", body: S.SyncTimeBody, bodyOptional: true, ok: { status: 200, data: result("time.sync"), message: true }, errors: RELAY },

  { method: "GET", path: "/devices/:id/users", id: "users.list", summary: "Users on the device", tag: "users", auth: "read", ok: { status: 200, data: S.User.array() }, errors: RELAY },
  { method: "POST", path: "/devices/:id/users", id: "users.create", summary: "Create a user", tag: "users", auth: "write", body: S.CreateUserBody, ok: { status: 201, data: S.User, message: true }, errors: [...RELAY, "USER_EXISTS", "VALIDATION_FAILED"] },
  { method: "PUT", path: "/devices/:id/users/:user_id", id: "users.update", summary: "Update a user", tag: "users", auth: "write", body: S.UpdateUserBody, ok: { status: 200, data: S.User, message: true }, errors: [...RELAY, "USER_NOT_FOUND", "VALIDATION_FAILED"] },
  { method: "DELETE", path: "/devices/:id/users/:user_id", id: "users.delete", summary: "Delete a user (the seed); a snapshot is kept for restore", tag: "users", auth: "write", ok: { status: 200, message: true }, errors: [...RELAY, "USER_NOT_FOUND"] },
  { method: "POST", path: "/devices/:id/users/:user_id/restore", id: "users.restore", summary: "Put a deleted user back, fingers included", tag: "users", auth: "write", body: S.RestoreBody, bodyOptional: true, ok: { status: 200, data: result("users.restore"), message: true }, errors: [...RELAY, "SNAPSHOT_NOT_FOUND", "USER_EXISTS"] },
  { method: "POST", path: "/devices/:id/users/:user_id/enroll-finger", id: "users.enrollFinger", summary: "Start on-device enrollment of finger 0-9", tag: "users", auth: "write", body: S.EnrollBody, ok: { status: 200, message: true }, errors: [...RELAY, "USER_NOT_FOUND", "VALIDATION_FAILED"] },
  { method: "GET", path: "/devices/:id/users/:user_id/fingers", id: "users.fingers", summary: "Enrolled fingers", tag: "users", auth: "read", ok: { status: 200, data: OPS["users.fingers"].result.shape.fingers }, errors: [...RELAY, "USER_NOT_FOUND"] },
  { method: "GET", path: "/devices/:id/deleted-users", id: "users.deleted", summary: "Deleted users that can be restored, newest first", tag: "users", auth: "read", ok: { status: 200, data: S.DeletedUser.array() }, errors: DEV },
  { method: "DELETE", path: "/users/:user_id", id: "users.offboard", summary: "Delete a user from every device (or ?devices=a,b)", tag: "users", auth: "write", query: S.OffboardQuery, ok: { status: 200, data: S.OffboardData }, errors: DEV },

  { method: "GET", path: "/devices/:id/attendance", id: "attendance.list", summary: "Attendance records of one device", tag: "attendance", auth: "read", query: S.AttendanceQuery, ok: { status: 200, data: S.AttendanceRecord.array() }, errors: [...RELAY, "VALIDATION_FAILED"] },
  { method: "GET", path: "/attendance/all", id: "attendance.all", summary: "Attendance of every device, in parallel; failures in `errors`", tag: "attendance", auth: "read", query: S.AttendanceAllQuery, ok: { status: 200, data: S.AttendanceRecord.extend({ device: S.Device.shape.id }).array() }, errors: ["VALIDATION_FAILED"] },

  { method: "POST", path: "/admin/sites", id: "sites.create", summary: "Create a site; its agent token is shown once", tag: "admin", auth: "admin", body: S.CreateSiteBody, ok: { status: 201 }, errors: ["SITE_EXISTS", "VALIDATION_FAILED", "FORBIDDEN"] },
  { method: "GET", path: "/admin/sites", id: "sites.list", summary: "Sites, device counts and agent status", tag: "admin", auth: "admin", ok: { status: 200 }, errors: ["FORBIDDEN"] },
  { method: "DELETE", path: "/admin/sites/:id", id: "sites.delete", summary: "Delete a site without devices", tag: "admin", auth: "admin", ok: { status: 200 }, errors: ["SITE_NOT_FOUND", "SITE_NOT_EMPTY", "FORBIDDEN"] },
  { method: "POST", path: "/admin/sites/:id/rotate-token", id: "sites.rotateToken", summary: "New agent token (shown once); the old one stops working", tag: "admin", auth: "admin", ok: { status: 200 }, errors: ["SITE_NOT_FOUND", "FORBIDDEN"] },
  { method: "POST", path: "/admin/keys", id: "keys.create", summary: "Create an API key; shown once", tag: "admin", auth: "admin", body: S.CreateKeyBody, ok: { status: 201 }, errors: ["SITE_NOT_FOUND", "VALIDATION_FAILED", "FORBIDDEN"] },
  { method: "GET", path: "/admin/keys", id: "keys.list", summary: "API keys (never the keys or their hashes)", tag: "admin", auth: "admin", ok: { status: 200 }, errors: ["FORBIDDEN"] },
  { method: "DELETE", path: "/admin/keys/:id", id: "keys.revoke", summary: "Revoke an API key", tag: "admin", auth: "admin", ok: { status: 200 }, errors: ["KEY_NOT_FOUND", "FORBIDDEN"] },
  { method: "GET", path: "/audit", id: "audit.list", summary: "Audit log, newest first, cursor-paginated", tag: "admin", auth: "admin", query: S.AuditQuery, ok: { status: 200, data: S.AuditRow.array() }, errors: ["VALIDATION_FAILED"] },
];

const byRoute = new Map(OPERATIONS.map((op) => [`${op.method} ${op.path}`, op]));

/** The catalogue entry of a matched Hono route. */
export function operationOf(method: string, path: string): Operation | undefined {
  return byRoute.get(`${method} ${path}`);
}
