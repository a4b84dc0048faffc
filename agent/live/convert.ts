// Terminal records and realtime events as the relay's AgentEvents (shared/events.ts): type, user, time, verify details.
import type { AgentEvent } from "../../shared/events";
import type { AttendanceRecord } from "../../shared/ops";
import { formatDeviceTime, fromDate } from "../zk/codec/time";
import { decodeFixed } from "../zk/codec/bytes";
import type { ZkEvent } from "../zk/codec/event";

/** EF flags of docs/protocol.md §3.3 the live session registers for: attendance, enrolled finger, door, alarm. */
export const EF_ATTLOG = 1;
export const EF_ENROLLFINGER = 8;
export const EF_UNLOCK = 32;
export const EF_ALARM = 512;
export const LIVE_EVENT_MASK = EF_ATTLOG | EF_ENROLLFINGER | EF_UNLOCK | EF_ALARM;

/** A log record (or a live punch, already given its user_id) as an attendance event. */
export function punchEvent(deviceId: string, r: AttendanceRecord, catchUp: boolean): AgentEvent {
  return {
    device_id: deviceId,
    type: "attendance",
    user_id: r.user_id.slice(0, 24),
    ...(r.uid > 0 ? { uid: r.uid } : {}),
    timestamp: r.timestamp,
    status: r.status,
    punch: r.punch,
    catch_up: catchUp,
  };
}

/** Alarm first bytes that are about the door rather than an alarm (docs/protocol.md §11.5). */
const DOOR_ALARMS = new Set([0x35, 0x54]);

/**
 * A non-punch event as an AgentEvent, or undefined for events that are not reported (finger touches, scores).
 * These carry no time, so the agent's clock stamps them, in the terminal's wall-clock format.
 */
export function otherEvent(deviceId: string, e: ZkEvent, now: Date): AgentEvent | undefined {
  const timestamp = formatDeviceTime(fromDate(now));
  if (e.kind === "enrollFinger") return undefined; // decoded without the user: see enrollEvent
  if (e.kind !== "other") return undefined;
  const p = e.payload;
  if (e.code === EF_UNLOCK) return { device_id: deviceId, type: "door", user_id: "", timestamp, verify: { event: "unlock" }, catch_up: false };
  if (e.code === EF_ALARM) {
    if (p.length >= 12 && p[0] === 0xff && p[1] === 0xff && p[2] === 0xff && p[3] === 0xff) {
      const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
      const kind = view.getUint16(4, true);
      const uid = view.getUint16(6, true);
      return { device_id: deviceId, type: "alarm", user_id: "", ...(uid > 0 ? { uid } : {}), timestamp, verify: { alarm: kind === 0x20 ? "duress" : kind === 0x22 ? "anti-passback" : `0x${kind.toString(16)}` }, catch_up: false };
    }
    const code = p[0] ?? 0;
    const type = DOOR_ALARMS.has(code) ? "door" : "alarm";
    const name = code === 0x37 ? "tamper" : code === 0x35 ? "exit-button" : code === 0x54 ? "door-closed" : code === 0x3a ? "wrong-operation" : `0x${code.toString(16)}`;
    return { device_id: deviceId, type, user_id: "", timestamp, verify: { [type === "door" ? "event" : "alarm"]: name }, catch_up: false };
  }
  return undefined;
}

/** EF_ENROLLFINGER (docs/protocol.md §11.5): u16 result; when 0, u16 template size, the user_id (24 bytes), finger. */
export function enrollEvent(deviceId: string, payload: Uint8Array, now: Date): AgentEvent | undefined {
  if (payload.length < 2) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const result = view.getUint16(0, true);
  const userId = payload.length >= 28 ? decodeFixed(payload.subarray(4, 28)) : "";
  const finger = payload.length >= 29 ? payload[28]! : undefined;
  return {
    device_id: deviceId,
    type: "enrollment",
    user_id: userId.slice(0, 24),
    timestamp: formatDeviceTime(fromDate(now)),
    verify: { result: result === 0 ? "ok" : result === 5 ? "duplicate" : "failed", ...(finger !== undefined ? { finger } : {}) },
    catch_up: false,
  };
}
