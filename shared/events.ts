// Terminal events (punches, enrolments, door and alarm) as the agent reports them and as the gateway stores and serves them.
import { z } from "zod";
import { DeviceTarget, ID_PATTERN } from "./device";

/** What happened at the terminal: a punch, a finger enrolled, the door, an alarm (docs/events.md §1). */
export const EVENT_TYPES = ["attendance", "enrollment", "door", "alarm"] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

/** Device-local wall-clock time "YYYY-MM-DD HH:mm:ss" (terminals have no time zone). */
const DeviceId = z.string().regex(ID_PATTERN);
const EventTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

/** One event as it crosses the relay (agent → gateway), before the gateway gives it an id, a seq and a cursor. */
export const AgentEvent = z.object({
  device_id: DeviceId,
  type: EventType,
  /** The badge number ("" when the terminal only knows a uid nobody has any more). */
  user_id: z.string().max(24),
  /** The terminal's internal uid when known (0: unknown). */
  uid: z.number().int().min(0).max(0xffffffff).optional(),
  timestamp: EventTime,
  /** How the person verified (docs/protocol.md §9.2): 1 fingerprint, 0 password… */
  status: z.number().int().min(0).max(255).optional(),
  /** The attendance state chosen: 0 check-in, 1 check-out… */
  punch: z.number().int().min(0).max(255).optional(),
  /** Verification details where the terminal sends them (enrolment: finger and result; alarm: its code). */
  verify: z.record(z.string(), z.union([z.string().max(64), z.number()])).optional(),
  /** Read from the terminal's log after a (re)connect rather than received live (docs/events.md §4). */
  catch_up: z.boolean(),
});
export type AgentEvent = z.infer<typeof AgentEvent>;

/** One event as the gateway stores and serves it (GET /events, webhooks). */
export const StoredEvent = AgentEvent.extend({
  /** Stable: the same punch reported twice (live, then again by a catch-up) has the same id (see eventKey). */
  id: z.string(),
  /** Per device, 1, 2, 3… in the order the gateway stored them. */
  seq: z.number().int().positive(),
  /** Opaque position in the site-wide log: GET /events?after=<cursor> answers what was stored after it. */
  cursor: z.string(),
  site_id: z.string(),
  /** ISO time the gateway stored it. */
  received_at: z.string(),
});
export type StoredEvent = z.infer<typeof StoredEvent>;

/**
 * The dedupe key of docs/events.md §3: device + user_id + timestamp + status/punch (and the type, so an enrolment
 * and a punch of the same second stay two events). A punch reported live and again by a catch-up has one key.
 */
export type EventKeyFields = Pick<AgentEvent, "device_id" | "type" | "user_id" | "timestamp" | "status" | "punch" | "verify"> & Partial<AgentEvent>;

export function eventKey(e: EventKeyFields): string {
  const extra = e.type === "attendance" ? "" : `|${JSON.stringify(e.verify ?? {})}`;
  return `${e.device_id}|${e.type}|${e.user_id}|${e.timestamp}|${e.status ?? ""}|${e.punch ?? ""}${extra}`;
}

/** The stable event id: "ev_" + the first 32 hex digits of SHA-256(eventKey). Same input, same id, in every process. */
export async function eventId(e: EventKeyFields): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(eventKey(e)));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `ev_${hex.slice(0, 32)}`;
}

const CURSOR_PREFIX = "c1.";

/** The opaque cursor of a stored position (a positive integer). */
export function encodeCursor(pos: number): string {
  return CURSOR_PREFIX + pos.toString(36);
}

/** The position a cursor names, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): number | undefined {
  if (!cursor.startsWith(CURSOR_PREFIX)) return undefined;
  const body = cursor.slice(CURSOR_PREFIX.length);
  if (!/^[0-9a-z]{1,11}$/.test(body)) return undefined;
  const n = parseInt(body, 36);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** How a watched terminal is doing, as the agent reports it (GET /events/devices shows it). */
export const WatchStatus = z.object({
  device_id: DeviceId,
  /** live: session open and events registered; connecting: (re)dialling with backoff; stopped: no longer watched. */
  state: z.enum(["live", "connecting", "stopped"]),
  /** Records in the terminal's log at the last catch-up. */
  log_records: z.number().int().min(0).optional(),
  /** ISO time of the last completed catch-up. */
  caught_up_at: z.string().max(40).optional(),
  /** The log was found cleared or shrunk (docs/events.md §5): when, and how many records it had and has. */
  log_reset: z.object({ at: z.string().max(40), previous: z.number().int().min(0), now: z.number().int().min(0) }).optional(),
  /** Why the last connect failed (a code of shared/errors.ts). */
  error: z.string().max(64).optional(),
  /** ISO time of this report on the agent's clock: a report re-sent late never overwrites a newer one. */
  at: z.string().max(40).optional(),
});
export type WatchStatus = z.infer<typeof WatchStatus>;

/** Events per relay frame at most; a bigger batch is split (each frame stays far below MAX_FRAME_BYTES). */
export const MAX_EVENTS_PER_FRAME = 500;

/** agent → gateway: a batch of events (and watch statuses), kept in the agent's event outbox until acknowledged by `id`. */
export const EventsFrame = z.object({
  v: z.literal(1),
  type: z.literal("events"),
  id: z.string().uuid(),
  events: z.array(AgentEvent).max(MAX_EVENTS_PER_FRAME),
  status: z.array(WatchStatus).max(256).optional(),
});
export type EventsFrame = z.infer<typeof EventsFrame>;

/** gateway → agent: the terminals of the site to keep a live session with (every registered one); sent on hello and on every registry change. */
export const WatchFrame = z.object({
  v: z.literal(1),
  type: z.literal("watch"),
  devices: z.array(DeviceTarget).max(1024),
});
export type WatchFrame = z.infer<typeof WatchFrame>;
