// The codec's fast paths agree with the plain definitions: checksum (docs/protocol.md §2.2), packets, framing in place, text fields, ZK time.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  TcpUnframer,
  decodeFixed,
  decodeFixedAt,
  decodePacket,
  decodePacketView,
  decodeZkTime,
  encodePacket,
  encodePacketInto,
  frameTcp,
  isValidDateTime,
  packetChecksum,
  writeTcpPrefix,
  zkChecksum,
} from "../../../agent/zk/codec";

/** §2.2 exactly as the reference states it: fold the carry after every word. */
function referenceChecksum(bytes: Uint8Array): number {
  let sum = 0;
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    sum += bytes[i]! | (bytes[i + 1]! << 8);
    if (sum > 0xffff) sum -= 0xffff;
  }
  if (i < bytes.length) sum += bytes[i]!;
  while (sum > 0xffff) sum -= 0xffff;
  return ~sum & 0xffff;
}

const bytes = (max = 300) => fc.uint8Array({ maxLength: max });

describe("checksum", () => {
  test("zkChecksum equals the §2.2 fold on any bytes (odd lengths, all-0xff runs)", () => {
    fc.assert(
      fc.property(bytes(), (b) => {
        expect(zkChecksum(b)).toBe(referenceChecksum(b));
      }),
    );
    const ff = new Uint8Array(70_001).fill(0xff);
    expect(zkChecksum(ff)).toBe(referenceChecksum(ff));
  });

  test("packetChecksum reads a packet as if bytes 2–3 were zero, at any offset, without touching it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 200 }), fc.nat(5), (p, pad) => {
        const zeroed = p.slice();
        zeroed[2] = 0;
        zeroed[3] = 0;
        const framed = new Uint8Array(pad + p.length);
        framed.set(p, pad);
        expect(packetChecksum(p)).toBe(referenceChecksum(zeroed));
        expect(packetChecksum(framed, pad, p.length)).toBe(referenceChecksum(zeroed));
        expect(framed.subarray(pad)).toEqual(p);
      }),
    );
  });
});

describe("packets", () => {
  const packet = fc.record({ command: fc.nat(0xffff), sessionId: fc.nat(0xffff), replyId: fc.nat(0xffff), payload: bytes() });

  test("encodePacketInto writes what encodePacket returns, framed in place; decodePacketView equals decodePacket with a view", () => {
    fc.assert(
      fc.property(packet, (p) => {
        const plain = encodePacket(p);
        const out = new Uint8Array(8 + plain.length + 3).fill(0xaa);
        writeTcpPrefix(out, 0, plain.length);
        expect(encodePacketInto(p, out, 8)).toBe(plain.length);
        expect(out.subarray(0, 8 + plain.length)).toEqual(frameTcp(plain));
        expect(Array.from(out.subarray(8 + plain.length))).toEqual([0xaa, 0xaa, 0xaa]);
        const view = decodePacketView(plain);
        expect(view).toEqual(decodePacket(plain));
        expect(view.checksumOk).toBe(true);
        expect(view.payload.buffer).toBe(plain.buffer); // no copy
      }),
    );
  });
});

describe("text fields", () => {
  test("decodeFixedAt(b, off, n) = decodeFixed(b.subarray(off, off + n)) for any bytes, UTF-8 and a legacy charset", () => {
    fc.assert(
      fc.property(bytes(40), fc.nat(40), fc.nat(30), fc.constantFrom("utf-8", "gbk", "windows-1252"), (b, off, n, enc) => {
        const at = Math.min(off, b.length);
        expect(decodeFixedAt(b, at, n, enc)).toBe(decodeFixed(b.subarray(at, at + n), enc));
      }),
      { numRuns: 300 },
    );
  });

  test("the ASCII fast path matches TextDecoder, control bytes included", () => {
    const b = Uint8Array.of(0x41, 0x01, 0x7f, 0x20, 0x39, 0, 0x41);
    expect(decodeFixed(b)).toBe(new TextDecoder().decode(b.subarray(0, 5)));
  });
});

describe("ZK time", () => {
  test("decodeZkTime accepts exactly the values whose date is valid, as the plain check says", () => {
    const reference = (u: number) => {
      let t = u;
      const second = t % 60;
      t = Math.floor(t / 60);
      const minute = t % 60;
      t = Math.floor(t / 60);
      const hour = t % 24;
      t = Math.floor(t / 24);
      const day = (t % 31) + 1;
      t = Math.floor(t / 31);
      const out = { year: Math.floor(t / 12) + 2000, month: (t % 12) + 1, day, hour, minute, second };
      return isValidDateTime(out) ? out : undefined;
    };
    const leapDays = [0, 4, 96, 99].map((y) => ((y * 12 + 1) * 31 + 28) * 86400); // 29 Feb of 2000, 2004, 2096, 2099
    fc.assert(
      fc.property(fc.oneof(fc.nat(0xffffffff), fc.constantFrom(...leapDays), fc.nat(3_300_000_000)), (u) => {
        const want = reference(u);
        if (want) expect(decodeZkTime(u)).toEqual(want);
        else expect(() => decodeZkTime(u)).toThrowError(expect.objectContaining({ code: "PROTOCOL_ERROR" }));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("TcpUnframer, large frames", () => {
  test("a 200 KB frame in many small reads comes out whole, once, with `buffered` counting what is held", () => {
    const payload = new Uint8Array(200_000).map((_, i) => i & 0xff);
    const frame = frameTcp(encodePacket({ command: 1501, sessionId: 1, replyId: 2, payload }));
    const u = new TcpUnframer();
    const out: Uint8Array[] = [];
    for (let pos = 0; pos < frame.length; pos += 1500) {
      out.push(...u.push(frame.subarray(pos, pos + 1500)));
      if (pos + 1500 < frame.length) expect(u.buffered).toBe(pos + 1500);
    }
    expect(out).toHaveLength(1);
    const got = decodePacket(out[0]!).payload;
    expect(got.length).toBe(payload.length);
    expect(got.every((v, i) => v === payload[i])).toBe(true);
    expect(u.buffered).toBe(0);
  });
});
