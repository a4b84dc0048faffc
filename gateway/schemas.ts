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

const idList = z
  .string()
  .max(4096)
  .transform((s) => s.split(",").filter((x) => x.trim() !== ""))
  .pipe(z.array(DeviceId).min(1).max(200));

/** `?sites=a,b&devices=c,d` of person-wide calls (either, both or none: gateway/people/scope.ts). */
export const ScopeQuery = z.object({ sites: idList.optional(), devices: idList.optional() });

/** `?sites=a,b&devices=c,d&queue=true` of DELETE /users/{user_id} (docs/people.md §2). */
export const OffboardQuery = ScopeQuery.extend({
  queue: z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1").optional(),
});

export const OFFBOARD_STATUSES = ["deleted", "not_found", "unreachable", "agent_offline", "busy", "error"] as const;
/** What a device of an offboarding may be in besides a call's outcome: waiting for its site's agent, running, called off by an undo. */
export const OFFBOARDING_STATES = [...OFFBOARD_STATUSES, "queued", "applying", "cancelled"] as const;
export const OffboardResult = z.object({
  device: z.string(),
  status: z.enum(OFFBOARDING_STATES),
  error: z.string().optional(),
});

export const OffboardData = z.object({ offboarding_id: z.string(), user_id: z.string(), results: OffboardResult.array() });

/** GET /offboardings/{id}. */
export const Offboarding = OffboardData.extend({
  created_at: z.string(),
  key_id: z.string(),
  undone_at: z.string().nullable(),
  complete: z.boolean(),
  results: OffboardResult.extend({ site: z.string(), snapshot_id: z.number().int().nullable(), undo: z.string().nullable(), updated_at: z.string() }).array(),
});

/** POST /offboardings/{id}/undo: per device, restored or why not. */
export const UndoData = z.object({
  offboarding_id: z.string(),
  user_id: z.string(),
  results: z.object({ device: z.string(), status: z.enum(["restored", "cancelled", "nothing_to_restore", "error"]), code: z.string().optional(), error: z.string().optional() }).array(),
});

/** GET /users/{user_id}. */
export const WhereData = z.object({
  user_id: z.string(),
  devices: User.extend({ device: z.string(), site: z.string(), fingers: z.number().int(), enabled: z.boolean() }).array(),
  unreachable: z.object({ device: z.string(), site: z.string(), status: z.string(), error: z.string() }).array(),
  checked: z.number().int(),
  complete: z.boolean(),
});

/** POST /users/{user_id}/copy. */
export const CopyBody = z.object({ from: DeviceId, to: z.array(DeviceId).min(1).max(50) }).strict();
export const CopyData = z.object({
  user_id: z.string(),
  from: z.string(),
  results: z
    .object({
      device: z.string(),
      status: z.enum(["copied", "conflict", "unreachable", "agent_offline", "busy", "error"]),
      format: z.union([z.literal(28), z.literal(72)]).optional(),
      converted: z.boolean().optional(),
      fingers: z.number().int().optional(),
      code: z.string().optional(),
      error: z.string().optional(),
    })
    .array(),
});

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
