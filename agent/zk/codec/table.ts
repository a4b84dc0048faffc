// The bulk-read buffer shape shared by every table: u32 length of the records, then the records (docs/protocol.md §7.1).
import { ZkProtocolError } from "../errors";

/** The records part of a bulk buffer, checked against its u32 prefix. */
export function tableBody(buffer: Uint8Array): Uint8Array {
  if (buffer.length < 4) throw new ZkProtocolError(`Table buffer too short: ${buffer.length} bytes`);
  const declared = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0, true);
  if (declared > buffer.length - 4) {
    throw new ZkProtocolError(`Table buffer declares ${declared} bytes but carries ${buffer.length - 4}`);
  }
  return buffer.subarray(4, 4 + declared);
}

/** u32 prefix + the concatenated records. */
export function encodeTable(records: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const r of records) total += r.length;
  const out = new Uint8Array(4 + total);
  new DataView(out.buffer).setUint32(0, total, true);
  let pos = 4;
  for (const r of records) {
    out.set(r, pos);
    pos += r.length;
  }
  return out;
}

/** Record size from body length / count, as pyzk infers it (§8.7, §9.1); undefined when it does not divide. */
export function recordSizeOf(bodyLength: number, count: number): number | undefined {
  if (count <= 0 || bodyLength % count !== 0) return undefined;
  return bodyLength / count;
}

/**
 * Of the record sizes that divide `bodyLength` (in order of preference), the one whose record count is nearest
 * `count`: free-sizes counts can move between GET_FREE_SIZES and the read, so they settle ambiguity, not size.
 */
export function nearestDividingSize<S extends number>(bodyLength: number, count: number | undefined, sizes: readonly S[]): S | undefined {
  let best: S | undefined;
  let bestGap = Infinity;
  for (const size of sizes) {
    if (bodyLength % size !== 0) continue;
    const gap = count === undefined ? 0 : Math.abs(bodyLength / size - count);
    if (gap < bestGap) [best, bestGap] = [size, gap];
  }
  return best;
}
