// zod schemas of the HTTP API (request bodies, queries, answer data); routes validate with them, openapi.json shows them.
import { z } from "zod";
import { CommKey, DeviceHost, DeviceId, DevicePort, DeviceTimeout, Transport } from "../shared/device";
import { AttendanceFilters, AttendanceRecord, OPS, ROLES, User, UserId } from "../shared/ops";

/** Site ids follow the same rule as device ids (shared/device.ts). */
export const SiteId = DeviceId;

const Port = DevicePort;
const Timeout = DeviceTimeout;

const DeviceFields = z.object({
  name: z.string().min(1).max(64),
  ip: DeviceHost,
  port: Port,
  password: CommKey,
  timeout: Timeout,
  transport: Transport,
  site: SiteId,
});

/** POST /devices: the seed's fields with its defaults (port 4370, comm key 0, 5 s), plus site and transport. */
export const CreateDeviceBody = z
  .object({
    id: DeviceId,
    name: DeviceFields.shape.name.optional(),
    ip: DeviceHost,
    port: Port.default(4370),
    password: CommKey.default(0),
    timeout: Timeout.default(5),
    transport: Transport.default("tcp"),
    site: SiteId.optional(),
  })
  .strict();

const nonEmpty = (v: object) => Object.keys(v).length > 0;

/** PUT /devices/{id}: any subset of the registry fields, at least one. */
export const UpdateDeviceBody = DeviceFields.partial().strict().refine(nonEmpty, "give at least one field to change");

export const Device = z.object({
  id: z.string(),
  name: z.string(),
  ip: z.string(),
  port: z.number().int(),
  timeout: z.number(),
  transport: Transport,
  site: z.string(),
  has_password: z.boolean(),
});

/** The terminal ops' bodies are declared with the ops (shared/ops.ts); these names are kept for tests and tools. */
export const CreateUserBody = OPS["users.create"].http.schema;
export const AttendanceQuery = AttendanceFilters;
export const AttendanceAllQuery = AttendanceFilters.pick({ user_id: true, date: true });

/** `?devices=a,b` of DELETE /users/{user_id}. */
export const OffboardQuery = z.object({
  devices: z
    .string()
    .max(4096)
    .transform((s) => s.split(",").filter((x) => x.trim() !== ""))
    .pipe(z.array(DeviceId).min(1).max(200))
    .optional(),
});

export const OFFBOARD_STATUSES = ["deleted", "not_found", "unreachable", "agent_offline", "busy", "error"] as const;
export const OffboardResult = z.object({
  device: z.string(),
  status: z.enum(OFFBOARD_STATUSES),
  error: z.string().optional(),
});

export const OffboardData = z.object({ user_id: z.string(), results: OffboardResult.array() });

export const DeletedUser = z.object({
  snapshot_id: z.number().int(),
  user_id: z.string(),
  name: z.string(),
  fingers: z.number().int(),
  deleted_at: z.string(),
  deleted_by: z.string(),
  restored_at: z.string().nullable(),
});

export const CreateSiteBody = z.object({ id: SiteId, name: z.string().min(1).max(100).optional() }).strict();
export const CreateKeyBody = z
  .object({ name: z.string().min(1).max(100), role: z.enum(ROLES), sites: z.array(SiteId).min(1).max(50).optional() })
  .strict();

export const AgentStatus = z.object({
  connected: z.boolean(),
  hostname: z.string().optional(),
  version: z.string().optional(),
  since: z.string().optional(),
  /** When the agent was last heard (a frame or a ping); an agent silent past 30 s counts as not connected. */
  last_seen: z.string().optional(),
});

export const SiteWithToken = z.object({ id: z.string(), name: z.string(), token: z.string() });
export const SiteListItem = z.object({ id: z.string(), name: z.string(), devices: z.number().int(), agent: AgentStatus });
export const PublicKey = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  sites: z.array(z.string()).nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export const KeyWithSecret = PublicKey.pick({ id: true, name: true, role: true, sites: true }).extend({ key: z.string() });

export const AuditQuery = z.object({
  device_id: DeviceId.optional(),
  user_id: UserId.optional(),
  since: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, "a next_cursor value").optional(),
});

export const AuditRow = z.object({
  id: z.number().int(),
  at: z.string(),
  key_id: z.string(),
  action: z.string(),
  method: z.string(),
  path: z.string(),
  site_id: z.string().nullable(),
  device_id: z.string().nullable(),
  user_id: z.string().nullable(),
  status: z.number().int(),
  result: z.string(),
  before_state: z.unknown(),
  detail: z.unknown(),
});

export { AttendanceRecord, User };
