// TCP framing (docs/protocol.md §1.2): `50 50 82 7d` + u32 length prefix, and a stream unframer that keeps the tail.
import { ZkProtocolError } from "../errors";
import { HEADER_SIZE, TCP_PREFIX_SIZE } from "./constants";

const MAGIC = [0x50, 0x50, 0x82, 0x7d] as const;

/** Prefixes one ZK packet with the TCP frame header. */
export function frameTcp(packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(TCP_PREFIX_SIZE + packet.length);
  writeTcpPrefix(out, 0, packet.length);
  out.set(packet, TCP_PREFIX_SIZE);
  return out;
}

/** Writes the 8-byte frame header for a packet of `packetLength` bytes at `offset` of `out` (framing in place). */
export function writeTcpPrefix(out: Uint8Array, offset: number, packetLength: number): void {
  out.set(MAGIC, offset);
  out[offset + 4] = packetLength & 0xff;
  out[offset + 5] = (packetLength >>> 8) & 0xff;
  out[offset + 6] = (packetLength >>> 16) & 0xff;
  out[offset + 7] = (packetLength >>> 24) & 0xff;
}

/**
 * Cuts a TCP byte stream into whole ZK packets, whatever the chunking (§1.2, §15). Each frame is allocated once at
 * its announced length and filled as bytes arrive, so a large frame spread over many reads costs one copy, not a
 * re-concatenation per read. Returned frames are fresh arrays: later pushes never change them.
 */
export class TcpUnframer {
  private readonly head = new Uint8Array(TCP_PREFIX_SIZE);
  private headFill = 0;
  private frame: Uint8Array | undefined;
  private frameFill = 0;

  /** `maxFrame` caps the length field so a hostile peer cannot make us allocate much (§15). */
  constructor(private readonly maxFrame = 1024 * 1024) {}

  /** Bytes held back waiting for the rest of a frame. */
  get buffered(): number {
    return this.frame ? TCP_PREFIX_SIZE + this.frameFill : this.headFill;
  }

  /** Feeds a chunk; returns the ZK packets (without the prefix) it completed. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (!this.frame) {
        // Check the magic as soon as its bytes arrive, so garbage fails before a length is trusted.
        while (this.headFill < TCP_PREFIX_SIZE && pos < chunk.length) {
          const b = chunk[pos++]!;
          if (this.headFill < 4 && b !== MAGIC[this.headFill]) {
            this.reset();
            throw new ZkProtocolError("Bad TCP frame magic (expected 50 50 82 7d)");
          }
          this.head[this.headFill++] = b;
        }
        if (this.headFill < TCP_PREFIX_SIZE) break;
        const h = this.head;
        const len = (h[4]! | (h[5]! << 8) | (h[6]! << 16) | (h[7]! << 24)) >>> 0;
        if (len > this.maxFrame || len < HEADER_SIZE) {
          this.reset();
          throw new ZkProtocolError(`Bad TCP frame length ${len} (allowed ${HEADER_SIZE}…${this.maxFrame})`);
        }
        this.headFill = 0;
        this.frame = new Uint8Array(len);
        this.frameFill = 0;
      }
      const frame = this.frame;
      const take = Math.min(frame.length - this.frameFill, chunk.length - pos);
      frame.set(chunk.subarray(pos, pos + take), this.frameFill);
      this.frameFill += take;
      pos += take;
      if (this.frameFill === frame.length) {
        out.push(frame);
        this.frame = undefined;
        this.frameFill = 0;
      }
    }
    return out;
  }

  private reset(): void {
    this.headFill = 0;
    this.frame = undefined;
    this.frameFill = 0;
  }
}
