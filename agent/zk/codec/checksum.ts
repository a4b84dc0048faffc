// The ZK packet checksum: ones' complement of the 16-bit end-around-carry sum (zk-protocol §2.2).

/** Checksum over header (checksum field zeroed) + payload. */
export function zkChecksum(bytes: Uint8Array): number {
  let sum = 0;
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    sum += bytes[i]! | (bytes[i + 1]! << 8);
    if (sum > 0xffff) sum -= 0xffff;
  }
  // §2.2 step 3: an odd trailing byte counts as a low byte on its own.
  if (i < bytes.length) sum += bytes[i]!;
  while (sum > 0xffff) sum -= 0xffff;
  return ~sum & 0xffff;
}
