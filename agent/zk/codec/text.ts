// Fixed-size text fields: byte-accurate truncation on character boundaries, any TextDecoder charset (docs/protocol.md §8.5).
import { ZkInvalidInputError } from "../errors";

const utf8Encoder = new TextEncoder();
const decoders = new Map<string, InstanceType<typeof TextDecoder>>();
const reverseTables = new Map<string, Map<string, Uint8Array>>();

function normalise(encoding: string): string {
  return encoding.toLowerCase().replace(/_/g, "-");
}

function isUtf8(enc: string): boolean {
  return enc === "utf-8" || enc === "utf8";
}

function makeDecoder(enc: string, fatal: boolean): InstanceType<typeof TextDecoder> {
  try {
    return new TextDecoder(enc, { fatal });
  } catch {
    throw new ZkInvalidInputError(`Unknown text encoding '${enc}'`);
  }
}

/** Builds char → bytes for a legacy charset by decoding every 1- and 2-byte sequence (TextDecoder has no encoder). */
function reverseTable(enc: string): Map<string, Uint8Array> {
  let table = reverseTables.get(enc);
  if (table) return table;
  const decoder = makeDecoder(enc, true);
  table = new Map();
  const tryAdd = (bytes: Uint8Array) => {
    try {
      const s = decoder.decode(bytes);
      if (s.length >= 1 && s.length <= 2 && !s.includes("\ufffd") && !table!.has(s)) table!.set(s, bytes);
    } catch {
      // not a complete character in this charset
    }
  };
  for (let a = 0; a < 256; a++) tryAdd(Uint8Array.of(a));
  for (let a = 0x81; a < 0xff; a++) for (let b = 0x40; b < 0xff; b++) tryAdd(Uint8Array.of(a, b));
  reverseTables.set(enc, table);
  return table;
}

/** The bytes of each character of `text` in `encoding`, so truncation can stop on a character boundary. */
function charBytes(text: string, encoding: string): Uint8Array[] {
  const enc = normalise(encoding);
  const chars = Array.from(text);
  if (isUtf8(enc)) return chars.map((c) => utf8Encoder.encode(c));
  const table = reverseTable(enc);
  return chars.map((c) => {
    const bytes = table.get(c);
    if (!bytes) throw new ZkInvalidInputError(`Character '${c}' cannot be written in ${encoding}`);
    return bytes;
  });
}

/** `text` encoded into exactly `size` bytes, NUL-padded, cut before a character that would not fit whole. */
export function encodeFixed(text: string, size: number, encoding = "utf-8"): Uint8Array {
  const out = new Uint8Array(size);
  let pos = 0;
  for (const bytes of charBytes(text, encoding)) {
    if (pos + bytes.length > size) break;
    out.set(bytes, pos);
    pos += bytes.length;
  }
  return out;
}

/** Bytes `text` takes in `encoding` (throws VALIDATION_FAILED for a character the charset cannot hold). */
export function encodedLength(text: string, encoding = "utf-8"): number {
  let n = 0;
  for (const bytes of charBytes(text, encoding)) n += bytes.length;
  return n;
}

/** Decoder per encoding name as callers spell it (normalised once, not per field). */
function decoderFor(encoding: string): InstanceType<typeof TextDecoder> {
  let decoder = decoders.get(encoding);
  if (!decoder) {
    const enc = normalise(encoding);
    decoder = decoders.get(enc) ?? makeDecoder(enc, false);
    decoders.set(enc, decoder);
    decoders.set(encoding, decoder);
  }
  return decoder;
}

/** Plain-ASCII bytes [from, end) as a string, or undefined when one is ≥ 0x80 (then the real decoder is needed). */
function asciiText(bytes: Uint8Array, from: number, end: number): string | undefined {
  let s = "";
  for (let i = from; i < end; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return undefined;
    s += String.fromCharCode(b);
  }
  return s;
}

/** Text of a fixed field: cut at the first NUL (bytes after it may be garbage, §8.3), undecodable bytes dropped. */
export function decodeFixed(bytes: Uint8Array, encoding = "utf-8"): string {
  return decodeFixedAt(bytes, 0, bytes.length, encoding);
}

/**
 * decodeFixed of the `size`-byte field at `offset`, without a subarray per call: table decoders call this a few
 * hundred thousand times, and a typed-array view costs more than decoding a short id.
 */
export function decodeFixedAt(bytes: Uint8Array, offset: number, size: number, encoding = "utf-8"): string {
  const limit = Math.min(bytes.length, offset + size);
  let end = offset;
  while (end < limit && bytes[end] !== 0) end++;
  // Fast path for the usual all-ASCII field (user ids, most names): UTF-8 maps those bytes to themselves. Only for
  // UTF-8, because not every charset TextDecoder knows is ASCII-compatible (UTF-16, ISO-2022-JP).
  if (encoding === "utf-8" || encoding === "utf8") {
    const ascii = asciiText(bytes, offset, end);
    if (ascii !== undefined) return ascii;
  }
  return decoderFor(encoding).decode(bytes.subarray(offset, end)).replace(/\ufffd/g, "");
}
