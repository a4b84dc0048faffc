// User records (docs/protocol.md §8.6 fixtures): 72- and 28-byte parse, encode, round trip, table; fast-check properties.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  checkUserFits,
  USER_LAYOUTS,
  userFormatFromOptions,
  decodeFixed,
  decodeUser28,
  decodeUser72,
  decodeUserTable,
  encodeFixed,
  encodeUser28,
  encodeUser72,
  encodeUserTable,
  tableBody,
  userRecordSize,
} from "../../../agent/zk/codec";
import type { ZkUserInput } from "../../../agent/zk/types";
import { hex } from "./hex";

const BOB72 = hex(`
07 00 00 39 38 37 36 00 00 00 00 42 6f 62 20 53
6d 69 74 68 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 a0 af 9b 00 01 00 00 00 00 00 00 00 00
41 31 30 30 37 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00`);
const ALICE28 = hex(`
05 00 0e 31 32 33 34 00 41 6c 69 63 65 00 00 00
40 e2 01 00 00 01 00 00 ed 03 00 00`);

describe("72-byte record (§8.3, §8.6)", () => {
  test("parses Bob", () => {
    expect(decodeUser72(BOB72)).toEqual({
      uid: 7, privilege: 0, password: "9876", name: "Bob Smith", card: 10203040, group: 1, groupId: "", userId: "A1007", format: 72, raw: BOB72,
    });
  });
  test("encodes Bob byte for byte", () => {
    expect(encodeUser72({ uid: 7, privilege: 0, password: "9876", name: "Bob Smith", card: 10203040, group: 1, userId: "A1007" })).toEqual(BOB72);
  });
  test("pyzk's set_user bytes differ only in byte 39 (group 0)", () => {
    const pyzk = BOB72.slice();
    pyzk[39] = 0;
    expect(encodeUser72({ uid: 7, password: "9876", name: "Bob Smith", card: 10203040, group: 0, userId: "A1007" })).toEqual(pyzk);
  });
  test("real device fragment: uid 2, admin, password 3494866, NievesLopez", () => {
    const rec = new Uint8Array(72);
    rec.set(hex("02 00 0e 33 34 39 34 38 36 36 00 4e 69 65 76 65 73 4c 6f 70 65 7a"));
    expect(decodeUser72(rec)).toMatchObject({ uid: 2, privilege: 14, password: "3494866", name: "NievesLopez" });
  });
  test("bytes after the first NUL of a field are garbage and ignored; raw keeps them", () => {
    const rec = BOB72.slice();
    rec[8] = 0x7a; // after "9876\0"
    const u = decodeUser72(rec);
    expect(u.password).toBe("9876");
    expect(u.raw).toEqual(rec);
  });
  test("wrong length refused", () => {
    expect(() => decodeUser72(BOB72.subarray(0, 71))).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
});

describe("28-byte record (§8.4, §8.6)", () => {
  test("parses Alice", () => {
    expect(decodeUser28(ALICE28)).toEqual({
      uid: 5, privilege: 14, password: "1234", name: "Alice", card: 123456, group: 1, groupId: "", userId: "1005", format: 28, raw: ALICE28,
    });
  });
  test("encodes Alice byte for byte", () => {
    expect(encodeUser28({ uid: 5, privilege: 14, password: "1234", name: "Alice", card: 123456, group: 1, userId: "1005" })).toEqual(ALICE28);
  });
  test("non-numeric user_id cannot be written", () => {
    expect(() => encodeUser28({ uid: 1, userId: "A1007" })).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED" }));
  });
  test("uid out of u16 range is refused", () => {
    expect(() => encodeUser72({ uid: 70000, userId: "1" })).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED" }));
  });
});

describe("user table (§7.1, §8.7)", () => {
  test("7 users of 72 bytes carry the prefix f8 01 00 00", () => {
    const buf = encodeUserTable(Array.from({ length: 7 }, () => BOB72));
    expect(buf.subarray(0, 4)).toEqual(hex("f8 01 00 00"));
    expect(buf.length).toBe(508);
    expect(decodeUserTable(tableBody(buf), 7)).toHaveLength(7);
  });
  test("record size comes from length / count: 28 or 72", () => {
    const body28 = new Uint8Array([...ALICE28, ...ALICE28]);
    expect(decodeUserTable(body28, 2).map((u) => u.format)).toEqual([28, 28]);
    const body72 = new Uint8Array([...BOB72]);
    expect(decodeUserTable(body72, 1)[0]!.userId).toBe("A1007");
  });
  test("ambiguous lengths follow the count: 504 bytes = 18 × 28 or 7 × 72", () => {
    const b = new Uint8Array(504);
    expect(decodeUserTable(b, 18)[0]!.format).toBe(28);
    expect(decodeUserTable(b, 7)[0]!.format).toBe(72);
  });
  test("a stale count settles 504 bytes by the nearest record count: 18 × 28 for a count of 17, 7 × 72 for 8", () => {
    expect(userRecordSize(504, 17)).toBe(28);
    expect(userRecordSize(504, 8)).toBe(72);
    expect(userRecordSize(504)).toBe(72);
    expect(decodeUserTable(new Uint8Array(Array.from({ length: 18 }, () => [...ALICE28]).flat()), 17)).toHaveLength(18);
  });
  test("0 users → [] and a length matching neither size throws", () => {
    expect(decodeUserTable(new Uint8Array(0), 0)).toEqual([]);
    expect(() => decodeUserTable(new Uint8Array(50), 1)).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
  test("a prefix longer than the data is refused", () => {
    expect(() => tableBody(hex("48 00 00 00 00 00"))).toThrowError(/declares 72/);
  });
});

describe("byte limits (§8.3, §8.4): refused, never cut", () => {
  test("password fits whole or is refused, by bytes, without repeating it", () => {
    expect(() => checkUserFits(72, { password: "12345678" })).not.toThrow();
    expect(() => checkUserFits(28, { password: "12345" })).not.toThrow();
    expect(() => checkUserFits(72, { password: "123456789" })).toThrowError(
      expect.objectContaining({ code: "VALIDATION_FAILED", message: expect.stringMatching(/72-byte user record holds at most 8 bytes of password/) }),
    );
    expect(() => checkUserFits(28, { password: "123456" })).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED", message: expect.not.stringContaining("123456") }));
    expect(() => checkUserFits(28, { password: "ñññ" })).toThrowError(/6 bytes/); // 3 characters, 6 UTF-8 bytes
  });

  test("names: 8 bytes on 28-byte records, 23 (+ NUL) on 72-byte ones, counted in the terminal's charset", () => {
    expect(() => checkUserFits(28, { name: "Ana Pere" })).not.toThrow();
    expect(() => encodeUser28({ uid: 1, userId: "1", name: "Ana Perez Garcia" })).toThrowError(
      expect.objectContaining({ code: "VALIDATION_FAILED", details: { field: "name", max_bytes: 8, bytes: 16, charset: "utf-8" } }),
    );
    expect(() => checkUserFits(72, { name: "x".repeat(23) })).not.toThrow();
    expect(() => checkUserFits(72, { name: "x".repeat(24) })).toThrowError(/at most 23 bytes of name/);
    // 11 accented letters are 22 UTF-8 bytes and fit; 12 are 24 and do not — nor do 24 of them (48 bytes).
    expect(() => checkUserFits(72, { name: "é".repeat(11) })).not.toThrow();
    expect(() => checkUserFits(72, { name: "é".repeat(12) })).toThrowError(/24 bytes in utf-8/);
    expect(() => checkUserFits(72, { name: "é".repeat(24) })).toThrowError(/48 bytes in utf-8/);
    // In a one-byte charset the same letters take one byte each.
    expect(() => checkUserFits(72, { name: "é".repeat(23) }, "windows-1252")).not.toThrow();
  });

  test("user_id: 23 ASCII bytes on 72-byte records (the 24th would become the NUL), a u32 number on 28-byte ones", () => {
    expect(() => encodeUser72({ uid: 1, userId: "A".repeat(23) })).not.toThrow();
    expect(() => encodeUser72({ uid: 1, userId: "A".repeat(24) })).toThrowError(
      expect.objectContaining({ code: "VALIDATION_FAILED", details: expect.objectContaining({ field: "user_id", max_bytes: 23 }) }),
    );
    expect(() => encodeUser72({ uid: 1, userId: "Añ" })).toThrowError(/printable ASCII/);
    expect(() => encodeUser28({ uid: 1, userId: "4294967295" })).not.toThrow();
    expect(() => encodeUser28({ uid: 1, userId: "4294967296" })).toThrowError(expect.objectContaining({ details: expect.objectContaining({ field: "user_id" }) }));
  });

  test("the layout table covers every byte range once, inside the record", () => {
    for (const size of [28, 72] as const) {
      const taken = new Array<number>(size).fill(0);
      for (const spec of Object.values(USER_LAYOUTS[size].fields)) for (let i = spec!.at; i < spec!.at + spec!.bytes; i++) taken[i]!++;
      expect(taken.every((n) => n <= 1)).toBe(true);
      expect(taken.length).toBe(size);
    }
  });
});

describe("record size from the terminal's options (§5.2)", () => {
  test("TFT platforms and ~UserExtFmt=1 say 72; ~UserExtFmt=0 on another platform says 28; nothing → unknown", () => {
    expect(userFormatFromOptions({ platform: "ZMM220_TFT", userExtFmt: "" })).toBe(72);
    expect(userFormatFromOptions({ platform: "ZEM560", userExtFmt: "1" })).toBe(72);
    expect(userFormatFromOptions({ platform: "ZEM560", userExtFmt: "0" })).toBe(28);
    expect(userFormatFromOptions({ platform: "", userExtFmt: "0" })).toBeUndefined();
    expect(userFormatFromOptions({ platform: "ZEM560", userExtFmt: "" })).toBeUndefined();
  });
});

describe("fixed text (§8.5)", () => {
  test("truncation never splits a UTF-8 character", () => {
    expect(encodeFixed("añoé", 4)).toEqual(hex("61 c3 b1 6f"));
    expect(encodeFixed("añoé", 5)).toEqual(hex("61 c3 b1 6f 00"));
    expect(decodeFixed(hex("61 c3 b1 6f c3"))).toBe("año");
  });
  test("legacy charsets: GBK and cp1251 round trip with byte-accurate truncation", () => {
    expect(encodeFixed("中文", 4, "gbk")).toEqual(hex("d6 d0 ce c4"));
    expect(encodeFixed("中文", 3, "gbk")).toEqual(hex("d6 d0 00"));
    expect(decodeFixed(hex("d6 d0 ce c4 00 ff"), "gbk")).toBe("中文");
    expect(decodeFixed(encodeFixed("Иван", 8, "windows-1251"), "windows-1251")).toBe("Иван");
  });
});

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const printable = (max: number) => fc.stringMatching(new RegExp(`^[ -~]{0,${max}}$`)).map((s) => s.replace(/\0/g, ""));

describe("properties", () => {
  test("72-byte: decode(encode(u)) keeps every field", () => {
    const arb = fc.record({
      uid: fc.integer({ min: 0, max: 0xffff }),
      privilege: fc.constantFrom(0, 1, 2, 3, 6, 7, 14, 15),
      password: printable(8),
      name: fc.string({ maxLength: 8 }).filter((s) => !s.includes("\0") && !s.includes("\ufffd") && new TextEncoder().encode(s).length <= 23),
      card: fc.integer({ min: 0, max: 0xffffffff }),
      group: fc.integer({ min: 0, max: 255 }),
      groupId: printable(7),
      userId: printable(23),
    });
    fc.assert(
      fc.property(arb, (u: Required<ZkUserInput>) => {
        const rec = encodeUser72(u);
        expect(rec.length).toBe(72);
        const { raw, format, ...fields } = decodeUser72(rec);
        expect(fields).toEqual(u);
        expect(raw).toEqual(rec);
        expect(format).toBe(72);
        expect(encodeUser72(fields)).toEqual(rec);
      }),
    );
  });

  test("28-byte: decode(encode(u)) keeps every field", () => {
    const arb = fc.record({
      uid: fc.integer({ min: 0, max: 0xffff }),
      privilege: fc.constantFrom(0, 2, 6, 14),
      password: printable(5),
      name: printable(8),
      card: fc.integer({ min: 0, max: 0xffffffff }),
      group: fc.integer({ min: 0, max: 255 }),
      userId: fc.integer({ min: 0, max: 0xffffffff }).map(String),
    });
    fc.assert(
      fc.property(arb, (u) => {
        const { raw, format, groupId, ...fields } = decodeUser28(encodeUser28(u));
        expect(fields).toEqual(u);
        expect(groupId).toBe("");
        expect(format).toBe(28);
      }),
    );
  });

  test("table: any list of records survives encode → body → decode", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 0xffff }), { minLength: 1, maxLength: 40 }), fc.boolean(), (uids, wide) => {
        const recs = uids.map((uid) => (wide ? encodeUser72({ uid, userId: `U${uid}` }) : encodeUser28({ uid, userId: String(uid) })));
        const users = decodeUserTable(tableBody(encodeUserTable(recs)), recs.length);
        expect(users.map((u) => u.uid)).toEqual(uids);
        expect(users.map((u) => u.raw)).toEqual(recs);
      }),
    );
  });

  test("fixed text never exceeds its field and never splits a character", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), fc.integer({ min: 1, max: 24 }), (s, size) => {
        const clean = s.replace(/\0/g, "");
        const bytes = encodeFixed(clean, size);
        expect(bytes.length).toBe(size);
        const text = decodeFixed(bytes);
        expect(clean.startsWith(text)).toBe(true);
      }),
    );
  });
});
