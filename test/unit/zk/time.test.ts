// docs/protocol.md §6 time table and the 6-byte event time (§11.3); properties with fast-check.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  decodeEventTime, decodePacket, decodeZkTime, encodeEventTime, encodeZkTime, formatDeviceTime, isValidDateTime, parseDeviceTime, fromDate, toDateUTC,
  type ZkProtocolError,
} from "../../../agent/zk/codec";
import type { ZkDateTime } from "../../../agent/zk/types";
import { hex } from "./hex";

const dt = (year: number, month: number, day: number, hour: number, minute: number, second: number): ZkDateTime => ({ year, month, day, hour, minute, second });

describe("ZK time (§6 table)", () => {
  test.each([
    [dt(2000, 1, 1, 0, 0, 0), 0, "00 00 00 00"],
    [dt(2018, 6, 25, 17, 41, 5), 594_063_665, "31 b1 68 23"],
    [dt(2024, 3, 15, 8, 2, 11), 777_974_531, "03 f3 5e 2e"],
    [dt(2024, 3, 15, 13, 45, 30), 777_995_130, "7a 43 5f 2e"],
    [dt(2099, 12, 31, 23, 59, 59), 3_214_079_999, "ff f7 92 bf"],
  ])("%o ↔ %i", (t, value, wire) => {
    expect(encodeZkTime(t)).toBe(value);
    expect(decodeZkTime(value)).toEqual(t);
    const bytes = hex(wire);
    expect(new DataView(bytes.buffer).getUint32(0, true)).toBe(value);
  });

  test("adrobinoga's attendance time 0x2368B36B is 2018-06-25 17:50:35", () => {
    expect(decodeZkTime(0x2368b36b)).toEqual(dt(2018, 6, 25, 17, 50, 35));
  });

  test("GET_TIME reply example decodes to 2024-03-15 13:45:30", () => {
    const p = decodePacket(hex("d0 07 82 40 cf 45 05 00 7a 43 5f 2e"));
    expect(p.checksumOk).toBe(true);
    expect(decodeZkTime(new DataView(p.payload.buffer).getUint32(0, true))).toEqual(dt(2024, 3, 15, 13, 45, 30));
  });

  test("an impossible date (30 Feb) is reported, not rolled over", () => {
    // 2024-02-30 00:00:00 in 31-day-month arithmetic: ((24*12 + 1)*31 + 29) * 86400.
    const value = ((24 * 12 + 1) * 31 + 29) * 86400;
    expect(() => decodeZkTime(value)).toThrowError(/impossible date 2024-02-30/);
    try {
      decodeZkTime(value);
    } catch (err) {
      expect((err as ZkProtocolError).code).toBe("PROTOCOL_ERROR");
    }
  });

  test("values past 2099 and invalid inputs are refused", () => {
    expect(() => decodeZkTime(3_214_080_000)).toThrow();
    expect(() => encodeZkTime(dt(2100, 1, 1, 0, 0, 0))).toThrow(/2000-2099/);
    expect(() => encodeZkTime(dt(2023, 2, 29, 0, 0, 0))).toThrow();
    expect(isValidDateTime(dt(2024, 2, 29, 23, 59, 59))).toBe(true);
  });

  const arbTime = fc
    .record({
      year: fc.integer({ min: 2000, max: 2099 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      second: fc.integer({ min: 0, max: 59 }),
    })
    .filter(isValidDateTime);

  test("property: decode(encode(t)) = t and encoding is monotonic", () => {
    fc.assert(
      fc.property(arbTime, arbTime, (a, b) => {
        expect(decodeZkTime(encodeZkTime(a))).toEqual(a);
        const order = toDateUTC(a).getTime() - toDateUTC(b).getTime();
        expect(Math.sign(encodeZkTime(a) - encodeZkTime(b))).toBe(Math.sign(order));
      }),
    );
  });

  test("property: every u32 in range either decodes to a valid date that re-encodes, or throws", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3_214_079_999 }), (v) => {
        let t: ZkDateTime;
        try {
          t = decodeZkTime(v);
        } catch {
          return;
        }
        expect(encodeZkTime(t)).toBe(v);
      }),
    );
  });

  test("property: event time and text form round trip", () => {
    fc.assert(
      fc.property(arbTime, (t) => {
        expect(decodeEventTime(encodeEventTime(t))).toEqual(t);
        expect(parseDeviceTime(formatDeviceTime(t))).toEqual(t);
      }),
    );
  });
});

describe("event time and helpers", () => {
  test("6-byte event time of the §13 event: 18 03 0f 08 02 0b", () => {
    expect(decodeEventTime(hex("18 03 0f 08 02 0b"))).toEqual(dt(2024, 3, 15, 8, 2, 11));
    expect(encodeEventTime(dt(2024, 3, 15, 8, 2, 11))).toEqual(hex("18 03 0f 08 02 0b"));
  });
  test("impossible event time throws", () => {
    expect(() => decodeEventTime(hex("18 02 1e 00 00 00"))).toThrow();
  });
  test("formatDeviceTime / parseDeviceTime / fromDate", () => {
    expect(formatDeviceTime(dt(2024, 3, 5, 8, 2, 1))).toBe("2024-03-05 08:02:01");
    expect(() => parseDeviceTime("2024-3-5 8:02:01")).toThrow();
    expect(fromDate(new Date(Date.UTC(2024, 2, 15, 13, 45, 30)), true)).toEqual(dt(2024, 3, 15, 13, 45, 30));
  });
});
