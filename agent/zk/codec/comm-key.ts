// The CMD_AUTH comm-key scramble from ZK's commpro.c (docs/protocol.md §4.2), with 32-bit wraparound.

const ZKSO = [0x5a, 0x4b, 0x53, 0x4f] as const; // ASCII "ZKSO"

/** The 4-byte CMD_AUTH payload for `key` (u32) in session `sessionId`; clients use ticks 50. */
export function makeCommKey(key: number, sessionId: number, ticks = 50): Uint8Array {
  // Step 1: bit-reverse the key as a 32-bit value.
  let reversed = 0;
  for (let i = 0; i < 32; i++) reversed = ((reversed << 1) | ((key >>> i) & 1)) >>> 0;
  // Step 2: add the session id mod 2^32 (pyzk overflows here for keys like 65535; we wrap).
  const k = (reversed + (sessionId & 0xffff)) % 0x1_0000_0000;
  const le = [k & 0xff, (k >>> 8) & 0xff, (k >>> 16) & 0xff, (k >>> 24) & 0xff];
  const c = le.map((b, i) => b ^ ZKSO[i]!);
  const d = [c[2]!, c[3]!, c[0]!, c[1]!];
  const b = ticks & 0xff;
  // Step 6: byte 2 is the ticks value itself; the original d[2] is discarded.
  return Uint8Array.of(d[0]! ^ b, d[1]! ^ b, b, d[3]! ^ b);
}

/** True when `payload` is the AUTH answer for `key` in this session (ticks taken from payload[2]). */
export function checkCommKey(key: number, sessionId: number, payload: Uint8Array): boolean {
  if (payload.length < 4) return false;
  const want = makeCommKey(key, sessionId, payload[2]!);
  return want.every((b, i) => payload[i] === b);
}
