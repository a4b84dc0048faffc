// Builds the raw user record a create/update writes: API fields → 28/72-byte record, untouched bytes kept verbatim.
import { CodedError } from "../../shared/errors";
import type { ZkUser, ZkUserInput } from "../zk/types";
import { decodeUser28, decodeUser72, encodeUser28, encodeUser72 } from "../zk/codec/user";

/** The API's writable user fields (shared/ops.ts UserFields). */
export interface UserChanges {
  name?: string;
  privilege?: number;
  password?: string;
  card?: number;
  group_id?: string;
}

type Field = Exclude<keyof UserChanges, "group_id">;
type Range = readonly [start: number, end: number];

/** Byte ranges per field (zk-protocol §8.3 / §8.4); group_id is handled on its own (see patchGroup). */
const RANGES: Record<28 | 72, Record<Field, Range>> = {
  72: { privilege: [2, 3], password: [3, 11], name: [11, 35], card: [35, 39] },
  28: { privilege: [2, 3], password: [3, 8], name: [8, 16], card: [16, 20] },
};
/** The group number: byte 39 of the 72-byte record (§8.3), byte 21 of the 28-byte one (§8.4). */
const GROUP_BYTE = { 72: 39, 28: 21 } as const;
/** pyzk's group_id text, adrobinoga's time-zone fields (§8.3): bytes 40-46 of the 72-byte record. */
const GROUP_TEXT: Range = [40, 47];
const PASSWORD_LEN = { 72: 8, 28: 5 } as const;

export function encodeRecord(format: 28 | 72, input: ZkUserInput): Uint8Array {
  return format === 72 ? encodeUser72(input) : encodeUser28(input);
}

export function decodeRecord(raw: Uint8Array): ZkUser {
  return raw.length === 28 ? decodeUser28(raw) : decodeUser72(raw);
}

/**
 * group_id → record fields. A number 0-255 goes to the group byte and leaves bytes 40-47 zero: adrobinoga reads
 * those as time-zone settings (§8.3), so text is written there only when the caller asked for text.
 */
export function groupFields(groupId: string, format: 28 | 72): Pick<ZkUserInput, "group" | "groupId"> {
  if (/^\d{1,3}$/.test(groupId) && Number(groupId) <= 255) return { group: Number(groupId), groupId: "" };
  if (format === 28) {
    throw new CodedError("VALIDATION_FAILED", `group_id must be a number 0-255 on 28-byte firmware, got '${groupId}'`, { field: "group_id" });
  }
  return { group: 1, groupId };
}

function checkFits(format: 28 | 72, changes: UserChanges): void {
  if (changes.password !== undefined && changes.password.length > PASSWORD_LEN[format]) {
    // Truncating would silently give the person a different PIN.
    throw new CodedError("VALIDATION_FAILED", `password longer than ${PASSWORD_LEN[format]} digits does not fit a ${format}-byte user record`, {
      field: "password",
    });
  }
}

/** A new user's record. */
export function newUserRecord(format: 28 | 72, uid: number, userId: string, changes: UserChanges): Uint8Array {
  checkFits(format, changes);
  return encodeRecord(format, {
    uid,
    userId,
    name: changes.name ?? "",
    privilege: changes.privilege ?? 0,
    password: changes.password ?? "",
    card: changes.card ?? 0,
    ...(changes.group_id !== undefined ? groupFields(changes.group_id, format) : { group: 1 }),
  });
}

/**
 * `existing`'s record with only the given fields re-encoded: every other byte (password garbage after the NUL,
 * time-zone bytes, a name in a charset we decode lossily) is written back exactly as the terminal had it.
 */
export function patchedUserRecord(existing: ZkUser, changes: UserChanges): Uint8Array {
  const format = existing.format;
  checkFits(format, changes);
  const fresh = encodeRecord(format, {
    uid: existing.uid,
    userId: existing.userId,
    name: changes.name ?? "",
    privilege: changes.privilege ?? 0,
    password: changes.password ?? "",
    card: changes.card ?? 0,
  });
  const out = existing.raw.slice();
  for (const field of Object.keys(RANGES[format]) as Field[]) {
    if (changes[field] === undefined) continue;
    const [start, end] = RANGES[format][field];
    out.set(fresh.subarray(start, end), start);
  }
  if (changes.group_id !== undefined) patchGroup(out, format, changes.group_id);
  return out;
}

/**
 * group_id into an existing record. A number sets the group byte alone: bytes 40-46 may be time zones (§8.3) and
 * stay — unless they hold pyzk's group text, which the API would keep showing instead of the new number (map.ts
 * toUser), so that text is cleared. Text and time zones cannot be confused: adrobinoga's byte 40 is a flag, 0 or 1. Text (72-byte records only) writes bytes 40-46 and leaves the group byte as it was.
 */
function patchGroup(out: Uint8Array, format: 28 | 72, groupId: string): void {
  const fields = groupFields(groupId, format);
  if (fields.groupId === "") {
    out[GROUP_BYTE[format]] = fields.group!;
    if (format === 72 && holdsGroupText(out)) out.fill(0, GROUP_TEXT[0], GROUP_TEXT[1]);
    return;
  }
  const text = encodeRecord(72, { uid: 0, userId: "", groupId: fields.groupId });
  out.set(text.subarray(GROUP_TEXT[0], GROUP_TEXT[1]), GROUP_TEXT[0]);
}

/** True when bytes 40-46 read as pyzk's group text: at least one character, no control bytes before the first NUL. */
function holdsGroupText(raw: Uint8Array): boolean {
  const [start, end] = GROUP_TEXT;
  if (raw[start] === 0) return false;
  for (let i = start; i < end && raw[i] !== 0; i++) if (raw[i]! < 0x20) return false;
  return true;
}

/** The record with its uid (bytes 0-1, u16 LE, in both formats) replaced. */
export function withUid(raw: Uint8Array, uid: number): Uint8Array {
  const out = raw.slice();
  out[0] = uid & 0xff;
  out[1] = (uid >> 8) & 0xff;
  return out;
}
