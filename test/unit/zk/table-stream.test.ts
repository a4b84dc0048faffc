// Tables decoded while they download give exactly what the whole-table decoders give, whatever the chunking (docs/protocol.md §7.1, §8, §9).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { attendanceStream, userStream } from "../../../agent/zk/client/table-stream";
import {
  decodeAttendanceTable,
  decodeUserTable,
  encodeAttendance40,
  encodeAttendanceTable,
  encodeUser28,
  encodeUser72,
  encodeUserTable,
  tableBody,
} from "../../../agent/zk/codec";
import type { ZkAttendance } from "../../../agent/zk/types";

const T = { year: 2024, month: 3, day: 15, hour: 8, minute: 2, second: 11 };

function attendance(n: number): ZkAttendance[] {
  return Array.from({ length: n }, (_, i) => ({
    uid: 1 + (i % 7),
    userId: i % 11 === 3 ? "Ñandú-7" : String(1000 + (i % 7)), // some non-ASCII ids, most repeating per uid
    time: { ...T, second: i % 60 },
    status: i % 3,
    punch: i % 2,
  }));
}

/** Feeds `buffer` in pieces cut at `cuts` (sorted offsets), as chunks of a bulk read would arrive. */
function feed<T>(stream: { progress(b: Uint8Array, filled: number): void; finish(b: Uint8Array): T[] }, buffer: Uint8Array, cuts: number[]): T[] {
  for (const c of cuts) stream.progress(buffer, c);
  return stream.finish(buffer);
}

const cutsOf = (len: number) => fc.uniqueArray(fc.integer({ min: 0, max: len }), { maxLength: 8 }).map((a) => a.sort((x, y) => x - y));

describe("TableStream", () => {
  test.each([40, 16, 8] as const)("attendance in %i-byte records: same list for any chunking", (size) => {
    const recs = attendance(60).map((r) => (size === 40 ? r : { ...r, userId: String(1000 + r.uid) }));
    const buffer = encodeAttendanceTable(recs, size);
    const want = decodeAttendanceTable(tableBody(buffer), recs.length);
    fc.assert(
      fc.property(cutsOf(buffer.length), (cuts) => {
        expect(feed(attendanceStream(recs.length), buffer, cuts)).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  test.each([72, 28] as const)("users in %i-byte records: same list for any chunking, raw bytes kept", (size) => {
    const records = Array.from({ length: 40 }, (_, i) => {
      const u = { uid: i + 1, userId: String(5000 + i), name: i % 5 === 0 ? "José" : `N${i}`, password: "12", card: i * 1000 };
      return size === 72 ? encodeUser72(u) : encodeUser28(u);
    });
    const buffer = encodeUserTable(records);
    const want = decodeUserTable(tableBody(buffer), records.length);
    fc.assert(
      fc.property(cutsOf(buffer.length), (cuts) => {
        expect(feed(userStream(records.length), buffer, cuts)).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  test("a uid whose user_id changes between records gets each record's own id (the id cache checks the bytes)", () => {
    const recs = [
      { uid: 5, userId: "1005", time: T, status: 1, punch: 0 },
      { uid: 5, userId: "1005", time: T, status: 1, punch: 0 },
      { uid: 5, userId: "10050", time: T, status: 1, punch: 0 },
      { uid: 5, userId: "100", time: T, status: 1, punch: 0 },
      { uid: 5, userId: "é", time: T, status: 1, punch: 0 },
      { uid: 5, userId: "1005", time: T, status: 1, punch: 0 },
    ];
    const buffer = encodeAttendanceTable(recs, 40);
    expect(feed(attendanceStream(recs.length), buffer, [44, 84]).map((r) => r.userId)).toEqual(["1005", "1005", "10050", "100", "é", "1005"]);
    // A lone invalid byte must not be taken for a cached one-character id whose code equals it.
    const raw = encodeAttendance40({ uid: 9, userId: "", time: T, status: 0, punch: 0 });
    raw[2] = 0xe9;
    const table = new Uint8Array([80, 0, 0, 0, ...encodeAttendance40({ uid: 9, userId: "é", time: T, status: 0, punch: 0 }), ...raw]);
    expect(feed(attendanceStream(2), table, [44]).map((r) => r.userId)).toEqual(decodeAttendanceTable(tableBody(table), 2).map((r) => r.userId));
  });

  test("a prefix that does not fit, or a record that does not decode, ends in the whole-table decoder's own error", () => {
    const buffer = encodeAttendanceTable(attendance(3), 40);
    const lying = buffer.slice();
    lying[0] = 200; // declares more than it carries
    expect(() => feed(attendanceStream(3), lying, [4, 50])).toThrowError(/declares 200 bytes/);
    const badTime = buffer.slice();
    badTime.set([0xff, 0xff, 0xff, 0xff], 4 + 40 + 27); // second record: a time beyond 2099
    expect(() => feed(attendanceStream(3), badTime, [50, 90])).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });

  test("an inline reply (a different buffer than the one fed) is decoded whole", () => {
    const buffer = encodeAttendanceTable(attendance(5), 40);
    const stream = attendanceStream(5);
    stream.progress(buffer.slice(), 100);
    expect(stream.finish(buffer)).toEqual(decodeAttendanceTable(tableBody(buffer), 5));
  });
});
