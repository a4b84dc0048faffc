// Realtime events (docs/protocol.md §11): EF_ATTLOG payload forms, the event packet header, other event kinds.
import { describe, expect, test } from "vitest";
import { decodeAttLogEvent, decodeEvent, decodePacket, encodeAttLogEvent, encodePacket, eventPacket, isEventPacket, TcpUnframer, EF } from "../../../agent/zk/codec";
import { ascii, hex, zeros } from "./hex";

const T = { year: 2024, month: 3, day: 15, hour: 8, minute: 2, second: 11 };
const REC = { uid: 7, userId: "A1007", status: 1, punch: 0, time: T };
const EVENT_PACKET = hex("f4 01 38 86 01 00 00 00" + ascii("A1007") + zeros(19) + " 01 00 18 03 0f 08 02 0b");

describe("EF_ATTLOG payloads (§11.3)", () => {
  test("§13 event packet: code 1 in the session field, reply id 0, 32-byte payload", () => {
    const p = decodePacket(EVENT_PACKET);
    expect(isEventPacket(p)).toBe(true);
    expect(decodeEvent(p)).toEqual({ kind: "attLog", record: { uid: 0, userId: "A1007", status: 1, punch: 0, time: T } });
    expect(encodePacket(eventPacket(EF.attLog, encodeAttLogEvent(REC, 32)))).toEqual(EVENT_PACKET);
  });
  test("pyzk mock 12-byte form: user 4822257, 2018-12-07 19:09:06", () => {
    expect(decodeAttLogEvent(hex("f1 94 49 00 00 00 12 0c 07 13 09 06"))).toEqual({
      uid: 0, userId: "4822257", status: 0, punch: 0, time: { year: 2018, month: 12, day: 7, hour: 19, minute: 9, second: 6 },
    });
  });
  test("adrobinoga 32-byte capture: 999111333, status 1, punch 0, 2018-06-25 17:41:05", () => {
    const payload = hex(ascii("999111333") + zeros(15) + " 01 00 12 06 19 11 29 05");
    expect(decodeAttLogEvent(payload)).toEqual({
      uid: 0, userId: "999111333", status: 1, punch: 0, time: { year: 2018, month: 6, day: 25, hour: 17, minute: 41, second: 5 },
    });
  });
  test("every form round trips what it carries", () => {
    expect(decodeAttLogEvent(encodeAttLogEvent(REC, 10))).toEqual({ ...REC, userId: "" });
    expect(decodeAttLogEvent(encodeAttLogEvent(REC, 14))).toEqual({ ...REC, userId: "" });
    expect(decodeAttLogEvent(encodeAttLogEvent({ ...REC, userId: "1007" }, 12))).toEqual({ ...REC, uid: 0, userId: "1007" });
    for (const form of [32, 36, 37, 52] as const) {
      const payload = encodeAttLogEvent(REC, form);
      expect(payload.length).toBe(form);
      expect(decodeAttLogEvent(payload)).toEqual({ ...REC, uid: 0 });
    }
  });
  test("10-byte form layout: u16 uid, status, punch, time", () => {
    expect(encodeAttLogEvent(REC, 10)).toEqual(hex("07 00 01 00 18 03 0f 08 02 0b"));
  });
  test("unknown lengths are reported, not guessed", () => {
    expect(() => decodeAttLogEvent(hex("01 02 03"))).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
    expect(() => decodeAttLogEvent(new Uint8Array(20))).toThrow(/length 20/);
  });
});

describe("other events (§11.2, §11.5)", () => {
  test("EF_FPFTR capture with score 100", () => {
    const [bytes] = new TcpUnframer().push(hex("50 50 82 7d 09 00 00 00 f4 01 a7 fc 00 01 00 00 64"));
    const p = decodePacket(bytes!);
    expect(p.checksumOk).toBe(true);
    expect(decodeEvent(p)).toEqual({ kind: "fpftr", score: 100 });
  });
  test("EF_ENROLLFINGER result/size, EF_FINGER, unknown codes", () => {
    expect(decodeEvent(eventPacket(EF.enrollFinger, hex("00 00 c4 04 41 31")))).toEqual({ kind: "enrollFinger", result: 0, size: 1220 });
    expect(decodeEvent(eventPacket(EF.enrollFinger, hex("06 00")))).toEqual({ kind: "enrollFinger", result: 6 });
    expect(decodeEvent(eventPacket(EF.finger, new Uint8Array(0)))).toEqual({ kind: "finger" });
    expect(decodeEvent(eventPacket(EF.alarm, hex("37 00 00 00")))).toEqual({ kind: "other", code: 512, payload: hex("37 00 00 00") });
  });
  test("a reply is not an event", () => {
    expect(isEventPacket(decodePacket(hex("d0 07 60 b2 cf 45 00 00")))).toBe(false);
    expect(isEventPacket(decodePacket(hex("f4 01 2d b8 cf 45 0e 00 01 00 00 00")))).toBe(false);
  });
});
