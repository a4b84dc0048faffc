// The ZK packet checksum: ones' complement of the 16-bit end-around-carry sum (docs/protocol.md §2.2).

/**
 * Plain sum of the little-endian 16-bit words of bytes[from, to) (an odd last byte counts as a low byte, §2.2
 * step 3). Folding carries back in after every word, as §2.2 does, gives the same result as folding once at the end
 * (both are the sum modulo 0xFFFF, kept in 1…0xFFFF once non-zero), so the loop only adds: two byte sums, no branch.
 * Exact in a double up to 2^53, i.e. far beyond any packet size.
 */
function wordSum(bytes: Uint8Array, from: number, to: number): number {
  let lo = 0;
  let hi = 0;
  let i = from;
  for (; i + 1 < to; i += 2) {
    lo += bytes[i]!;
    hi += bytes[i + 1]!;
  }
  if (i < to) lo += bytes[i]!;
  return lo + hi * 256;
}

/** End-around-carry fold of a plain sum into 16 bits, then the ones' complement. */
function finish(total: number): number {
  const folded = total === 0 ? 0 : ((total - 1) % 0xffff) + 1;
  return ~folded & 0xffff;
}

/** Checksum over header (checksum field zeroed) + payload. */
export function zkChecksum(bytes: Uint8Array): number {
  return finish(wordSum(bytes, 0, bytes.length));
}

/**
 * Checksum of a whole packet as if its checksum field (bytes 2–3) were zero, without copying it: what a sender
 * writes there and what a receiver compares with (§2.2). Needs at least the 8-byte header.
 */
export function packetChecksum(packet: Uint8Array, offset = 0, length = packet.length - offset): number {
  const end = offset + length;
  return finish(packet[offset]! + packet[offset + 1]! * 256 + wordSum(packet, offset + 4, end));
}
