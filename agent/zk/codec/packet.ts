// The 8-byte ZK header + payload (docs/protocol.md §2): encode with checksum, decode with checksum verdict.
import { ZkProtocolError } from "../errors";
import { HEADER_SIZE } from "./constants";
import { packetChecksum } from "./checksum";

/** One ZK packet as carried in a UDP datagram or a TCP frame. */
export interface ZkPacket {
  command: number;
  sessionId: number;
  replyId: number;
  payload: Uint8Array;
}

/** A received packet with its checksum as sent and whether it matches. */
export interface DecodedPacket extends ZkPacket {
  checksum: number;
  checksumOk: boolean;
}

/** Header (with checksum computed) followed by the payload. */
export function encodePacket(p: ZkPacket): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + p.payload.length);
  encodePacketInto(p, out, 0);
  return out;
}

/** Writes header + payload at `offset` of `out` (which must have room); returns the bytes written. One copy of the payload. */
export function encodePacketInto(p: ZkPacket, out: Uint8Array, offset: number): number {
  const len = HEADER_SIZE + p.payload.length;
  const view = new DataView(out.buffer, out.byteOffset + offset, HEADER_SIZE);
  view.setUint16(0, p.command & 0xffff, true);
  view.setUint16(4, p.sessionId & 0xffff, true);
  view.setUint16(6, p.replyId & 0xffff, true);
  out.set(p.payload, offset + HEADER_SIZE);
  view.setUint16(2, packetChecksum(out, offset, len), true);
  return len;
}

/** Splits a packet into header fields and a copy of the payload; throws on fewer than 8 bytes. */
export function decodePacket(bytes: Uint8Array): DecodedPacket {
  const p = decodePacketView(bytes);
  p.payload = p.payload.slice();
  return p;
}

/**
 * Like decodePacket, but the payload is a view into `bytes` (no copy): for callers that own `bytes` and never reuse
 * it, such as the client's transports, where a table read would otherwise copy every byte once more.
 */
export function decodePacketView(bytes: Uint8Array): DecodedPacket {
  if (bytes.length < HEADER_SIZE) {
    throw new ZkProtocolError(`ZK packet too short: ${bytes.length} bytes`);
  }
  const checksum = bytes[2]! | (bytes[3]! << 8);
  return {
    command: bytes[0]! | (bytes[1]! << 8),
    checksum,
    sessionId: bytes[4]! | (bytes[5]! << 8),
    replyId: bytes[6]! | (bytes[7]! << 8),
    payload: bytes.subarray(HEADER_SIZE),
    checksumOk: packetChecksum(bytes) === checksum,
  };
}

/** The reply id after `id`: clients count 0…65534 and wrap (§2.4). */
export function nextReplyId(id: number): number {
  return (id + 1) % 65535;
}
