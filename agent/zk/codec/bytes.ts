// Little-endian cursor reader/writer over Uint8Array (pure, no Buffer); reads past the end throw ZkProtocolError.
import { ZkInvalidInputError, ZkProtocolError } from "../errors";
import { decodeFixed, encodeFixed } from "./text";

export { decodeFixed, decodeFixedAt, encodeFixed, encodedLength } from "./text";

/** Reads integers and fixed fields in wire order from a byte array. */
export class ByteReader {
  private readonly view: DataView;
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    offset = 0,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private take(n: number): number {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new ZkProtocolError(`Truncated data: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }
  u16le(): number {
    return this.view.getUint16(this.take(2), true);
  }
  u32le(): number {
    return this.view.getUint32(this.take(4), true);
  }
  i16le(): number {
    return this.view.getInt16(this.take(2), true);
  }
  i32le(): number {
    return this.view.getInt32(this.take(4), true);
  }
  /** A copy of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    const at = this.take(n);
    return this.buf.slice(at, at + n);
  }
  /** A NUL-cut text field of `n` bytes. */
  fixedAscii(n: number, encoding = "utf-8"): string {
    const at = this.take(n);
    return decodeFixed(this.buf.subarray(at, at + n), encoding);
  }
  skip(n: number): void {
    this.take(n);
  }
}

/** Writes integers and fixed fields into a buffer of known size. */
export class ByteWriter {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  get offset(): number {
    return this.pos;
  }

  private take(n: number): number {
    if (this.pos + n > this.buf.length) {
      throw new ZkProtocolError(`Write past end: ${n} bytes at ${this.pos} of ${this.buf.length}`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private checkInt(v: number, min: number, max: number, what: string): number {
    if (!Number.isInteger(v) || v < min || v > max) throw new ZkInvalidInputError(`${what} out of range: ${v}`);
    return v;
  }

  u8(v: number): this {
    this.view.setUint8(this.take(1), this.checkInt(v, 0, 0xff, "u8"));
    return this;
  }
  u16le(v: number): this {
    this.view.setUint16(this.take(2), this.checkInt(v, 0, 0xffff, "u16"), true);
    return this;
  }
  u32le(v: number): this {
    this.view.setUint32(this.take(4), this.checkInt(v, 0, 0xffffffff, "u32"), true);
    return this;
  }
  i16le(v: number): this {
    this.view.setInt16(this.take(2), this.checkInt(v, -0x8000, 0x7fff, "i16"), true);
    return this;
  }
  i32le(v: number): this {
    this.view.setInt32(this.take(4), this.checkInt(v, -0x80000000, 0x7fffffff, "i32"), true);
    return this;
  }
  bytes(b: Uint8Array): this {
    this.buf.set(b, this.take(b.length));
    return this;
  }
  /** `s` as a NUL-padded field of exactly `n` bytes (truncated on a character boundary). */
  fixedText(s: string, n: number, encoding = "utf-8"): this {
    return this.bytes(encodeFixed(s, n, encoding));
  }
  /** Leaves `n` zero bytes. */
  skip(n: number): this {
    this.take(n);
    return this;
  }
  /** The whole buffer (unwritten tail stays zero). */
  finish(): Uint8Array {
    return this.buf;
  }
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Parses a hex dump like "50 50 82 7d" (spaces/newlines ignored); for fixtures and logs. */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-fA-F]/g, "");
  if (clean.length % 2) throw new ZkInvalidInputError("Odd number of hex digits");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
