// The TCP unframer (docs/protocol.md §1.2): a multi-frame stream split at every offset and byte by byte; hostile input refused.
import { describe, expect, test } from "vitest";
import { TcpUnframer } from "../../../agent/zk/codec";
import { hex } from "./hex";

// Three frames from the reference: ACK_OK (§13), GET_TIME reply (§6), the EF_FPFTR event capture (§11.2).
const F1 = "50 50 82 7d 08 00 00 00 d0 07 60 b2 cf 45 00 00";
const F2 = "50 50 82 7d 0c 00 00 00 d0 07 82 40 cf 45 05 00 7a 43 5f 2e";
const F3 = "50 50 82 7d 09 00 00 00 f4 01 a7 fc 00 01 00 00 64";
const STREAM = hex(`${F1} ${F2} ${F3}`);
const WANT = [hex(F1).subarray(8), hex(F2).subarray(8), hex(F3).subarray(8)];

function feed(chunks: Uint8Array[]): Uint8Array[] {
  const u = new TcpUnframer();
  const out = chunks.flatMap((c) => u.push(c));
  expect(u.buffered).toBe(0);
  return out;
}

describe("TcpUnframer", () => {
  test("whole stream in one chunk", () => {
    expect(feed([STREAM])).toEqual(WANT);
  });

  test("split in two at every offset", () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      expect(feed([STREAM.slice(0, cut), STREAM.slice(cut)])).toEqual(WANT);
    }
  });

  test("split in three at every pair of offsets", () => {
    for (let a = 0; a <= STREAM.length; a += 3) {
      for (let b = a; b <= STREAM.length; b += 5) {
        expect(feed([STREAM.slice(0, a), STREAM.slice(a, b), STREAM.slice(b)])).toEqual(WANT);
      }
    }
  });

  test("byte by byte, with `buffered` counting the held-back tail", () => {
    const u = new TcpUnframer();
    const out: Uint8Array[] = [];
    for (let i = 0; i < STREAM.length; i++) {
      out.push(...u.push(STREAM.subarray(i, i + 1)));
      if (i === 3) expect(u.buffered).toBe(4);
    }
    expect(out).toEqual(WANT);
    expect(u.buffered).toBe(0);
  });

  test("bad magic is refused as soon as its first byte arrives", () => {
    const u = new TcpUnframer();
    expect(() => u.push(hex("50 51"))).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
    expect(() => new TcpUnframer().push(hex(`${F1} 00 11 22 33`))).toThrowError(/magic/);
  });

  test("an oversize length is refused before any allocation", () => {
    const u = new TcpUnframer(1024);
    expect(() => u.push(hex("50 50 82 7d 01 04 00 00"))).toThrowError(/length 1025/);
    expect(() => new TcpUnframer().push(hex("50 50 82 7d ff ff ff ff"))).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
  });

  test("a length shorter than a ZK header is refused", () => {
    expect(() => new TcpUnframer().push(hex("50 50 82 7d 04 00 00 00 d0 07 00 00"))).toThrowError(/length 4/);
  });

  test("frames returned are copies: later pushes do not change them", () => {
    const u = new TcpUnframer();
    const chunk = hex(F1);
    const [p] = u.push(chunk);
    chunk.fill(0);
    expect(p).toEqual(hex(F1).subarray(8));
  });
});
