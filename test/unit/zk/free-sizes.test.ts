// CMD_GET_FREE_SIZES payload (docs/protocol.md §5.5), built from pyzk's real mock numbers.
import { describe, expect, test } from "vitest";
import { decodeFreeSizes, encodeFreeSizes } from "../../../agent/zk/codec";
import { hex, zeros } from "./hex";

// users 7, fingers 6, records 605, oplog 3087, [12]=1, caps 3000/10000/100000, remaining 2994/9993/99395.
const REAL80 = hex(
  zeros(16) +
    " 07 00 00 00 00 00 00 00 06 00 00 00 00 00 00 00" +
    " 5d 02 00 00 00 00 00 00 0f 0c 00 00 00 00 00 00" +
    " 01 00 00 00 00 00 00 00 b8 0b 00 00 10 27 00 00" +
    " a0 86 01 00 b2 0b 00 00 09 27 00 00 43 84 01 00",
);
const SIZES = { users: 7, fingers: 6, records: 605, fingersCap: 3000, usersCap: 10000, recordsCap: 100000 };

describe("free sizes (§5.5)", () => {
  test("decodes the real reply", () => {
    expect(REAL80.length).toBe(80);
    expect(decodeFreeSizes(REAL80)).toEqual(SIZES);
  });
  test("encodes it byte for byte (with op-log and the [12] counter)", () => {
    expect(encodeFreeSizes(SIZES, 80, { opLog: 3087, admins: 1 })).toEqual(REAL80);
  });
  test("the 92-byte form decodes the same", () => {
    const p92 = encodeFreeSizes(SIZES, 92, { faces: 2, facesCap: 400 });
    expect(p92.length).toBe(92);
    expect(p92.subarray(80)).toEqual(hex("02 00 00 00 00 00 00 00 90 01 00 00"));
    expect(decodeFreeSizes(p92)).toEqual(SIZES);
  });
  test("node-zklib's offsets: 16 users, 32 records, 64 attendance capacity", () => {
    const v = new DataView(REAL80.buffer);
    expect([v.getUint32(16, true), v.getUint32(32, true), v.getUint32(64, true)]).toEqual([7, 605, 100000]);
  });
  test("a short reply is refused", () => {
    expect(() => decodeFreeSizes(REAL80.subarray(0, 79))).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
});
