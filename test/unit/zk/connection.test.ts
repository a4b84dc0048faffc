// ZkConnection without sockets: reply-id matching, stray replies, events routed aside and acked, timeouts, close.
import { afterEach, describe, expect, test, vi } from "vitest";
import { ZkConnection } from "../../../agent/zk/client/connection";
import { bulkRead } from "../../../agent/zk/client/bulk-read";
import type { TransportHandlers, ZkTransport } from "../../../agent/zk/client/transport";
import { decodePacket } from "../../../agent/zk/codec";
import { ascii, hex, zeros } from "./hex";

/** A transport whose "device" is the test: it sees what was sent and injects packets. */
class FakeTransport implements ZkTransport {
  readonly kind = "tcp" as const;
  closed = false;
  sent: Uint8Array[] = [];
  handlers!: TransportHandlers;
  attach(h: TransportHandlers) {
    this.handlers = h;
  }
  send(p: Uint8Array) {
    this.sent.push(p);
  }
  async close() {
    this.closed = true;
    this.handlers.close();
  }
  inject(hexText: string) {
    this.handlers.packet(hex(hexText));
  }
}

afterEach(() => {
  vi.useRealTimers();
});

function setup(timeoutMs = 1000) {
  const t = new FakeTransport();
  const conn = new ZkConnection(t, timeoutMs);
  return { t, conn };
}

const EVENT = "f4 01 38 86 01 00 00 00" + ascii("A1007") + zeros(19) + " 01 00 18 03 0f 08 02 0b";

describe("ZkConnection", () => {
  test("CONNECT goes out as docs/protocol.md §13's first packet and the reply with the same reply id resolves it", async () => {
    const { t, conn } = setup();
    const reply = conn.exchange(1000);
    expect(t.sent[0]).toEqual(hex("e8 03 17 fc 00 00 00 00"));
    t.inject("d0 07 60 b2 cf 45 00 00");
    expect(await reply).toMatchObject({ command: 2000, sessionId: 0x45cf, replyId: 0 });
  });

  test("stray replies (other reply ids) are ignored; the matching one wins", async () => {
    const { t, conn } = setup();
    conn.sessionId = 0x45cf;
    const connect = conn.exchange(1000); // reply id 0
    t.inject("d0 07 60 b2 cf 45 00 00");
    await connect;
    conn.finish();
    const p = conn.exchange(201); // reply id 1
    t.inject("d0 07 82 40 cf 45 05 00 7a 43 5f 2e"); // §13 GET_TIME reply with reply id 5: stray
    t.inject("d0 07 60 b2 cf 45 00 00"); // reply id 0, not an event: stray
    t.inject("d0 07 5f b2 cf 45 01 00"); // reply id 1
    expect(await p).toMatchObject({ command: 2000, replyId: 1 });
    expect(conn.ignored).toBe(2);
  });

  test("an event in the middle of a command is routed aside and acknowledged with reply id 0", async () => {
    const { t, conn } = setup();
    conn.sessionId = 0x45cf;
    const events: number[] = [];
    conn.onEvent((p) => events.push(p.sessionId));
    const p = conn.exchange(1000);
    t.inject(EVENT);
    t.inject("d0 07 60 b2 cf 45 00 00");
    expect(await p).toMatchObject({ command: 2000 });
    expect(events).toEqual([1]);
    // §11.4 / §13: the client's ACK of the event is `d0 07 60 b2 cf 45 00 00`.
    expect(t.sent[1]).toEqual(hex("d0 07 60 b2 cf 45 00 00"));
  });

  test("multi-packet answers queue up even before next() is called", async () => {
    const { t, conn } = setup();
    const first = conn.exchange(1504, hex("00 00 00 00 04 00 00 00"));
    t.inject(packetHex(1500, 0, 0, "04 00 00 00 04 00 00 00"));
    t.inject(packetHex(1501, 0, 0, "aa bb cc dd"));
    t.inject(packetHex(2000, 0, 0, ""));
    expect((await first).command).toBe(1500);
    expect((await conn.next()).payload).toEqual(hex("aa bb cc dd"));
    expect((await conn.next()).command).toBe(2000);
  });

  test("no reply → DEVICE_TIMEOUT after the per-packet timeout; a late reply is then stray", async () => {
    vi.useFakeTimers();
    const { t, conn } = setup(300);
    const p = conn.exchange(50);
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(299);
    t.inject(packetHex(2000, 0, 7, "")); // wrong reply id: does not help
    await vi.advanceTimersByTimeAsync(1);
    expect(await caught).toMatchObject({ code: "DEVICE_TIMEOUT", command: 50, timeoutMs: 300 });
    t.inject(packetHex(2000, 0, 0, ""));
    expect(conn.ignored).toBe(2);
  });

  test("a bad checksum is counted and the reply kept by default (pyzk and node-zklib never check, §0)", async () => {
    const { t, conn } = setup();
    const p = conn.exchange(201);
    t.inject("d0 07 00 00 cf 45 00 00 7a 43 5f 2e"); // §13 GET_TIME reply, checksum zeroed
    expect(await p).toMatchObject({ command: 2000, payload: hex("7a 43 5f 2e"), checksumOk: false });
    expect(conn.badChecksums).toBe(1);
  });

  test("strictChecksum: a bad checksum fails the command in flight with PROTOCOL_ERROR", async () => {
    const t = new FakeTransport();
    const conn = new ZkConnection(t, 1000, { strictChecksum: true });
    const p = conn.exchange(201);
    t.inject("d0 07 00 00 cf 45 00 00 7a 43 5f 2e");
    await expect(p).rejects.toMatchObject({ code: "PROTOCOL_ERROR", message: expect.stringMatching(/checksum/) });
    expect(conn.badChecksums).toBe(1);
  });

  test("an event listener that throws is counted and reported; the others, the ACK and the command go on", async () => {
    const t = new FakeTransport();
    const reported: unknown[] = [];
    const conn = new ZkConnection(t, 1000, { onListenerError: (err) => reported.push(err) });
    conn.sessionId = 0x45cf;
    const seen: number[] = [];
    conn.onEvent(() => {
      throw new Error("listener bug");
    });
    conn.onEvent((p) => seen.push(p.sessionId));
    const p = conn.exchange(1000);
    expect(() => t.inject(EVENT)).not.toThrow();
    t.inject("d0 07 60 b2 cf 45 00 00");
    expect(await p).toMatchObject({ command: 2000 });
    expect(seen).toEqual([1]);
    expect(conn.listenerErrors).toBe(1);
    expect(reported).toEqual([expect.objectContaining({ message: "listener bug" })]);
    expect(t.sent[1]).toEqual(hex("d0 07 60 b2 cf 45 00 00"));
  });

  test("a throwing error hook is swallowed too", () => {
    const t = new FakeTransport();
    const conn = new ZkConnection(t, 1000, {
      onListenerError: () => {
        throw new Error("hook bug");
      },
    });
    conn.onEvent(() => {
      throw new Error("listener bug");
    });
    expect(() => t.inject(EVENT)).not.toThrow();
    expect(conn.listenerErrors).toBe(1);
  });

  test("a runt packet fails the command with PROTOCOL_ERROR", async () => {
    const { t, conn } = setup();
    const p = conn.exchange(201);
    t.inject("d0 07 00");
    await expect(p).rejects.toMatchObject({ code: "PROTOCOL_ERROR" });
  });

  test("socket closed mid-command → DEVICE_DISCONNECTED, and every later command fails at once", async () => {
    const { t, conn } = setup();
    const p = conn.exchange(201);
    t.handlers.error(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
    t.handlers.close();
    await expect(p).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED", message: expect.stringMatching(/ECONNRESET/) });
    expect(conn.dead).toBe(true);
    await expect(conn.exchange(201)).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });
    expect(t.sent).toHaveLength(1);
  });

  test("bulk read: inline CMD_DATA answer needs no FREE_DATA (§7.2 A)", async () => {
    const { t, conn } = setup();
    const read = bulkRead(conn, 9, 5);
    await Promise.resolve();
    expect(decodePacket(t.sent[0]!)).toMatchObject({ command: 1503, payload: hex("01 09 00 05 00 00 00 00 00 00 00") });
    t.inject(packetHex(1501, 0, 0, "00 00 00 00"));
    expect(await read).toEqual(hex("00 00 00 00"));
    expect(t.sent).toHaveLength(1);
  });

  test("bulk read: buffered, chunked, session field of data packets not checked, FREE_DATA at the end", async () => {
    const { t, conn } = setup();
    conn.sessionId = 0x45cf;
    const read = bulkRead(conn, 13, 0, 0, { chunkSize: 4 });
    /** Waits for request number `n` (0-based) and returns it decoded. */
    const request = async (n: number) => {
      await vi.waitFor(() => expect(t.sent.length).toBe(n + 1));
      return decodePacket(t.sent[n]!);
    };
    const prep = await request(0);
    expect(prep.command).toBe(1503);
    t.inject(packetHex(2000, 0x45cf, prep.replyId, "00 06 00 00 00 06 00 00 00 00 00 00 00")); // buffered, 6 bytes
    const r1 = await request(1);
    expect(r1).toMatchObject({ command: 1504, payload: hex("00 00 00 00 04 00 00 00") });
    t.inject(packetHex(1500, 0x45cf, r1.replyId, "04 00 00 00 00 00 00 00"));
    t.inject(packetHex(1501, 0, r1.replyId, "02 00 00 00")); // packet index 0 in the session field (§2.3)
    t.inject(packetHex(2000, 0x45cf, r1.replyId, ""));
    const r2 = await request(2);
    expect(r2).toMatchObject({ command: 1504, payload: hex("04 00 00 00 02 00 00 00") });
    t.inject(packetHex(1501, 1, r2.replyId, "aa bb")); // direct CMD_DATA answer
    const free = await request(3);
    expect(free.command).toBe(1502);
    t.inject(packetHex(2000, 0x45cf, free.replyId, ""));
    expect(await read).toEqual(hex("02 00 00 00 aa bb"));
  });
});

describe("reply ids across the wrap (§2.4: 0…65534)", () => {
  /** A device that answers every request at once with ACK_OK under the request's reply id. */
  function echoing() {
    const t = new FakeTransport();
    const ids: number[] = [];
    t.send = (bytes: Uint8Array) => {
      const req = decodePacket(bytes);
      ids.push(req.replyId);
      t.inject(packetHex(2000, 0x45cf, req.replyId, ""));
    };
    return { t, ids };
  }

  test("a counter started near the wrap goes 65533, 65534, 0, 1 and every reply is matched", async () => {
    const { t, ids } = echoing();
    const conn = new ZkConnection(t, 1000, { firstReplyId: 65533 });
    for (let i = 0; i < 4; i++) {
      expect(await conn.exchange(201)).toMatchObject({ command: 2000 });
      conn.finish();
    }
    expect(ids).toEqual([65533, 65534, 0, 1]);
    expect(conn.ignored).toBe(0);
  });

  test("pipelined requests straddling the wrap each get their own answer", async () => {
    const t = new FakeTransport();
    const conn = new ZkConnection(t, 1000, { firstReplyId: 65534 });
    const a = conn.send(1504);
    const b = conn.send(1504);
    expect([a.replyId, b.replyId]).toEqual([65534, 0]);
    // Answered in reverse order: routing is by reply id, not by arrival.
    t.inject(packetHex(1501, 0, 0, "bb"));
    t.inject(packetHex(1501, 0, 65534, "aa"));
    expect((await conn.wait(a)).payload).toEqual(hex("aa"));
    expect((await conn.wait(b)).payload).toEqual(hex("bb"));
  });

  test("more than 65 535 commands on one connection: the counter wraps to 0, never 65535, and nothing leaks", async () => {
    const { t, ids } = echoing();
    const conn = new ZkConnection(t, 1000);
    const n = 65_540;
    for (let i = 0; i < n; i++) {
      await conn.exchange(201);
      conn.finish();
    }
    expect(ids).toHaveLength(n);
    expect(ids.includes(65535)).toBe(false);
    expect(ids.slice(65533, 65538)).toEqual([65533, 65534, 0, 1, 2]);
    expect(conn.ignored).toBe(0);
    // Nothing is left in flight: one more request and its answer still pair up.
    expect(await conn.exchange(201)).toMatchObject({ replyId: n % 65535 });
  });
});

// --- tiny packet builders for injected device packets (checksums computed by the §2.2 algorithm typed here) ---

function checksumOf(bytes: number[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    sum += bytes[i]! | (bytes[i + 1]! << 8);
    if (sum > 0xffff) sum -= 0xffff;
  }
  if (bytes.length % 2) sum += bytes[bytes.length - 1]!;
  while (sum > 0xffff) sum -= 0xffff;
  return ~sum & 0xffff;
}
function le16(n: number): string {
  return `${(n & 0xff).toString(16).padStart(2, "0")} ${((n >> 8) & 0xff).toString(16).padStart(2, "0")}`;
}
function packetHex(command: number, session: number, replyId: number, payload: string): string {
  const head = (chk: number) => `${le16(command)} ${le16(chk)} ${le16(session)} ${le16(replyId)} ${payload}`;
  return head(checksumOf(Array.from(hex(head(0)))));
}
