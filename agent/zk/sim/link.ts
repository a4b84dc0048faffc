// From reply items to wire items: packet encoding, TCP framing, the corrupt-checksum fault, joined writes (docs/protocol.md §1.2, §2.2).
import { HEADER_SIZE, TCP_PREFIX_SIZE, encodePacketInto, writeTcpPrefix } from "../codec";
import type { WireItem } from "./pacer";
import type { Outgoing } from "./session";

type Piece = Extract<Outgoing, { packet: unknown }> | Extract<Outgoing, { raw: Uint8Array }>;

/**
 * Encodes each packet (framed for TCP); raw bytes and end/reset markers pass through; `joinNext` merges writes.
 * Each write is allocated once and every packet is encoded straight into it (header, payload, TCP prefix): a
 * 64 KB chunk is copied once, not once per layer.
 */
export function toWire(items: readonly Outgoing[], tcp: boolean): WireItem[] {
  const out: WireItem[] = [];
  let group: Piece[] = [];
  for (const o of items) {
    if ("packet" in o || "raw" in o) {
      group.push(o);
      if ("packet" in o && o.joinNext === true) continue;
      out.push(encodeGroup(group, tcp));
      group = [];
    } else {
      if (group.length > 0) out.push(encodeGroup(group, tcp));
      group = [];
      out.push(o);
    }
  }
  if (group.length > 0) out.push(encodeGroup(group, tcp));
  return out;
}

/** One write holding the pieces back to back; it counts one packet per piece and keeps the first one's gap. */
function encodeGroup(group: readonly Piece[], tcp: boolean): WireItem {
  const prefix = tcp ? TCP_PREFIX_SIZE : 0;
  let total = 0;
  for (const o of group) total += "raw" in o ? o.raw.length : prefix + HEADER_SIZE + o.packet.payload.length;
  const bytes = new Uint8Array(total);
  let pos = 0;
  for (const o of group) {
    if ("raw" in o) {
      bytes.set(o.raw, pos);
      pos += o.raw.length;
      continue;
    }
    const len = HEADER_SIZE + o.packet.payload.length;
    if (tcp) writeTcpPrefix(bytes, pos, len);
    encodePacketInto(o.packet, bytes, pos + prefix);
    if (o.corrupt) {
      bytes[pos + prefix + 2]! ^= 0x5a; // a checksum that cannot match
      bytes[pos + prefix + 3]! ^= 0xa5;
    }
    pos += prefix + len;
  }
  const first = group[0]!;
  return { bytes, packets: group.length, gapMs: "packet" in first ? first.gapMs : undefined };
}
