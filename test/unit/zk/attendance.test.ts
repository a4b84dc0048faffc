// Attendance records (docs/protocol.md §9.1 fixtures): 8, 16, 40 and longer; table by length / count; properties.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  attendanceRecordSize, decodeAttendance, decodeAttendanceTable, encodeAttendance16, encodeAttendance40, encodeAttendance8, encodeAttendanceTable,
  isValidDateTime, tableBody,
} from "../../../agent/zk/codec";
import type { ZkAttendance } from "../../../agent/zk/types";
import { ascii, hex, zeros } from "./hex";

const T = { year: 2024, month: 3, day: 15, hour: 8, minute: 2, second: 11 };
const REC40 = hex(`
07 00 41 31 30 30 37 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 01 03 f3 5e 2e 00
00 00 00 00 ff 00 00 00`);
const REC8 = hex("07 00 01 03 f3 5e 2e 00");
const REC16 = hex("ef 03 00 00 03 f3 5e 2e 01 00 00 00 00 00 00 00");
const ADROBINOGA40 = hex("0d 00" + ascii("999111333") + zeros(15) + " 01 6b b3 68 23 00 00 00 00 00 ff 00 00 00");

describe("attendance records (§9.1)", () => {
  test("40-byte example parses and encodes", () => {
    const rec: ZkAttendance = { uid: 7, userId: "A1007", status: 1, punch: 0, time: T };
    expect(decodeAttendance(REC40)).toEqual(rec);
    expect(encodeAttendance40(rec)).toEqual(REC40);
  });
  test("adrobinoga's real capture: uid 13, 999111333, 2018-06-25 17:50:35", () => {
    expect(ADROBINOGA40.length).toBe(40);
    expect(decodeAttendance(ADROBINOGA40)).toEqual({
      uid: 13, userId: "999111333", status: 1, punch: 0, time: { year: 2018, month: 6, day: 25, hour: 17, minute: 50, second: 35 },
    });
  });
  test("8-byte form of the same moment (no user_id)", () => {
    expect(decodeAttendance(REC8)).toEqual({ uid: 7, userId: "", status: 1, punch: 0, time: T });
    expect(encodeAttendance8({ uid: 7, userId: "A1007", status: 1, punch: 0, time: T })).toEqual(REC8);
  });
  test("16-byte form, user_id 1007 (no uid)", () => {
    expect(decodeAttendance(REC16)).toEqual({ uid: 0, userId: "1007", status: 1, punch: 0, time: T });
    expect(encodeAttendance16({ uid: 7, userId: "1007", status: 1, punch: 0, time: T })).toEqual(REC16);
  });
  test("49-byte records (newer firmware) read like 40", () => {
    const rec49 = new Uint8Array(49);
    rec49.set(REC40);
    expect(decodeAttendanceTable(new Uint8Array([...rec49, ...rec49]), 2)).toHaveLength(2);
  });
  test("a record with an impossible time is reported", () => {
    const bad = REC40.slice();
    bad.set(hex("ff ff ff ff"), 27);
    expect(() => decodeAttendance(bad)).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
});

describe("attendance table", () => {
  test("size from length / count: 8, 16, 40", () => {
    expect(decodeAttendanceTable(new Uint8Array([...REC8, ...REC8]), 2)).toHaveLength(2);
    expect(decodeAttendanceTable(new Uint8Array([...REC16, ...REC16]), 2)[1]!.userId).toBe("1007");
    expect(decodeAttendanceTable(new Uint8Array([...REC40, ...ADROBINOGA40]), 2).map((r) => r.uid)).toEqual([7, 13]);
  });
  test("80 bytes: count 2 → 40-byte, count 5 → 16-byte, count 10 → 8-byte", () => {
    const body = new Uint8Array([...REC40, ...REC40]);
    expect(decodeAttendanceTable(body, 2)).toHaveLength(2);
    const body16 = new Uint8Array(Array.from({ length: 5 }, () => [...REC16]).flat());
    expect(decodeAttendanceTable(body16, 5)).toHaveLength(5);
  });
  test("a stale count of 40 with 41 real 40-byte records reads 41 records of 40 bytes, not 40 of 41", () => {
    const body = new Uint8Array(Array.from({ length: 41 }, () => [...REC40]).flat());
    const got = decodeAttendanceTable(body, 40);
    expect(got).toHaveLength(41);
    expect(got.every((r) => r.uid === 7 && r.userId === "A1007")).toBe(true);
    expect(attendanceRecordSize(body.length, 40)).toBe(40);
  });
  test("a stale count settles between exact sizes by the nearest record count (105 × 16 = 42 × 40 bytes, count 100)", () => {
    expect(attendanceRecordSize(105 * 16, 100)).toBe(16);
    expect(attendanceRecordSize(42 * 40, 40)).toBe(40);
  });
  test("49-byte records are taken from length / count when 40 does not divide the body", () => {
    expect(attendanceRecordSize(49 * 3, 3)).toBe(49);
    expect(attendanceRecordSize(49 * 8, 8)).toBe(49); // 8 divides 392, 40 does not
  });
  test("empty, and an unknown size", () => {
    expect(decodeAttendanceTable(new Uint8Array(0), 0)).toEqual([]);
    expect(() => decodeAttendanceTable(new Uint8Array(7), 1)).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });
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
const arbRec = fc.record({
  uid: fc.integer({ min: 1, max: 0xffff }),
  userId: fc.integer({ min: 0, max: 0xffffffff }).map(String),
  status: fc.integer({ min: 0, max: 255 }),
  punch: fc.integer({ min: 0, max: 255 }),
  time: arbTime,
});

describe("properties", () => {
  test("40-byte keeps every field", () => {
    fc.assert(fc.property(arbRec, (r) => {
      expect(decodeAttendance(encodeAttendance40(r))).toEqual(r);
    }));
  });
  test("16-byte keeps all but the uid", () => {
    fc.assert(fc.property(arbRec, (r) => {
      expect(decodeAttendance(encodeAttendance16(r))).toEqual({ ...r, uid: 0 });
    }));
  });
  test("8-byte keeps all but the user_id", () => {
    fc.assert(fc.property(arbRec, (r) => {
      expect(decodeAttendance(encodeAttendance8(r))).toEqual({ ...r, userId: "" });
    }));
  });
  test("tables of each size round trip", () => {
    fc.assert(
      fc.property(fc.array(arbRec, { minLength: 1, maxLength: 30 }), fc.constantFrom(8 as const, 16 as const, 40 as const), (recs, size) => {
        const out = decodeAttendanceTable(tableBody(encodeAttendanceTable(recs, size)), recs.length);
        expect(out.map((r) => r.time)).toEqual(recs.map((r) => r.time));
        expect(out.map((r) => r.status)).toEqual(recs.map((r) => r.status));
      }),
    );
  });
});
