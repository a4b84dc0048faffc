// The two user record layouts as one table each (docs/protocol.md §8.3, §8.4): offsets, sizes and byte limits of every field.
import type { ZkUserInput } from "../types";
import { ZkInvalidInputError } from "../errors";
import { encodedLength } from "./text";

export type UserFormat = 28 | 72;

/**
 * How one field is stored. Numbers are little-endian. `text` is NUL-padded bytes in the terminal's charset
 * (`ascii`: ids, always ASCII); `maxBytes` is the longest text the firmware keeps whole — one byte less than the
 * field where the firmware needs a NUL terminator. `decimal` is a u32 that the API shows as its decimal string.
 */
export type FieldSpec =
  | { readonly kind: "u8" | "u16" | "u32"; readonly at: number; readonly bytes: 1 | 2 | 4 }
  | { readonly kind: "text"; readonly at: number; readonly bytes: number; readonly maxBytes: number; readonly charset: "terminal" | "ascii" }
  | { readonly kind: "decimal"; readonly at: number; readonly bytes: 4 };

/** The fields a user record carries; `groupId` exists only in the 72-byte layout. */
export type UserField = "uid" | "privilege" | "password" | "name" | "card" | "group" | "groupId" | "userId";

export interface UserLayout {
  readonly size: UserFormat;
  readonly fields: { readonly [F in UserField]?: FieldSpec };
}

/**
 * The one description of both layouts: encode, decode, patch and the limits a write is validated against all
 * read it. Bytes no field names are zero in a record we build (72: byte 47; 28: byte 20 and the i16 time zone
 * at 22) and kept verbatim when we patch a record read from the terminal.
 */
export const USER_LAYOUTS: { readonly [S in UserFormat]: UserLayout } = {
  // §8.3, "ZK8" / TFT firmware.
  72: {
    size: 72,
    fields: {
      uid: { kind: "u16", at: 0, bytes: 2 },
      privilege: { kind: "u8", at: 2, bytes: 1 },
      // 8 bytes, no terminator needed: firmware cuts at 8 (bytes after a NUL may be garbage, adrobinoga).
      password: { kind: "text", at: 3, bytes: 8, maxBytes: 8, charset: "terminal" },
      // 24 bytes, effectively 23 + NUL (§8.3).
      name: { kind: "text", at: 11, bytes: 24, maxBytes: 23, charset: "terminal" },
      card: { kind: "u32", at: 35, bytes: 4 },
      // adrobinoga: group number (default 1); pyzk writes 0 here.
      group: { kind: "u8", at: 39, bytes: 1 },
      // pyzk's group_id text (adrobinoga reads time-zone fields here); byte 47 after it stays 0, the terminator.
      groupId: { kind: "text", at: 40, bytes: 7, maxBytes: 7, charset: "ascii" },
      // 24 bytes, 23 + NUL: a 24th character would be stored as a NUL and the user could not be found again.
      userId: { kind: "text", at: 48, bytes: 24, maxBytes: 23, charset: "ascii" },
    },
  },
  // §8.4, "ZK6" / older black-and-white firmware.
  28: {
    size: 28,
    fields: {
      uid: { kind: "u16", at: 0, bytes: 2 },
      privilege: { kind: "u8", at: 2, bytes: 1 },
      password: { kind: "text", at: 3, bytes: 5, maxBytes: 5, charset: "terminal" },
      // 8 bytes with no room for a terminator at full length (§8.4).
      name: { kind: "text", at: 8, bytes: 8, maxBytes: 8, charset: "terminal" },
      card: { kind: "u32", at: 16, bytes: 4 },
      group: { kind: "u8", at: 21, bytes: 1 },
      userId: { kind: "decimal", at: 24, bytes: 4 },
    },
  },
};

/** The spec of `field` in `format`; throws for a field the layout does not have (group text on 28 bytes). */
export function fieldSpec(format: UserFormat, field: UserField): FieldSpec {
  const spec = USER_LAYOUTS[format].fields[field];
  if (!spec) throw new ZkInvalidInputError(`${FIELD_NAMES[field]} cannot be stored in a ${format}-byte user record`, { field: FIELD_NAMES[field] });
  return spec;
}

/** [start, end) of `field` in `format` (patching a record copies exactly these bytes). */
export function fieldRange(format: UserFormat, field: UserField): readonly [number, number] {
  const spec = fieldSpec(format, field);
  return [spec.at, spec.at + spec.bytes];
}

/** The API's names for the fields, used in messages and VALIDATION_FAILED details. */
const FIELD_NAMES: Record<UserField, string> = {
  uid: "uid",
  privilege: "privilege",
  password: "password",
  name: "name",
  card: "card",
  group: "group_id",
  groupId: "group_id",
  userId: "user_id",
};

const NUMBER_MAX = { u8: 0xff, u16: 0xffff, u32: 0xffffffff, decimal: 0xffffffff } as const;

/**
 * Refuses (VALIDATION_FAILED, naming the field, the limit in bytes and the charset) any given field the record
 * cannot hold whole: encoders never cut, because a cut name, id or PIN is a different one and a cut user_id
 * cannot be found again. The message never repeats a password.
 */
export function checkUserFits(format: UserFormat, u: Partial<ZkUserInput>, encoding = "utf-8"): void {
  for (const field of Object.keys(FIELD_NAMES) as UserField[]) {
    const value = u[field];
    if (value === undefined) continue;
    const spec = fieldSpec(format, field);
    const name = FIELD_NAMES[field];
    if (spec.kind === "text") {
      const text = String(value);
      if (text.includes("\0")) throw new ZkInvalidInputError(`${name} must not contain NUL characters`, { field: name });
      const charset = spec.charset === "ascii" ? "ascii" : encoding;
      if (spec.charset === "ascii" && !/^[\x20-\x7e]*$/.test(text)) {
        throw new ZkInvalidInputError(`${name} must be printable ASCII on the terminal`, { field: name });
      }
      const bytes = encodedLength(text, spec.charset === "ascii" ? "utf-8" : encoding);
      if (bytes > spec.maxBytes) {
        const shown = field === "password" ? "" : ` '${text}'`;
        throw new ZkInvalidInputError(
          `${name}${shown} is ${bytes} bytes in ${charset}; a ${format}-byte user record holds at most ${spec.maxBytes} bytes of ${name}`,
          { field: name, max_bytes: spec.maxBytes, bytes, charset },
        );
      }
    } else if (spec.kind === "decimal") {
      const text = String(value);
      if (!/^\d{1,10}$/.test(text) || Number(text) > NUMBER_MAX.decimal) {
        throw new ZkInvalidInputError(`${name} '${text}' must be a number up to ${NUMBER_MAX.decimal} on a terminal with ${format}-byte user records`, {
          field: name,
          max: NUMBER_MAX.decimal,
        });
      }
    } else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > NUMBER_MAX[spec.kind]) {
        throw new ZkInvalidInputError(`${name} must be a whole number 0-${NUMBER_MAX[spec.kind]} (${spec.bytes} byte${spec.bytes > 1 ? "s" : ""})`, {
          field: name,
          max: NUMBER_MAX[spec.kind],
        });
      }
    }
  }
}

/**
 * Record size a terminal announces about itself when it has no user to measure (§5.2, §8.3, §8.4): TFT firmware
 * ("…_TFT" platforms) keeps 72-byte records, `~UserExtFmt=1` says the extended (72-byte) format, `0` with a
 * non-TFT platform the old 28-byte one. Undefined when the options say nothing either way.
 */
export function userFormatFromOptions(o: { platform?: string; userExtFmt?: string }): UserFormat | undefined {
  const tft = /_TFT$/i.test(o.platform?.trim() ?? "");
  const ext = o.userExtFmt?.trim();
  if (tft || ext === "1") return 72;
  if (ext === "0" && (o.platform ?? "").trim() !== "") return 28;
  return undefined;
}
