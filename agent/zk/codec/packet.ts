// The 8-byte ZK header + payload (zk-protocol §2): encode with checksum, decode with checksum verdict.
import { ZkProtocolError } from "../errors";
import { HEADER_SIZE } from "./constants";
import { zkChecksum } from "./checksum";

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
  const view = new DataView(out.buffer);
  view.setUint16(0, p.command & 0xffff, true);
  view.setUint16(4, p.sessionId & 0xffff, true);
  view.setUint16(6, p.replyId & 0xffff, true);
  out.set(p.payload, HEADER_SIZE);
  view.setUint16(2, zkChecksum(out), true);
  return out;
}

/** Splits a packet into header fields and a copy of the payload; throws on fewer than 8 bytes. */
export function decodePacket(bytes: Uint8Array): DecodedPacket {
  if (bytes.length < HEADER_SIZE) {
    throw new ZkProtocolError(`ZK packet too short: ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const checksum = view.getUint16(2, true);
  const zeroed = bytes.slice();
  zeroed[2] = 0;
  zeroed[3] = 0;
  return {
    command: view.getUint16(0, true),
    checksum,
    sessionId: view.getUint16(4, true),
    replyId: view.getUint16(6, true),
    payload: bytes.slice(HEADER_SIZE),
    checksumOk: zkChecksum(zeroed) === checksum,
  };
}

/** The reply id after `id`: clients count 0…65534 and wrap (§2.4). */
export function nextReplyId(id: number): number {
  return (id + 1) % 65535;
}
