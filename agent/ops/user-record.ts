// Builds the raw user record a create/update writes: API fields → 28/72-byte record (the codec's USER_LAYOUTS), other bytes kept.
import { CodedError } from "../../shared/errors";
import type { ZkUser, ZkUserInput } from "../zk/types";
import { decodeUser28, decodeUser72, encodeUser, fieldRange, type UserField, type UserFormat } from "../zk/codec/user";

/** The API's writable user fields (shared/ops.ts UserFields). */
export interface UserChanges {
  name?: string;
  privilege?: number;
  password?: string;
  card?: number;
  group_id?: string;
}

type Changed = Exclude<keyof UserChanges, "group_id">;

/** API field → the record field it writes (offsets and limits: USER_LAYOUTS in the codec); group_id: see patchGroup. */
const FIELD_OF: Record<Changed, UserField> = { name: "name", privilege: "privilege", password: "password", card: "card" };

/** A record of `format` from fields; any field longer than its bytes is refused (VALIDATION_FAILED naming the limit). */
export function encodeRecord(format: UserFormat, input: ZkUserInput, encoding = "utf-8"): Uint8Array {
  return encodeUser(format, input, encoding);
}

/** `encoding`: the terminal's charset (ZkSession.encoding), for names and passwords. */
export function decodeRecord(raw: Uint8Array, encoding = "utf-8"): ZkUser {
  return raw.length === 28 ? decodeUser28(raw, encoding) : decodeUser72(raw, encoding);
}

/**
 * group_id → record fields. A number 0-255 goes to the group byte and leaves bytes 40-47 zero: adrobinoga reads
 * those as time-zone settings (docs/protocol.md §8.3), so text is written there only when the caller asked for text.
 */
export function groupFields(groupId: string, format: 28 | 72): Pick<ZkUserInput, "group" | "groupId"> {
  if (/^\d{1,3}$/.test(groupId) && Number(groupId) <= 255) return { group: Number(groupId), groupId: "" };
  if (format === 28) {
    throw new CodedError("VALIDATION_FAILED", `group_id must be a number 0-255 on 28-byte firmware, got '${groupId}'`, { field: "group_id" });
  }
  return { group: 1, groupId };
}

/** A new user's record. */
export function newUserRecord(format: UserFormat, uid: number, userId: string, changes: UserChanges, encoding = "utf-8"): Uint8Array {
  return encodeRecord(format, {
    uid,
    userId,
    name: changes.name ?? "",
    privilege: changes.privilege ?? 0,
    password: changes.password ?? "",
    card: changes.card ?? 0,
    ...(changes.group_id !== undefined ? groupFields(changes.group_id, format) : { group: 1 }),
  }, encoding);
}

/**
 * `existing`'s record with only the given fields re-encoded: every other byte (password garbage after the NUL,
 * time-zone bytes, a name in a charset we decode lossily) is written back exactly as the terminal had it.
 */
export function patchedUserRecord(existing: ZkUser, changes: UserChanges, encoding = "utf-8"): Uint8Array {
  const format = existing.format;
  // The fresh record only lends the changed fields' bytes; its user_id is a placeholder that is never copied.
  const fresh = encodeRecord(format, {
    uid: existing.uid,
    userId: "0",
    name: changes.name ?? "",
    privilege: changes.privilege ?? 0,
    password: changes.password ?? "",
    card: changes.card ?? 0,
  }, encoding);
  const out = existing.raw.slice();
  for (const change of Object.keys(FIELD_OF) as Changed[]) {
    if (changes[change] === undefined) continue;
    const [start, end] = fieldRange(format, FIELD_OF[change]);
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
    out[fieldRange(format, "group")[0]] = fields.group!;
    if (format === 72 && holdsGroupText(out)) out.fill(0, ...fieldRange(72, "groupId"));
    return;
  }
  const text = encodeRecord(72, { uid: 0, userId: "0", groupId: fields.groupId });
  const [start, end] = fieldRange(72, "groupId");
  out.set(text.subarray(start, end), start);
}

/** True when bytes 40-46 read as pyzk's group text: at least one character, no control bytes before the first NUL. */
function holdsGroupText(raw: Uint8Array): boolean {
  const [start, end] = fieldRange(72, "groupId");
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
