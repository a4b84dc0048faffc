// Templates (docs/protocol.md §10): table entries from the §10.1 head, single-read trimming (§10.2), the §10.4 batch blob.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  decodeTemplateTable, decodeUserTemplateBatch, encodeTemplateEntry, encodeTemplateTable, encodeUserTemplateBatch, stripSingleTemplate, tableBody,
} from "../../../agent/zk/codec";
import type { ZkTemplate } from "../../../agent/zk/types";
import { hex } from "./hex";

const ALICE28 = hex("05 00 0e 31 32 33 34 00 41 6c 69 63 65 00 00 00 40 e2 01 00 00 01 00 00 ed 03 00 00");

describe("template table (§10.1)", () => {
  test("adrobinoga's head: 1220-byte entry, uid 14, finger 4, valid, template starting 4d fd 53 53 32 31", () => {
    const entry = new Uint8Array(1220);
    entry.set(hex("c4 04 0e 00 04 01 4d fd 53 53 32 31"));
    const [t, ...rest] = decodeTemplateTable(entry);
    expect(rest).toEqual([]);
    expect(t).toMatchObject({ uid: 14, finger: 4, flag: 1 });
    expect(t!.template.length).toBe(1214);
    expect(t!.template.subarray(0, 6)).toEqual(hex("4d fd 53 53 32 31"));
    expect(encodeTemplateEntry(t!)).toEqual(entry);
  });
  test("two entries back to back, via the u32-prefixed buffer", () => {
    const buf = hex("12 00 00 00 | 0a 00 01 00 00 01 aa bb cc dd | 08 00 02 00 09 03 ee ff");
    expect(decodeTemplateTable(tableBody(buf))).toEqual([
      { uid: 1, finger: 0, flag: 1, template: hex("aa bb cc dd") },
      { uid: 2, finger: 9, flag: 3, template: hex("ee ff") },
    ]);
    expect(encodeTemplateTable(decodeTemplateTable(tableBody(buf)))).toEqual(buf);
  });
  test("an entry that overruns the table, or a size below its header, is refused", () => {
    expect(() => decodeTemplateTable(hex("10 00 01 00 00 01 aa"))).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
    expect(() => decodeTemplateTable(hex("04 00 01 00"))).toThrowError(/smaller than its header/);
  });
  test("finger index outside 0-9 cannot be encoded", () => {
    expect(() => encodeTemplateEntry({ uid: 1, finger: 10, flag: 1, template: hex("00") })).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED" }));
  });
});

describe("single read trimming (§10.2)", () => {
  test("drops the trailing byte (real device: 0x01)", () => {
    expect(stripSingleTemplate(hex("4d fd 53 53 01"))).toEqual(hex("4d fd 53 53"));
  });
  test("and six NULs of padding before it", () => {
    expect(stripSingleTemplate(hex("4d fd 53 53 00 00 00 00 00 00 01"))).toEqual(hex("4d fd 53 53"));
  });
  test("PREPARE_DATA 1244 → 1243-byte template", () => {
    const data = new Uint8Array(1244).fill(0x11);
    expect(stripSingleTemplate(data).length).toBe(1243);
  });
});

describe("batch blob (§10.4)", () => {
  // Alice (28-byte) with fingers 3 and 6; typed from the layout, offsets into F counted by hand.
  const BLOB = hex(`
    1d 00 00 00  10 00 00 00  0a 00 00 00
    02 05 00 0e 31 32 33 34 00 41 6c 69 63 65 00 00 00 40 e2 01 00 00 01 00 00 ed 03 00 00
    02 05 00 13 00 00 00 00
    02 05 00 16 06 00 00 00
    04 00 4d fd 53 53
    02 00 aa bb`);
  const TEMPLATES: ZkTemplate[] = [
    { uid: 5, finger: 3, flag: 1, template: hex("4d fd 53 53") },
    { uid: 5, finger: 6, flag: 1, template: hex("aa bb") },
  ];
  test("encodes the hand-built blob", () => {
    expect(encodeUserTemplateBatch([ALICE28], TEMPLATES)).toEqual(BLOB);
  });
  test("decodes it back", () => {
    expect(decodeUserTemplateBatch(BLOB)).toEqual({ users: [ALICE28], templates: TEMPLATES });
  });
  test("a truncated blob is refused", () => {
    expect(() => decodeUserTemplateBatch(BLOB.subarray(0, BLOB.length - 1))).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
});

const arbTemplate = fc.record({
  uid: fc.integer({ min: 1, max: 0xffff }),
  finger: fc.integer({ min: 0, max: 9 }),
  flag: fc.constantFrom(0, 1, 3),
  template: fc.uint8Array({ minLength: 0, maxLength: 1600 }),
});

describe("properties", () => {
  test("template tables round trip", () => {
    fc.assert(
      fc.property(fc.array(arbTemplate, { maxLength: 12 }), (ts) => {
        expect(decodeTemplateTable(tableBody(encodeTemplateTable(ts)))).toEqual(ts);
      }),
    );
  });
  test("batch blobs round trip for 28- and 72-byte users", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(28 as const, 72 as const),
        fc.array(fc.uint8Array({ minLength: 72, maxLength: 72 }), { maxLength: 8 }),
        fc.array(arbTemplate, { maxLength: 8 }),
        (size, rawUsers, ts) => {
          const users = rawUsers.map((u) => u.slice(0, size));
          const out = decodeUserTemplateBatch(encodeUserTemplateBatch(users, ts), size);
          expect(out.users).toEqual(users);
          expect(out.templates).toEqual(ts);
        },
      ),
    );
  });
});
