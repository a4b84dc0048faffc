// User records as the simulated firmware keeps them: raw bytes of its own size only (docs/protocol.md §8.8, §14 item 11).
import type { ZkUserInput } from "../types";
import { decodeUser28, decodeUser72, encodeUser } from "../codec";

/**
 * What the firmware stores for a USER_WRQ payload of any length: it reads the bytes in its own layout, so a record
 * of the other size is not converted but misread, as on a real terminal — a 28-byte record on 72-byte firmware
 * fills only the first 28 bytes (the user_id at 48 stays empty), and a 72-byte record on 28-byte firmware keeps
 * only its first 28 bytes (part of the name lands in the card number, the user_id is read from name bytes).
 * Clients that write the wrong size must see it in what the terminal serves back.
 */
export function asFirmwareReads(payload: Uint8Array, size: 28 | 72): Uint8Array {
  const out = new Uint8Array(size);
  out.set(payload.subarray(0, size));
  return out;
}

/**
 * Test and data-file setup (not the protocol): a record given in the other size is converted field by field, so
 * a data file can be loaded into either profile. Throws when it cannot be (a non-numeric user_id into 28 bytes).
 */
export function convertRecord(raw: Uint8Array, size: 28 | 72): Uint8Array {
  if (raw.length === size) return raw.slice();
  const u = raw.length === 72 ? decodeUser72(raw) : decodeUser28(raw);
  return encodeUserIn(u, size);
}

/** Encodes fields in the given layout (a non-numeric user_id cannot go into 28 bytes: throws VALIDATION_FAILED). */
export function encodeUserIn(u: ZkUserInput, size: 28 | 72): Uint8Array {
  return encodeUser(size, u);
}

/** uid of a raw record (bytes 0-1 in both layouts). */
export function uidOf(raw: Uint8Array): number {
  return raw[0]! | (raw[1]! << 8);
}
