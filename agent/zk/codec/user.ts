// User records: 72-byte TFT/"ZK8" (zk-protocol §8.3) and 28-byte "ZK6" (§8.4) layouts, and the user table.
import type { ZkUser, ZkUserInput } from "../types";
import { ZkInvalidInputError, ZkProtocolError } from "../errors";
import { ByteReader, ByteWriter } from "./bytes";
import { encodeTable, recordSizeOf } from "./table";

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

/** Decodes a 72-byte record; `raw` keeps the exact bytes (restore writes them back). */
export function decodeUser72(bytes: Uint8Array, encoding = "utf-8"): ZkUser {
  if (bytes.length !== 72) throw new ZkProtocolError(`User record must be 72 bytes, got ${bytes.length}`);
  const r = new ByteReader(bytes);
  const uid = r.u16le();
  const privilege = r.u8();
  const password = r.fixedAscii(8, encoding);
  const name = r.fixedAscii(24, encoding);
  const card = r.u32le();
  const group = r.u8();
  const groupId = r.fixedAscii(7);
  r.skip(1);
  const userId = r.fixedAscii(24);
  return { uid, userId, name, privilege, password, card, group, groupId, format: 72, raw: bytes.slice() };
}

/** Decodes a 28-byte record (numeric user_id shown as its decimal string). */
export function decodeUser28(bytes: Uint8Array, encoding = "utf-8"): ZkUser {
  if (bytes.length !== 28) throw new ZkProtocolError(`User record must be 28 bytes, got ${bytes.length}`);
  const r = new ByteReader(bytes);
  const uid = r.u16le();
  const privilege = r.u8();
  const password = r.fixedAscii(5, encoding);
  const name = r.fixedAscii(8, encoding);
  const card = r.u32le();
  r.skip(1);
  const group = r.u8();
  r.skip(2);
  const userId = String(r.u32le());
  return { uid, userId, name, privilege, password, card, group, groupId: "", format: 28, raw: bytes.slice() };
}

/** Record size of a user table body: body length / count when that is 28 or 72 (§8.7), else what divides. */
export function userRecordSize(bodyLength: number, count?: number): 28 | 72 {
  const bySize = count === undefined ? undefined : recordSizeOf(bodyLength, count);
  if (bySize === 72 || bySize === 28) return bySize;
  // Counts can move between GET_FREE_SIZES and the read; fall back to the size that divides (72 first, like pyzk).
  if (bodyLength % 72 === 0) return 72;
  if (bodyLength % 28 === 0) return 28;
  throw new ZkProtocolError(`User table of ${bodyLength} bytes is neither 28- nor 72-byte records`);
}

/** Decodes a user table body (after the u32 prefix); 0 users or an empty body → []. */
export function decodeUserTable(buffer: Uint8Array, count?: number, encoding = "utf-8"): ZkUser[] {
  if (buffer.length === 0 || count === 0) return [];
  const size = userRecordSize(buffer.length, count);
  const decode = size === 72 ? decodeUser72 : decodeUser28;
  const out: ZkUser[] = [];
  for (let pos = 0; pos < buffer.length; pos += size) out.push(decode(buffer.subarray(pos, pos + size), encoding));
  return out;
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
