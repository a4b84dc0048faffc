// Realtime event packets (docs/protocol.md §11): event code in the session field, reply id 0, EF_ATTLOG payload forms.
import type { ZkAttendance } from "../types";
import { ZkInvalidInputError, ZkProtocolError } from "../errors";
import { ByteReader, ByteWriter, decodeFixed, encodeFixed } from "./bytes";
import { CMD, EF } from "./constants";
import type { ZkPacket } from "./packet";
import { decodeEventTime, encodeEventTime } from "./time";

/** The EF_ATTLOG payload lengths seen in the field (§11.3). */
export type AttLogEventForm = 10 | 12 | 14 | 32 | 36 | 37 | 52;

/** An EF_ATTLOG payload of the given form; the 32-byte family carries the user_id text, 10/14 the uid, 12 a numeric id. */
export function encodeAttLogEvent(rec: ZkAttendance, form: AttLogEventForm = 36): Uint8Array {
  const w = new ByteWriter(form);
  if (form === 10 || form === 14) w.u16le(rec.uid);
  else if (form === 12) {
    if (!/^\d{1,10}$/.test(rec.userId)) throw new ZkInvalidInputError(`user_id '${rec.userId}' must be numeric for 12-byte events`);
    w.u32le(Number(rec.userId));
  } else w.bytes(encodeFixed(rec.userId, 24));
  return w.u8(rec.status).u8(rec.punch).bytes(encodeEventTime(rec.time)).finish();
}

/** Decodes an EF_ATTLOG payload by its length (10, 12, 14, or any ≥ 32); unknown ids are uid 0 / userId "". */
export function decodeAttLogEvent(payload: Uint8Array): ZkAttendance {
  const r = new ByteReader(payload);
  let uid = 0;
  let userId = "";
  if (payload.length === 10 || payload.length === 14) uid = r.u16le();
  else if (payload.length === 12) userId = String(r.u32le());
  else if (payload.length >= 32) userId = decodeFixed(r.bytes(24));
  else throw new ZkProtocolError(`Unknown EF_ATTLOG payload length ${payload.length}`);
  const status = r.u8();
  const punch = r.u8();
  return { uid, userId, status, punch, time: decodeEventTime(r.bytes(6)) };
}

/** True for an unsolicited device event: CMD_REG_EVENT with reply id 0 (§11.2). */
export function isEventPacket(p: ZkPacket): boolean {
  return p.command === CMD.regEvent && p.replyId === 0;
}

/** The packet a device sends for event `code` (a simulator helper). */
export function eventPacket(code: number, payload: Uint8Array): ZkPacket {
  return { command: CMD.regEvent, sessionId: code, replyId: 0, payload };
}

/** A decoded realtime event (§11.3, §11.5). */
export type ZkEvent =
  | { kind: "attLog"; record: ZkAttendance }
  | { kind: "finger" }
  | { kind: "fpftr"; score: number }
  | { kind: "enrollFinger"; result: number; size?: number }
  | { kind: "enrollUser"; uid: number }
  | { kind: "other"; code: number; payload: Uint8Array };

/** Decodes an event packet's header and payload into one of the known kinds. */
export function decodeEvent(p: ZkPacket): ZkEvent {
  if (p.command !== CMD.regEvent) throw new ZkProtocolError(`Not an event packet: command ${p.command}`);
  const code = p.sessionId;
  const r = new ByteReader(p.payload);
  switch (code) {
    case EF.attLog:
      return { kind: "attLog", record: decodeAttLogEvent(p.payload) };
    case EF.finger:
      return { kind: "finger" };
    case EF.fpftr:
      return { kind: "fpftr", score: r.u8() };
    case EF.enrollFinger: {
      const result = r.u16le();
      return r.remaining >= 2 ? { kind: "enrollFinger", result, size: r.u16le() } : { kind: "enrollFinger", result };
    }
    case EF.enrollUser:
      return { kind: "enrollUser", uid: r.u16le() };
    default:
      return { kind: "other", code, payload: p.payload };
  }
}
