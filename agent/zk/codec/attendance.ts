// Attendance records: 8-, 16- and 40-byte (or longer) layouts (docs/protocol.md §9.1) and the attendance table.
import type { ZkAttendance } from "../types";
import { ZkInvalidInputError, ZkProtocolError } from "../errors";
import { ByteWriter, decodeFixedAt } from "./bytes";
import { decodeZkTime, encodeZkTime } from "./time";
import { encodeTable, nearestDividingSize, recordSizeOf } from "./table";

/** 8 bytes: uid, status, time, punch (no user_id: readers map it from the user list). */
export function encodeAttendance8(rec: ZkAttendance): Uint8Array {
  return new ByteWriter(8).u16le(rec.uid).u8(rec.status).u32le(encodeZkTime(rec.time)).u8(rec.punch).finish();
}

/** 16 bytes: numeric user_id, time, status, punch, 2 reserved, u32 work code (no uid). */
export function encodeAttendance16(rec: ZkAttendance, workCode = 0): Uint8Array {
  if (!/^\d{1,10}$/.test(rec.userId) || Number(rec.userId) > 0xffffffff) {
    throw new ZkInvalidInputError(`user_id '${rec.userId}' must be numeric for 16-byte attendance records`);
  }
  return new ByteWriter(16)
    .u32le(Number(rec.userId))
    .u32le(encodeZkTime(rec.time))
    .u8(rec.status)
    .u8(rec.punch)
    .skip(2)
    .u32le(workCode)
    .finish();
}

/** 40 bytes (TFT): uid, 24-byte user_id, status, unaligned time at 27, punch, 8 reserved as a real device sends them. */
export function encodeAttendance40(rec: ZkAttendance): Uint8Array {
  return new ByteWriter(40)
    .u16le(rec.uid)
    .fixedText(rec.userId, 24)
    .u8(rec.status)
    .u32le(encodeZkTime(rec.time))
    .u8(rec.punch)
    .bytes(Uint8Array.of(0, 0, 0, 0, 0xff, 0, 0, 0)) // §9.1: adrobinoga's device
    .finish();
}

/** Decodes one record of the given size (any size ≥ 40 reads like 40, §9.1: 49-byte firmware). */
export function decodeAttendance(bytes: Uint8Array): ZkAttendance {
  if (bytes.length === 8 || bytes.length === 16 || bytes.length >= 40) return decodeAt(bytes, 0, bytes.length);
  throw new ZkProtocolError(`Unknown attendance record size ${bytes.length}`);
}

/**
 * The record of `size` bytes at `pos` (size already checked to be 8, 16 or ≥ 40). Reads bytes in place, without a
 * view or reader object per record: a log holds 100 000 of them.
 */
function decodeAt(b: Uint8Array, pos: number, size: number, ids?: Map<number, string>): ZkAttendance {
  if (size === 8) {
    return { uid: u16(b, pos), userId: "", time: decodeZkTime(u32(b, pos + 3)), status: b[pos + 2]!, punch: b[pos + 7]! };
  }
  if (size === 16) {
    return { uid: 0, userId: String(u32(b, pos)), time: decodeZkTime(u32(b, pos + 4)), status: b[pos + 8]!, punch: b[pos + 9]! };
  }
  const uid = u16(b, pos);
  const userId = ids ? userIdAt(b, pos + 2, uid, ids) : decodeFixedAt(b, pos + 2, 24);
  return { uid, userId, time: decodeZkTime(u32(b, pos + 27)), status: b[pos + 26]!, punch: b[pos + 31]! };
}

/**
 * The 24-byte user_id at `at`, reusing the string the same uid had in an earlier record when the bytes still match:
 * a log repeats each person's id many times, and comparing a few bytes is cheaper than building the string again.
 * Only plain-ASCII ids are reused (their bytes are their characters, so equal bytes mean an equal decode).
 */
function userIdAt(b: Uint8Array, at: number, uid: number, ids: Map<number, string>): string {
  const known = ids.get(uid);
  if (known !== undefined && sameAscii(b, at, known)) return known;
  const fresh = decodeFixedAt(b, at, 24);
  if (/^[\x01-\x7f]*$/.test(fresh)) ids.set(uid, fresh);
  return fresh;
}

function sameAscii(b: Uint8Array, at: number, s: string): boolean {
  const n = s.length;
  for (let k = 0; k < n; k++) if (b[at + k] !== s.charCodeAt(k)) return false;
  return n === 24 || b[at + n] === 0;
}

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/**
 * Record size of an attendance body (§9.1). length / count when that is exactly 8, 16 or 40; otherwise the exact
 * size that divides the body with a record count nearest `count`. A size above 40 (49-byte firmware) is taken from
 * length / count only when 40 does not divide the body: 41 × 40-byte records read with a stale count of 40 would
 * otherwise pass for 40 records of 41 bytes.
 */
export function attendanceRecordSize(bodyLength: number, count?: number): number {
  const bySize = count === undefined ? undefined : recordSizeOf(bodyLength, count);
  if (bySize === 8 || bySize === 16 || bySize === 40) return bySize;
  if (bySize !== undefined && bySize > 40 && bodyLength % 40 !== 0) return bySize;
  const exact = nearestDividingSize(bodyLength, count, [40, 16, 8] as const);
  if (exact !== undefined) return exact;
  throw new ZkProtocolError(`Attendance table of ${bodyLength} bytes has no known record size`);
}

/** Decodes an attendance table body (after the u32 prefix); empty → []. */
export function decodeAttendanceTable(buffer: Uint8Array, count?: number): ZkAttendance[] {
  if (buffer.length === 0 || count === 0) return [];
  const size = attendanceRecordSize(buffer.length, count);
  const out: ZkAttendance[] = [];
  decodeAttendanceRange(buffer, size, 0, buffer.length, out);
  return out;
}

/**
 * Appends the `size`-byte records in body[from, to) to `out` (`from`/`to` on record boundaries): the table
 * decoder in pieces, for a client that decodes each chunk while the next one is still on the wire. Pass the same
 * `ids` map to every piece of one table (it remembers user_id strings, see userIdAt).
 */
export function decodeAttendanceRange(
  body: Uint8Array,
  size: number,
  from: number,
  to: number,
  out: ZkAttendance[],
  ids: Map<number, string> = new Map(),
): void {
  if (!(size === 8 || size === 16 || size >= 40)) throw new ZkProtocolError(`Unknown attendance record size ${size}`);
  if (from % size !== 0 || (to - from) % size !== 0 || to > body.length) {
    throw new ZkProtocolError(`Attendance range ${from}…${to} is not whole ${size}-byte records of ${body.length} bytes`);
  }
  for (let pos = from; pos < to; pos += size) out.push(decodeAt(body, pos, size, ids));
}

/** u32 prefix + records of one size: the buffer a device serves for an attendance read. */
export function encodeAttendanceTable(records: readonly ZkAttendance[], size: 8 | 16 | 40 = 40): Uint8Array {
  const enc = size === 8 ? encodeAttendance8 : size === 16 ? (r: ZkAttendance) => encodeAttendance16(r) : encodeAttendance40;
  return encodeTable(records.map(enc));
}
