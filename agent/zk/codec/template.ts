// Fingerprint templates: the bulk table entries (docs/protocol.md §10.1), single reads (§10.2) and the batch blob (§10.4).
import type { ZkTemplate } from "../types";
import { ZkInvalidInputError, ZkProtocolError } from "../errors";
import { ByteReader, ByteWriter, concatBytes } from "./bytes";
import { encodeTable } from "./table";

/** One table entry: u16 size (= template + 6), u16 uid, u8 finger, u8 flag, template. */
export function encodeTemplateEntry(t: ZkTemplate): Uint8Array {
  checkFinger(t.finger);
  return new ByteWriter(t.template.length + 6)
    .u16le(t.template.length + 6)
    .u16le(t.uid)
    .u8(t.finger)
    .u8(t.flag)
    .bytes(t.template)
    .finish();
}

/** Decodes a template table body (after the u32 prefix). */
export function decodeTemplateTable(buffer: Uint8Array): ZkTemplate[] {
  const out: ZkTemplate[] = [];
  const r = new ByteReader(buffer);
  while (r.remaining > 0) {
    const size = r.u16le();
    if (size < 6) throw new ZkProtocolError(`Template entry size ${size} is smaller than its header`);
    if (size - 2 > r.remaining) throw new ZkProtocolError(`Template entry of ${size} bytes overruns the table`);
    const uid = r.u16le();
    const finger = r.u8();
    const flag = r.u8();
    out.push({ uid, finger, flag, template: r.bytes(size - 6) });
  }
  return out;
}

/** u32 prefix + entries: the buffer a device serves for a template read. */
export function encodeTemplateTable(templates: readonly ZkTemplate[]): Uint8Array {
  return encodeTable(templates.map(encodeTemplateEntry));
}

/** §10.2: a single-template read carries one trailing byte, and sometimes six NULs of padding before it. */
export function stripSingleTemplate(data: Uint8Array): Uint8Array {
  let end = Math.max(0, data.length - 1);
  if (end >= 6 && data.subarray(end - 6, end).every((b) => b === 0)) end -= 6;
  return data.slice(0, end);
}

/**
 * The §10.4 blob: u32 |U| u32 |T| u32 |F|, then U (0x02 + record per user), T (8 bytes per template:
 * 0x02, u16 uid, u8 (flag << 4 | finger), u32 offset into F), F (u16 length + template per template).
 * §10.4 documents `0x10 + finger` (flag 1); carrying other flags in the high nibble is our inference.
 */
export function encodeUserTemplateBatch(users: readonly Uint8Array[], templates: readonly ZkTemplate[]): Uint8Array {
  for (const u of users) {
    if (u.length !== 28 && u.length !== 72) throw new ZkInvalidInputError(`User record must be 28 or 72 bytes, got ${u.length}`);
  }
  const U = concatBytes(users.map((u) => concatBytes([Uint8Array.of(2), u])));
  const tParts: Uint8Array[] = [];
  const fParts: Uint8Array[] = [];
  let fOffset = 0;
  for (const t of templates) {
    checkFinger(t.finger);
    tParts.push(new ByteWriter(8).u8(2).u16le(t.uid).u8(((t.flag & 0x0f) << 4) | t.finger).u32le(fOffset).finish());
    const f = new ByteWriter(2 + t.template.length).u16le(t.template.length).bytes(t.template).finish();
    fParts.push(f);
    fOffset += f.length;
  }
  const T = concatBytes(tParts);
  const F = concatBytes(fParts);
  const head = new ByteWriter(12).u32le(U.length).u32le(T.length).u32le(F.length).finish();
  return concatBytes([head, U, T, F]);
}

/** Decodes a §10.4 blob back into raw user records and templates. `recordSize` settles 29/73 ambiguity when known. */
export function decodeUserTemplateBatch(
  blob: Uint8Array,
  recordSize?: 28 | 72,
): { users: Uint8Array[]; templates: ZkTemplate[] } {
  const r = new ByteReader(blob);
  const lenU = r.u32le();
  const lenT = r.u32le();
  const lenF = r.u32le();
  if (12 + lenU + lenT + lenF > blob.length) throw new ZkProtocolError("Batch blob shorter than its header says");
  const U = r.bytes(lenU);
  const T = r.bytes(lenT);
  const F = r.bytes(lenF);
  const size = recordSize ?? batchRecordSize(U);
  const users: Uint8Array[] = [];
  for (let pos = 0; pos < U.length; pos += size + 1) {
    if (U[pos] !== 2) throw new ZkProtocolError(`Batch user entry at ${pos} does not start with 0x02`);
    users.push(U.slice(pos + 1, pos + 1 + size));
  }
  if (lenT % 8 !== 0) throw new ZkProtocolError(`Batch template index of ${lenT} bytes is not a multiple of 8`);
  const templates: ZkTemplate[] = [];
  const tr = new ByteReader(T);
  while (tr.remaining > 0) {
    tr.skip(1);
    const uid = tr.u16le();
    const fb = tr.u8();
    const offset = tr.u32le();
    const fr = new ByteReader(F, offset);
    const len = fr.u16le();
    templates.push({ uid, finger: fb & 0x0f, flag: fb >> 4, template: fr.bytes(len) });
  }
  return { users, templates };
}

function batchRecordSize(U: Uint8Array): 28 | 72 {
  const fits = (size: number) => {
    if (U.length % (size + 1) !== 0) return false;
    for (let pos = 0; pos < U.length; pos += size + 1) if (U[pos] !== 2) return false;
    return true;
  };
  if (U.length === 0 || fits(72)) return 72;
  if (fits(28)) return 28;
  throw new ZkProtocolError(`Batch user section of ${U.length} bytes holds neither 29- nor 73-byte entries`);
}

function checkFinger(finger: number): void {
  if (!Number.isInteger(finger) || finger < 0 || finger > 9) throw new ZkInvalidInputError(`Finger index must be 0-9, got ${finger}`);
}
