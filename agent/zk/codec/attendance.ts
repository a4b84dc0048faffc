// Attendance records: 8-, 16- and 40-byte (or longer) layouts (zk-protocol §9.1) and the attendance table.
import type { ZkAttendance } from "../types";
import { ZkInvalidInputError, ZkProtocolError } from "../errors";
import { ByteWriter, decodeFixedAt } from "./bytes";
import { decodeZkTime, encodeZkTime } from "./time";
import { encodeTable, recordSizeOf } from "./table";

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
function decodeAt(b: Uint8Array, pos: number, size: number): ZkAttendance {
  if (size === 8) {
    return { uid: u16(b, pos), userId: "", time: decodeZkTime(u32(b, pos + 3)), status: b[pos + 2]!, punch: b[pos + 7]! };
  }
  if (size === 16) {
    return { uid: 0, userId: String(u32(b, pos)), time: decodeZkTime(u32(b, pos + 4)), status: b[pos + 8]!, punch: b[pos + 9]! };
  }
  const userId = decodeFixedAt(b, pos + 2, 24);
  return { uid: u16(b, pos), userId, time: decodeZkTime(u32(b, pos + 27)), status: b[pos + 26]!, punch: b[pos + 31]! };
}

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/** Record size of an attendance body: length / count when 8, 16 or ≥ 40, else whatever divides (40, 16, 8). */
export function attendanceRecordSize(bodyLength: number, count?: number): number {
  const bySize = count === undefined ? undefined : recordSizeOf(bodyLength, count);
  if (bySize !== undefined && (bySize === 8 || bySize === 16 || bySize >= 40)) return bySize;
  for (const size of [40, 16, 8]) if (bodyLength % size === 0) return size;
  throw new ZkProtocolError(`Attendance table of ${bodyLength} bytes has no known record size`);
}

/** Decodes an attendance table body (after the u32 prefix); empty → []. */
export function decodeAttendanceTable(buffer: Uint8Array, count?: number): ZkAttendance[] {
  if (buffer.length === 0 || count === 0) return [];
  const size = attendanceRecordSize(buffer.length, count);
  const out: ZkAttendance[] = [];
  // A trailing partial record cannot occur: the size divides the body (see attendanceRecordSize), but stay safe.
  for (let pos = 0; pos + size <= buffer.length; pos += size) out.push(decodeAt(buffer, pos, size));
  if (buffer.length % size !== 0) throw new ZkProtocolError(`Unknown attendance record size ${buffer.length % size}`);
  return out;
}

/** u32 prefix + records of one size: the buffer a device serves for an attendance read. */
export function encodeAttendanceTable(records: readonly ZkAttendance[], size: 8 | 16 | 40 = 40): Uint8Array {
  const enc = size === 8 ? encodeAttendance8 : size === 16 ? (r: ZkAttendance) => encodeAttendance16(r) : encodeAttendance40;
  return encodeTable(records.map(enc));
}
