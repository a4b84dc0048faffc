// zod schemas of the events API (queries, watch rows); D1-free so openapi.json can be built in Node too.
import { z } from "zod";
import { decodeCursor, EVENT_TYPES } from "../../shared/events";
import { AttendanceFilters } from "../../shared/ops";

/** A cursor query parameter: one of ours, else a validation error naming `after`. */
export const CursorParam = z.string().refine((s) => decodeCursor(s) !== undefined, "a cursor from an earlier answer (`next` or an event's `cursor`)");

export const EventsQuery = z.object({
  after: CursorParam.optional(),
  device_id: z.string().min(1).max(64).optional(),
  type: z.enum(EVENT_TYPES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** What the gateway knows of a watched terminal (GET /events/devices). */
export const WatchRow = z.object({
  device_id: z.string(),
  /** The agent's last report (live, connecting, stopped), or agent_offline while the site's agent is not connected. */
  state: z.string().nullable(),
  /** Whether the site's agent is connected now: without it, nothing above is current. */
  agent_connected: z.boolean(),
  last_seq: z.number().int(),
  log_records: z.number().int().nullable(),
  caught_up_at: z.string().nullable(),
  log_resets: z.number().int(),
  last_log_reset: z.object({ at: z.string(), previous: z.number(), now: z.number() }).nullable(),
  error: z.string().nullable(),
  updated_at: z.string(),
});
export type WatchRow = z.infer<typeof WatchRow>;

/** GET /devices/{id}/attendance: the seed's filters, plus paging (`after`, `limit`) over the stored or relayed log. */
export const AttendanceQuery = AttendanceFilters.extend({
  after: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(10000).optional(),
});
