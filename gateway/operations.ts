// The HTTP operations: terminal ops derived from shared/ops.ts, plus the gateway's own routes; the source of openapi.json and audit action names.
import { z } from "zod";
import type { ErrorCode } from "../shared/errors";
import { OPS, ROUTED_OP_NAMES, type HttpMethod, type OpName, type Role } from "../shared/ops";
import * as S from "./schemas";
import * as W from "./webhooks/schemas";
import { StoredEvent } from "../shared/events";
import { EventsQuery, WatchRow } from "./events/schemas";

export type Method = HttpMethod;

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
  /** Codes answered with another status than their contract's. */
  statusOf?: Partial<Record<ErrorCode, number>>;
  /** Relayed to the site's agent (so it may fail as any relayed call does). */
  relayed?: boolean;
  /** Writes an audit row (mutating methods only). */
  audited: boolean;
}

type Extra = Partial<Pick<Operation, "body" | "bodyOptional" | "query" | "errors">> & Partial<Omit<Operation["ok"], "status">> & {
  status?: Operation["ok"]["status"];
};

/** One gateway route's entry; `tag` is the group shown in the docs. */
function op(tag: string, method: Method, path: string, id: string, auth: Operation["auth"], summary: string, x: Extra = {}): Operation {
  const { status = 200, data, message, more, errors = [], ...rest } = x;
  return { method, path, id, summary, tag, auth, ...rest, ok: { status, data, message, more }, errors, audited: method !== "GET" };
}

/** `/devices/{id}/users/{user_id}` → `/devices/:id/users/:user_id` */
const honoPath = (path: string) => path.replace(/\{([A-Za-z_]+)\}/g, ":$1");

/** The HTTP operation of a declared terminal op. */
function terminalOp(name: OpName): Operation {
  const decl = OPS[name];
  const { http } = decl;
  const result = decl.result as z.ZodType;
  const data =
    http.dataSchema ?? (http.data === true ? result : http.data === undefined ? undefined : (result as z.ZodObject).shape[http.data]);
  const schema = http.schema ?? decl.args;
  return {
    method: http.method,
    path: honoPath(http.path),
    id: name,
    summary: http.summary,
    tag: http.tag,
    auth: http.role,
    ...(http.input === "body" ? { body: schema, bodyOptional: http.bodyOptional } : {}),
    ...(http.input === "query" ? { query: schema as z.ZodObject } : {}),
    ok: { status: http.status ?? 200, data: data as z.ZodType | undefined, message: http.message !== undefined, more: http.more },
    errors: ["DEVICE_NOT_FOUND", ...(http.input ? (["VALIDATION_FAILED"] as ErrorCode[]) : []), ...(http.errors ?? [])],
    statusOf: http.statusOf,
    relayed: true,
    audited: decl.audited,
  };
}

const DEV: ErrorCode[] = ["DEVICE_NOT_FOUND"];
const INPUT: ErrorCode[] = ["VALIDATION_FAILED"];
const msg = { message: true };

/** The gateway's own routes (registry, offboarding, administration, service); terminal ops follow from OPS. */
const GATEWAY_ROUTES: Operation[] = [
  op("service", "GET", "/", "status", "public", "Service status and device count", {
    data: z.object({ service: z.string(), status: z.literal("ok"), version: z.string(), devices: z.number().int() }),
  }),
  op("service", "GET", "/openapi.json", "openapi", "public", "This OpenAPI 3.1 document"),
  op("service", "GET", "/docs", "docs", "public", "Interactive API reference (Scalar) of this document"),
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


  op("users", "GET", "/devices/:id/deleted-users", "users.deleted", "read", "Deleted users that can be restored, newest first", {
    data: S.DeletedUser.array(),
    errors: DEV,
  }),
  op("users", "DELETE", "/users/:user_id", "users.offboard", "write", "Offboard a user from every device in scope (?sites=, ?devices=; ?queue=true queues offline sites)", {
    query: S.OffboardQuery,
    data: S.OffboardData,
    errors: [...DEV, ...INPUT, "SITE_NOT_FOUND", "OFFBOARDING_INCOMPLETE"],
  }),
  // People across terminals (docs/people.md).
  op("users", "GET", "/users/:user_id", "users.where", "read", "Every visible terminal holding this user_id (?sites=, ?devices=), and which could not be asked", {
    query: S.ScopeQuery,
    data: S.WhereData,
    errors: [...DEV, ...INPUT, "SITE_NOT_FOUND"],
  }),
  op("users", "POST", "/users/:user_id/copy", "users.copy", "write", "Copy a user (record and fingerprints) from one device to others", {
    body: S.CopyBody,
    data: S.CopyData,
    ...msg,
    errors: [...DEV, ...INPUT, "USER_NOT_FOUND", "OFFBOARDING_INCOMPLETE"],
  }),
  op("users", "GET", "/offboardings/:id", "offboardings.get", "read", "An offboarding and where each of its devices stands", {
    data: S.Offboarding,
    errors: [...INPUT, "OFFBOARDING_NOT_FOUND"],
  }),
  op("users", "POST", "/offboardings/:id/undo", "offboardings.undo", "write", "Undo an offboarding: queued devices called off, every snapshot restored", {
    data: S.UndoData,
    ...msg,
    errors: [...INPUT, "OFFBOARDING_NOT_FOUND", "OFFBOARDING_INCOMPLETE"],
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
  op("events", "GET", "/events", "events.list", "read", "Stored events after a cursor, oldest first (Accept: text/csv or application/x-ndjson streams them)", {
    query: EventsQuery,
    data: StoredEvent.array(),
    more: { next: z.string().nullable() },
    errors: INPUT,
  }),
  op("events", "GET", "/events/devices", "events.devices", "read", "Watched terminals: live session state, last catch-up, cleared-log reports", {
    data: WatchRow.array(),
  }),
  op("webhooks", "POST", "/admin/webhooks", "webhooks.create", "admin", "Subscribe a URL to events; the signing secret is shown once", {
    body: W.CreateWebhookBody,
    status: 201,
    data: W.WebhookWithSecret,
    errors: [...INPUT, "SITE_NOT_FOUND", "FORBIDDEN", "WEBHOOKS_UNAVAILABLE"],
  }),
  op("webhooks", "GET", "/admin/webhooks", "webhooks.list", "admin", "Webhooks with delivery counts (never their secrets)", {
    data: W.Webhook.array(),
    errors: ["FORBIDDEN"],
  }),
  op("webhooks", "GET", "/admin/webhooks/:id", "webhooks.get", "admin", "One webhook with its delivery counts", {
    data: W.Webhook,
    errors: [...INPUT, "WEBHOOK_NOT_FOUND", "FORBIDDEN"],
  }),
  op("webhooks", "DELETE", "/admin/webhooks/:id", "webhooks.delete", "admin", "Delete a webhook and its deliveries", {
    data: W.Webhook,
    ...msg,
    errors: [...INPUT, "WEBHOOK_NOT_FOUND", "FORBIDDEN"],
  }),
  op("webhooks", "GET", "/admin/webhooks/:id/deliveries", "webhooks.deliveries", "admin", "A webhook's deliveries, newest first, cursor-paginated", {
    query: W.DeliveriesQuery,
    data: W.Delivery.array(),
    more: { next_cursor: z.string().nullable() },
    errors: [...INPUT, "WEBHOOK_NOT_FOUND", "FORBIDDEN"],
  }),
  op("webhooks", "POST", "/admin/webhooks/:id/deliveries/:delivery_id/retry", "webhooks.retry", "admin", "Deliver again now (a dead, delivered or waiting delivery)", {
    data: W.Delivery,
    errors: [...INPUT, "WEBHOOK_NOT_FOUND", "DELIVERY_NOT_FOUND", "FORBIDDEN", "WEBHOOKS_UNAVAILABLE"],
  }),
  op("admin", "GET", "/audit", "audit.list", "admin", "Audit log, newest first, cursor-paginated", {
    query: S.AuditQuery,
    data: S.AuditRow.array(),
    more: { next_cursor: z.string().nullable() },
    errors: INPUT,
  }),
];

/** Every HTTP operation of the gateway. */
export const OPERATIONS: Operation[] = [...GATEWAY_ROUTES, ...ROUTED_OP_NAMES.map(terminalOp)];

const byRoute = new Map(OPERATIONS.map((o) => [`${o.method} ${o.path}`, o]));

/** The catalogue entry of a matched Hono route. */
export function operationOf(method: string, path: string): Operation | undefined {
  return byRoute.get(`${method} ${path}`);
}
