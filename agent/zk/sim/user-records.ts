// Converting user records between the 28- and 72-byte layouts, so a device stores only its own size (§8.8, §14 item 11).
import type { ZkUserInput } from "../types";
import { decodeUser28, decodeUser72, encodeUser28, encodeUser72 } from "../codec";

/** `raw` in the device's record size: same size → copy; other size → decoded and re-encoded (throws when impossible). */
export function toDeviceRecord(raw: Uint8Array, size: 28 | 72): Uint8Array {
  if (raw.length === size) return raw.slice();
  const u = raw.length === 72 ? decodeUser72(raw) : decodeUser28(raw);
  return encodeUserIn(u, size);
}

/** Encodes fields in the given layout (a non-numeric user_id cannot go into 28 bytes: throws VALIDATION_FAILED). */
export function encodeUserIn(u: ZkUserInput, size: 28 | 72): Uint8Array {
  return size === 72 ? encodeUser72(u) : encodeUser28(u);
}

/** uid of a raw record (bytes 0-1 in both layouts). */
export function uidOf(raw: Uint8Array): number {
  return raw[0]! | (raw[1]! << 8);
}
