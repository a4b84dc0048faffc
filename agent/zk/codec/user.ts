// User records: encode and decode the 72-byte TFT/"ZK8" and 28-byte "ZK6" layouts of user-layout.ts, and the user table.
import type { ZkUser, ZkUserInput } from "../types";
import { ZkProtocolError } from "../errors";
import { decodeFixedAt, encodeFixed } from "./bytes";
import { encodeTable, nearestDividingSize, recordSizeOf } from "./table";
import { checkUserFits, USER_LAYOUTS, type UserField, type UserFormat, type UserLayout } from "./user-layout";

export * from "./user-layout";

/** A record of `format` from fields, every field checked against the layout's byte limits first (never cut). */
export function encodeUser(format: UserFormat, u: ZkUserInput, encoding = "utf-8"): Uint8Array {
  checkUserFits(format, u, encoding);
  const { fields } = USER_LAYOUTS[format];
  const out = new Uint8Array(format);
  const view = new DataView(out.buffer);
  const values: Record<UserField, string | number> = {
    uid: u.uid,
    privilege: u.privilege ?? 0,
    password: u.password ?? "",
    name: u.name ?? "",
    card: u.card ?? 0,
    group: u.group ?? 1, // adrobinoga: group number, default 1 (docs/protocol.md §8.3)
    groupId: u.groupId ?? "",
    userId: u.userId,
  };
  for (const field of Object.keys(fields) as UserField[]) {
    const spec = fields[field]!;
    const value = values[field];
    switch (spec.kind) {
      case "u8":
        out[spec.at] = Number(value);
        break;
      case "u16":
        view.setUint16(spec.at, Number(value), true);
        break;
      case "u32":
      case "decimal":
        view.setUint32(spec.at, Number(value), true);
        break;
      case "text":
        out.set(encodeFixed(String(value), spec.bytes, spec.charset === "ascii" ? "utf-8" : encoding), spec.at);
        break;
    }
  }
  return out;
}

/** A 72-byte record (§8.3). */
export function encodeUser72(u: ZkUserInput, encoding = "utf-8"): Uint8Array {
  return encodeUser(72, u, encoding);
}

/** A 28-byte record (§8.4); user_id must be a number that fits a u32. */
export function encodeUser28(u: ZkUserInput, encoding = "utf-8"): Uint8Array {
  return encodeUser(28, u, encoding);
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

const L72 = USER_LAYOUTS[72].fields as Required<UserLayout["fields"]>;
const L28 = USER_LAYOUTS[28].fields as Omit<Required<UserLayout["fields"]>, "groupId">;

/** The 72-byte record at b[p…] (offsets from USER_LAYOUTS[72]). */
function user72At(b: Uint8Array, p: number, encoding: string): ZkUser {
  return {
    uid: u16(b, p + L72.uid.at),
    userId: decodeFixedAt(b, p + L72.userId.at, L72.userId.bytes),
    name: decodeFixedAt(b, p + L72.name.at, L72.name.bytes, encoding),
    privilege: b[p + L72.privilege.at]!,
    password: decodeFixedAt(b, p + L72.password.at, L72.password.bytes, encoding),
    card: u32(b, p + L72.card.at),
    group: b[p + L72.group.at]!,
    groupId: decodeFixedAt(b, p + L72.groupId.at, L72.groupId.bytes),
    format: 72,
    raw: b.slice(p, p + 72),
  };
}

/** The 28-byte record at b[p…] (offsets from USER_LAYOUTS[28]; the numeric user_id shown as its decimal string). */
function user28At(b: Uint8Array, p: number, encoding: string): ZkUser {
  return {
    uid: u16(b, p + L28.uid.at),
    userId: String(u32(b, p + L28.userId.at)),
    name: decodeFixedAt(b, p + L28.name.at, L28.name.bytes, encoding),
    privilege: b[p + L28.privilege.at]!,
    password: decodeFixedAt(b, p + L28.password.at, L28.password.bytes, encoding),
    card: u32(b, p + L28.card.at),
    group: b[p + L28.group.at]!,
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
