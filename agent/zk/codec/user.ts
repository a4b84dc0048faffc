// User records: 72-byte TFT/"ZK8" (zk-protocol §8.3) and 28-byte "ZK6" (§8.4) layouts, and the user table.
import type { ZkUser, ZkUserInput } from "../types";
import { ZkInvalidInputError, ZkProtocolError } from "../errors";
import { ByteWriter, decodeFixedAt, encodedLength } from "./bytes";
import { encodeTable, nearestDividingSize, recordSizeOf } from "./table";

/** A 72-byte record. Name and user_id keep one byte for the firmware's NUL terminator (§8.3). */
export function encodeUser72(u: ZkUserInput, encoding = "utf-8"): Uint8Array {
  return new ByteWriter(72)
    .u16le(u.uid)
    .u8(u.privilege ?? 0)
    .fixedText(u.password ?? "", 8, encoding)
    .bytes(nulTerminated(u.name ?? "", 24, encoding))
    .u32le(u.card ?? 0)
    .u8(u.group ?? 1) // adrobinoga: group number, default 1 (§8.3)
    .fixedText(u.groupId ?? "", 7, "utf-8")
    .u8(0)
    .bytes(nulTerminated(u.userId, 24, "utf-8"))
    .finish();
}

/** A 28-byte record; user_id must be a number that fits a u32 (§8.4). */
export function encodeUser28(u: ZkUserInput, encoding = "utf-8"): Uint8Array {
  return new ByteWriter(28)
    .u16le(u.uid)
    .u8(u.privilege ?? 0)
    .fixedText(u.password ?? "", 5, encoding)
    .fixedText(u.name ?? "", 8, encoding)
    .u32le(u.card ?? 0)
    .u8(0)
    .u8(u.group ?? 1)
    .i16le(0) // time zone
    .u32le(numericUserId(u.userId))
    .finish();
}

/** Bytes of the password field: 8 in the 72-byte record (§8.3), 5 in the 28-byte one (§8.4). */
export const PASSWORD_FIELD_BYTES = { 72: 8, 28: 5 } as const;

/**
 * Refuses a password the record's field cannot hold whole (VALIDATION_FAILED). The encoders cut text to its field,
 * which is right for a name but would silently give the person a different PIN. The message never repeats it.
 */
export function checkPasswordFits(password: string, format: 28 | 72, encoding = "utf-8"): void {
  const max = PASSWORD_FIELD_BYTES[format];
  const bytes = encodedLength(password, encoding);
  if (bytes > max) {
    throw new ZkInvalidInputError(`password of ${bytes} bytes does not fit the ${max}-byte field of a ${format}-byte user record`);
  }
}

/** Decodes a 72-byte record; `raw` keeps the exact bytes (restore writes them back). */
export function decodeUser72(bytes: Uint8Array, encoding = "utf-8"): ZkUser {
  if (bytes.length !== 72) throw new ZkProtocolError(`User record must be 72 bytes, got ${bytes.length}`);
  return user72At(bytes, 0, encoding);
}

/** Decodes a 28-byte record (numeric user_id shown as its decimal string). */
export function decodeUser28(bytes: Uint8Array, encoding = "utf-8"): ZkUser {
  if (bytes.length !== 28) throw new ZkProtocolError(`User record must be 28 bytes, got ${bytes.length}`);
  return user28At(bytes, 0, encoding);
}

// Fields are read in place at `p` (no view or reader object per record: a table holds thousands, and a typed-array
// view costs more than decoding the record); `raw` is the one copy each record needs.

/** The 72-byte record at b[p…] (offsets of §8.3). */
function user72At(b: Uint8Array, p: number, encoding: string): ZkUser {
  return {
    uid: u16(b, p),
    userId: decodeFixedAt(b, p + 48, 24),
    name: decodeFixedAt(b, p + 11, 24, encoding),
    privilege: b[p + 2]!,
    password: decodeFixedAt(b, p + 3, 8, encoding),
    card: u32(b, p + 35),
    group: b[p + 39]!,
    groupId: decodeFixedAt(b, p + 40, 7),
    format: 72,
    raw: b.slice(p, p + 72),
  };
}

/** The 28-byte record at b[p…] (offsets of §8.4: password 3–7, name 8–15, card 16, group 21, user_id 24). */
function user28At(b: Uint8Array, p: number, encoding: string): ZkUser {
  return {
    uid: u16(b, p),
    userId: String(u32(b, p + 24)),
    name: decodeFixedAt(b, p + 8, 8, encoding),
    privilege: b[p + 2]!,
    password: decodeFixedAt(b, p + 3, 5, encoding),
    card: u32(b, p + 16),
    group: b[p + 21]!,
    groupId: "",
    format: 28,
    raw: b.slice(p, p + 28),
  };
}

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/**
 * Record size of a user table body: length / count when that is 28 or 72 (§8.7). Counts can move between
 * GET_FREE_SIZES and the read, so otherwise the size that divides with a record count nearest `count` (72 on a tie).
 */
export function userRecordSize(bodyLength: number, count?: number): 28 | 72 {
  const bySize = count === undefined ? undefined : recordSizeOf(bodyLength, count);
  if (bySize === 72 || bySize === 28) return bySize;
  const size = nearestDividingSize(bodyLength, count, [72, 28] as const);
  if (size !== undefined) return size;
  throw new ZkProtocolError(`User table of ${bodyLength} bytes is neither 28- nor 72-byte records`);
}

/** Decodes a user table body (after the u32 prefix); 0 users or an empty body → []. */
export function decodeUserTable(buffer: Uint8Array, count?: number, encoding = "utf-8"): ZkUser[] {
  if (buffer.length === 0 || count === 0) return [];
  const size = userRecordSize(buffer.length, count);
  const out: ZkUser[] = [];
  decodeUserRange(buffer, size, 0, buffer.length, out, encoding);
  return out;
}

/** Appends the `size`-byte records in body[from, to) to `out` (on record boundaries): decodeUserTable in pieces. */
export function decodeUserRange(body: Uint8Array, size: 28 | 72, from: number, to: number, out: ZkUser[], encoding = "utf-8"): void {
  if ((from % size !== 0) || (to - from) % size !== 0 || to > body.length) {
    throw new ZkProtocolError(`User range ${from}…${to} is not whole ${size}-byte records of ${body.length} bytes`);
  }
  const decode = size === 72 ? user72At : user28At;
  for (let pos = from; pos < to; pos += size) out.push(decode(body, pos, encoding));
}

/** u32 prefix + records: the buffer a device serves for a user read. */
export function encodeUserTable(records: readonly Uint8Array[]): Uint8Array {
  return encodeTable(records);
}

function nulTerminated(text: string, size: number, encoding: string): Uint8Array {
  const out = new Uint8Array(size);
  out.set(new ByteWriter(size - 1).fixedText(text, size - 1, encoding).finish());
  return out;
}

function numericUserId(userId: string): number {
  if (!/^\d{1,10}$/.test(userId) || Number(userId) > 0xffffffff) {
    throw new ZkInvalidInputError(`user_id '${userId}' must be a number up to 4294967295 on 28-byte firmware`);
  }
  return Number(userId);
}
