// From reply items to wire items: packet encoding, TCP framing, and the corrupt-checksum fault (§1.2, §2.2).
import { encodePacket, frameTcp } from "../codec";
import type { WireItem } from "./pacer";
import type { Outgoing } from "./session";

const BIG_FRAME = 4096;

/** Encodes each packet (framed for TCP); raw bytes and end/reset markers pass through. */
export function toWire(items: readonly Outgoing[], tcp: boolean): WireItem[] {
  return items.map((o): WireItem => {
    if ("packet" in o) {
      const bytes = encodePacket(o.packet);
      if (o.corrupt) {
        bytes[2]! ^= 0x5a; // a checksum that cannot match
        bytes[3]! ^= 0xa5;
      }
      // §7.7: node-zklib takes one frame per 'data' event; after a big TCP frame, give the reader a moment so the
      // ACK and the next PREPARE_DATA do not land in the same read as the frame's tail.
      const settleMs = tcp && bytes.length > BIG_FRAME ? 1 : undefined;
      return { bytes: tcp ? frameTcp(bytes) : bytes, packets: 1, gapMs: o.gapMs, settleMs };
    }
    if ("raw" in o) return { bytes: o.raw, packets: 1 };
    return o;
  });
}
