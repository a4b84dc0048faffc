// CMD_GET_FREE_SIZES reply: 20 (or 23) little-endian u32 counters and capacities (docs/protocol.md §5.5).
import type { ZkFreeSizes } from "../types";
import { ZkProtocolError } from "../errors";

/** Counters of the reply that ZkFreeSizes does not carry; the simulator may fill them. */
export interface FreeSizesExtra {
  opLog?: number;
  admins?: number;
  passwords?: number;
  faces?: number;
  facesCap?: number;
}

/** The 80-byte (older) or 92-byte (with faces) reply payload. */
export function encodeFreeSizes(s: ZkFreeSizes, form: 80 | 92 = 80, extra: FreeSizesExtra = {}): Uint8Array {
  const out = new Uint8Array(form);
  const view = new DataView(out.buffer);
  const set = (index: number, v: number) => view.setUint32(index * 4, Math.max(0, v) >>> 0, true);
  set(4, s.users);
  set(6, s.fingers);
  set(8, s.records);
  set(10, extra.opLog ?? 0);
  set(12, extra.admins ?? 0);
  set(13, extra.passwords ?? 0);
  set(14, s.fingersCap);
  set(15, s.usersCap);
  set(16, s.recordsCap);
  set(17, s.fingersCap - s.fingers);
  set(18, s.usersCap - s.users);
  set(19, s.recordsCap - s.records);
  if (form === 92) {
    set(20, extra.faces ?? 0);
    set(22, extra.facesCap ?? 0);
  }
  return out;
}

/** Reads counts and capacities; needs at least the 80-byte form. */
export function decodeFreeSizes(payload: Uint8Array): ZkFreeSizes {
  if (payload.length < 80) throw new ZkProtocolError(`Free-sizes reply must be at least 80 bytes, got ${payload.length}`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const get = (index: number) => view.getInt32(index * 4, true);
  return {
    users: get(4),
    fingers: get(6),
    records: get(8),
    fingersCap: get(14),
    usersCap: get(15),
    recordsCap: get(16),
  };
}
