// From reply items to wire items: packet encoding, TCP framing, the corrupt-checksum fault, joined writes (§1.2, §2.2).
import { encodePacket, frameTcp } from "../codec";
import type { WireItem } from "./pacer";
import type { Outgoing } from "./session";

/** Encodes each packet (framed for TCP); raw bytes and end/reset markers pass through; `joinNext` merges writes. */
export function toWire(items: readonly Outgoing[], tcp: boolean): WireItem[] {
  const out: WireItem[] = [];
  let join = false;
  for (const o of items) {
    const wire = encodeOne(o, tcp);
    const prev = out.at(-1);
    if (join && prev && "bytes" in prev && "bytes" in wire) {
      const bytes = new Uint8Array(prev.bytes.length + wire.bytes.length);
      bytes.set(prev.bytes);
      bytes.set(wire.bytes, prev.bytes.length);
      out[out.length - 1] = { bytes, packets: prev.packets + wire.packets, gapMs: prev.gapMs };
    } else out.push(wire);
    join = "packet" in o && o.joinNext === true;
  }
  return out;
}

function encodeOne(o: Outgoing, tcp: boolean): WireItem {
  if ("packet" in o) {
    const bytes = encodePacket(o.packet);
    if (o.corrupt) {
      bytes[2]! ^= 0x5a; // a checksum that cannot match
      bytes[3]! ^= 0xa5;
    }
    return { bytes: tcp ? frameTcp(bytes) : bytes, packets: 1, gapMs: o.gapMs };
  }
  if ("raw" in o) return { bytes: o.raw, packets: 1 };
  return o;
}
