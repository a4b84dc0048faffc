// Gateway <-> agent WebSocket frames (relay protocol v1): one JSON object per message, validated on both sides.
import { z } from "zod";
import { DeviceTarget } from "./device";
import { EventsFrame, WatchFrame } from "./events";

export const RELAY_VERSION = 1;
/** Largest frame either side accepts (a 3,000-user list with templates fits comfortably). */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

const V = z.literal(RELAY_VERSION);

export const HelloFrame = z.object({
  v: V,
  type: z.literal("hello"),
  agent: z.object({ version: z.string().max(64), hostname: z.string().max(255), capabilities: z.array(z.string().max(64)).max(64) }),
});
export type HelloFrame = z.infer<typeof HelloFrame>;

export const RequestFrame = z.object({
  v: V,
  type: z.literal("request"),
  id: z.string().uuid(),
  /** Not an enum here: an unknown op must reach the agent so it can answer BAD_REQUEST. */
  op: z.string().max(64),
  device: DeviceTarget,
  args: z.record(z.string(), z.unknown()),
  /** Epoch milliseconds after which the gateway has stopped waiting. */
  deadline: z.number().int(),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

/** Longest error text a response frame carries (an agent cuts longer ones). */
export const MAX_ERROR_MESSAGE = 2000;

export const RelayErrorBody = z.object({
  code: z.string().max(64),
  message: z.string().max(MAX_ERROR_MESSAGE),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** `redelivered`: sent again from the agent's outbox (after a reconnect or a missing ack), not on the request's socket. */
export const ResponseFrame = z.discriminatedUnion("ok", [
  z.object({ v: V, type: z.literal("response"), id: z.string(), ok: z.literal(true), result: z.unknown(), redelivered: z.boolean().optional() }),
  z.object({ v: V, type: z.literal("response"), id: z.string(), ok: z.literal(false), error: RelayErrorBody, redelivered: z.boolean().optional() }),
]);
export type ResponseFrame = z.infer<typeof ResponseFrame>;

/**
 * agent → gateway: request `id` will take longer than its deadline (a bulk read found a large table): the gateway
 * waits until `deadline` (epoch ms, the gateway's clock), never longer than MAX_EXTENDED_WAIT_MS (docs/relay.md §4).
 */
export const ExtendFrame = z.object({ v: V, type: z.literal("extend"), id: z.string().max(64), deadline: z.number().int() });
export type ExtendFrame = z.infer<typeof ExtendFrame>;

/** Largest response, in bytes of its JSON text, the agent sends in parts (docs/relay.md §2). */
export const MAX_RESULT_BYTES = 48 * 1024 * 1024;
/** Characters of response text per `part` frame (escaped, still far below MAX_FRAME_BYTES). */
export const PART_CHARS = 1_000_000;

/**
 * agent → gateway: piece `index` of `count` of a response whose JSON text is larger than one frame. The gateway joins
 * the `data` of parts 0…count-1 and reads the result as the response frame it is (docs/relay.md §2).
 */
export const PartFrame = z.object({
  v: V,
  type: z.literal("part"),
  id: z.string().max(64),
  index: z.number().int().min(0),
  count: z.number().int().min(2).max(Math.ceil(MAX_RESULT_BYTES / PART_CHARS) + 1),
  data: z.string(),
});
export type PartFrame = z.infer<typeof PartFrame>;

/** The part frames that carry `text` (a response's JSON) for request `id`. */
export function splitIntoParts(id: string, text: string, partChars = PART_CHARS): PartFrame[] {
  const count = Math.ceil(text.length / partChars);
  return Array.from({ length: count }, (_, index) => ({ v: RELAY_VERSION, type: "part", id, index, count, data: text.slice(index * partChars, (index + 1) * partChars) }));
}

/** A joined response text as a response frame; undefined when it is not one. */
export function parseJoinedResponse(text: string): ResponseFrame | undefined {
  try {
    const parsed = ResponseFrame.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const PingFrame = z.object({ v: V, type: z.literal("ping"), ts: z.number() });
export const PongFrame = z.object({ v: V, type: z.literal("pong"), ts: z.number() });
/** gateway -> agent: the response `id` (of a durable-result op) or the events batch `id` is stored; the agent may forget it. */
export const AckFrame = z.object({ v: V, type: z.literal("ack"), id: z.string().max(64) });
export type AckFrame = z.infer<typeof AckFrame>;

/**
 * The agent's heartbeat ping and the gateway's answer, as fixed texts: the SiteRelay answers it without waking
 * (WebSocket auto-response matches the exact text), so a hibernating gateway still proves the agent alive.
 */
export const PING_TEXT = JSON.stringify({ v: RELAY_VERSION, type: "ping", ts: 0 });
export const PONG_TEXT = JSON.stringify({ v: RELAY_VERSION, type: "pong", ts: 0 });

/** Every frame, both directions. Parse inbound data with `parseFrame`, never `JSON.parse(...) as`. */
export const RelayFrame = z.union([HelloFrame, RequestFrame, ResponseFrame, PingFrame, PongFrame, AckFrame, EventsFrame, WatchFrame, ExtendFrame, PartFrame]);
export type RelayFrame = z.infer<typeof RelayFrame>;

export type ParsedFrame = { ok: true; frame: RelayFrame } | { ok: false; reason: string };

/** Parses one WebSocket message; never throws. */
export function parseFrame(data: string | ArrayBuffer | Uint8Array): ParsedFrame {
  if (typeof data !== "string") return { ok: false, reason: "binary frames are not part of relay protocol v1" };
  if (data.length > MAX_FRAME_BYTES) return { ok: false, reason: `frame larger than ${MAX_FRAME_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  const parsed = RelayFrame.safeParse(json);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  return { ok: true, frame: parsed.data };
}
