// docs/protocol.md §4.2 comm-key worked examples, including the 32-bit wrap (key 65535, session 0xFFFF).
import { describe, expect, test } from "vitest";
import { checkCommKey, decodePacket, encodePacket, frameTcp, makeCommKey, CMD } from "../../../agent/zk/codec";
import { hex } from "./hex";

describe("makeCommKey (§4.2)", () => {
  test.each([
    [123456, 0x45cf, "26 7f 32 bc"],
    [65535, 0xffff, "9e 82 32 86"],
    [45, 0x45cf, "61 c9 32 3c"],
    [12, 0x45cf, "61 4d 32 3c"],
    [0, 0x45cf, "61 7d 32 3c"],
  ])("key %i session %i", (key, session, want) => {
    expect(makeCommKey(key, session)).toEqual(hex(want));
  });

  test("AUTH request for key 123456, reply id 1 (UDP form)", () => {
    const want = hex("4e 04 88 7a cf 45 01 00 26 7f 32 bc");
    expect(encodePacket({ command: CMD.auth, sessionId: 0x45cf, replyId: 1, payload: makeCommKey(123456, 0x45cf) })).toEqual(want);
  });

  test("pyzk's real TCP AUTH frame for key 45", () => {
    const want = hex("50 50 82 7d 0c 00 00 00 4e 04 4d b0 cf 45 01 00 61 c9 32 3c");
    const packet = encodePacket({ command: CMD.auth, sessionId: 0x45cf, replyId: 1, payload: makeCommKey(45, 0x45cf) });
    expect(frameTcp(packet)).toEqual(want);
  });

  test("its ACK_OK answer decodes with a good checksum", () => {
    const p = decodePacket(hex("d0 07 5f b2 cf 45 01 00"));
    expect(p).toMatchObject({ command: 2000, sessionId: 0x45cf, replyId: 1, checksumOk: true });
  });
});

describe("checkCommKey", () => {
  test("accepts the reference payloads", () => {
    expect(checkCommKey(123456, 0x45cf, hex("26 7f 32 bc"))).toBe(true);
    expect(checkCommKey(65535, 0xffff, hex("9e 82 32 86"))).toBe(true);
  });
  test("rejects a wrong key, a wrong session and a short payload", () => {
    expect(checkCommKey(123457, 0x45cf, hex("26 7f 32 bc"))).toBe(false);
    // Step 6 discards the low byte of (reversed + session), so only a change above it shows.
    expect(checkCommKey(123456, 0x46cf, hex("26 7f 32 bc"))).toBe(false);
    expect(checkCommKey(123456, 0x45cf, hex("26 7f 32"))).toBe(false);
  });
  test("takes ticks from payload[2], so clients using other ticks pass", () => {
    const other = makeCommKey(777, 0x1234, 7);
    expect(other[2]).toBe(7);
    expect(checkCommKey(777, 0x1234, other)).toBe(true);
  });
});
