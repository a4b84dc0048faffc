// TCP framing (zk-protocol §1.2): `50 50 82 7d` + u32 length prefix, and a stream unframer that keeps the tail.
import { ZkProtocolError } from "../errors";
import { HEADER_SIZE, TCP_PREFIX_SIZE } from "./constants";

const MAGIC = [0x50, 0x50, 0x82, 0x7d] as const;

/** Prefixes one ZK packet with the TCP frame header. */
export function frameTcp(packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(TCP_PREFIX_SIZE + packet.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, packet.length, true);
  out.set(packet, TCP_PREFIX_SIZE);
  return out;
}

/** Cuts a TCP byte stream into whole ZK packets, whatever the chunking (§1.2, §15). */
export class TcpUnframer {
  private pending: Uint8Array = new Uint8Array(0);

  /** `maxFrame` caps the length field so a hostile peer cannot make us allocate much (§15). */
  constructor(private readonly maxFrame = 1024 * 1024) {}

  /** Bytes held back waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Feeds a chunk; returns the ZK packets (without the prefix) it completed. */
  push(chunk: Uint8Array): Uint8Array[] {
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    const out: Uint8Array[] = [];
    let pos = 0;
    for (;;) {
      const avail = buf.length - pos;
      // Check the magic as soon as its bytes arrive, so garbage fails before a length is trusted.
      for (let i = 0; i < Math.min(avail, 4); i++) {
        if (buf[pos + i] !== MAGIC[i]) {
          this.pending = new Uint8Array(0);
          throw new ZkProtocolError("Bad TCP frame magic (expected 50 50 82 7d)");
        }
      }
      if (avail < TCP_PREFIX_SIZE) break;
      const len = new DataView(buf.buffer, buf.byteOffset + pos + 4, 4).getUint32(0, true);
      if (len > this.maxFrame || len < HEADER_SIZE) {
        this.pending = new Uint8Array(0);
        throw new ZkProtocolError(`Bad TCP frame length ${len} (allowed ${HEADER_SIZE}…${this.maxFrame})`);
      }
      if (avail < TCP_PREFIX_SIZE + len) break;
      out.push(buf.slice(pos + TCP_PREFIX_SIZE, pos + TCP_PREFIX_SIZE + len));
      pos += TCP_PREFIX_SIZE + len;
    }
    this.pending = pos === buf.length ? new Uint8Array(0) : buf.slice(pos);
    return out;
  }
}
