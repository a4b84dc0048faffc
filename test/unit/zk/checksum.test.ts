// docs/protocol.md §2.2 checksum vectors, typed in from the reference.
import { describe, expect, test } from "vitest";
import { zkChecksum } from "../../../agent/zk/codec";
import { ascii, hex } from "./hex";

describe("zkChecksum (§2.2 vectors)", () => {
  // Checksum bytes zeroed, as the algorithm requires.
  test.each([
    ["CMD_CONNECT sess 0 reply 0", "e8 03 00 00 00 00 00 00", 0xfc17],
    ["ACK_OK sess 0xFB2F (pyzk mock)", "d0 07 00 00 2f fb 00 00", 0xfcff],
    ["ACK_UNAUTH sess 0x45CF (pyzk mock)", "d5 07 00 00 cf 45 00 00", 0xb25b],
    ["adrobinoga vector 1 (~ZKFaceVersion)", "0b 00 00 00 f3 8d 03 00" + ascii("ZKFaceVersion") + " 00", 0x175a],
    ["adrobinoga vector 2 (odd length)", "d0 07 00 00 f3 8d 0a 00 09", 0x6a29],
  ])("%s", (_name, bytes, want) => {
    expect(zkChecksum(hex(bytes))).toBe(want);
  });

  test("checksum field of a real packet verifies: sum of the whole packet is 0xFFFF complement", () => {
    // §13 ACK_OK reply, session 0x45CF: `d0 07 60 b2 cf 45 00 00`.
    const packet = hex("d0 07 60 b2 cf 45 00 00");
    expect(zkChecksum(packet)).toBe(0);
  });

  test("empty input and a single byte", () => {
    expect(zkChecksum(new Uint8Array(0))).toBe(0xffff);
    expect(zkChecksum(hex("01"))).toBe(0xfffe);
  });
});
