// ByteReader / ByteWriter cursors: little-endian widths, bounds, and coded errors.
import { describe, expect, test } from "vitest";
import { ByteReader, ByteWriter } from "../../../agent/zk/codec";
import { hex } from "./hex";

describe("ByteReader", () => {
  test("reads each width little-endian and tracks the offset", () => {
    const r = new ByteReader(hex("01 02 03 04 05 06 07 08 09 fe ff ff ff 41 42 00 43"));
    expect(r.u8()).toBe(1);
    expect(r.u16le()).toBe(0x0302);
    expect(r.u32le()).toBe(0x07060504);
    expect(r.offset).toBe(7);
    expect(r.bytes(2)).toEqual(hex("08 09"));
    expect(r.i16le()).toBe(-2);
    expect(r.i16le()).toBe(-1);
    expect(r.fixedAscii(4)).toBe("AB");
    expect(r.remaining).toBe(0);
  });
  test("reading past the end throws PROTOCOL_ERROR", () => {
    const r = new ByteReader(hex("01 02 03"), 1);
    expect(() => r.u32le()).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
  test("works on a subarray view with a byte offset", () => {
    const base = hex("ff ff 34 12 ff");
    expect(new ByteReader(base.subarray(2, 4)).u16le()).toBe(0x1234);
  });
});

describe("ByteWriter", () => {
  test("writes each width little-endian", () => {
    const out = new ByteWriter(16).u8(1).u16le(0x0302).u32le(0x07060504).i16le(-2).i32le(-1).fixedText("A", 3).finish();
    expect(out).toEqual(hex("01 02 03 04 05 06 07 fe ff ff ff ff ff 41 00 00"));
  });
  test("out-of-range values are input errors, overflow is a protocol error", () => {
    expect(() => new ByteWriter(2).u16le(0x10000)).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    expect(() => new ByteWriter(1).u8(-1)).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    expect(() => new ByteWriter(1).u16le(1)).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
});
