// Bulk reads without sockets: one READ_BUFFER ahead once a chunk came back, retries alone, FREE_DATA not awaited (docs/protocol.md §7.3, §7.4).
import { afterEach, describe, expect, test, vi } from "vitest";
import { bulkRead } from "../../../agent/zk/client/bulk-read";
import { ZkConnection } from "../../../agent/zk/client/connection";
import type { TransportHandlers, ZkTransport } from "../../../agent/zk/client/transport";
import { decodePacket, encodePacket, parseReadBuffer, type DecodedPacket } from "../../../agent/zk/codec";

const SESSION = 0x45cf;

/** The test plays the device: it sees each request and answers when it likes. */
class FakeTransport implements ZkTransport {
  readonly kind = "udp" as const;
  closed = false;
  sent: DecodedPacket[] = [];
  handlers!: TransportHandlers;
  attach(h: TransportHandlers) {
    this.handlers = h;
  }
  send(p: Uint8Array) {
    this.sent.push(decodePacket(p));
  }
  async close() {
    this.closed = true;
    this.handlers.close();
  }
  reply(to: DecodedPacket, command: number, payload: Uint8Array = new Uint8Array(0)) {
    this.handlers.packet(encodePacket({ command, sessionId: SESSION, replyId: to.replyId, payload }));
  }
  /** PREPARE_DATA + CMD_DATA + ACK_OK for a READ_BUFFER request, with the bytes of `table` it asks for. */
  serve(req: DecodedPacket, table: Uint8Array) {
    const { start, size } = parseReadBuffer(req.payload);
    const prep = new Uint8Array(8);
    new DataView(prep.buffer).setUint32(0, size, true);
    this.reply(req, 1500, prep);
    this.reply(req, 1501, table.subarray(start, start + size));
    this.reply(req, 2000);
  }
  readBuffers(): DecodedPacket[] {
    return this.sent.filter((p) => p.command === 1504);
  }
}

afterEach(() => {
  vi.useRealTimers();
});

/** A 4-byte prefix + `n` bytes of records, and the 13-byte buffered ACK announcing it (§7.2 B). */
function table(n: number): { bytes: Uint8Array; ack: Uint8Array } {
  const bytes = new Uint8Array(4 + n);
  new DataView(bytes.buffer).setUint32(0, n, true);
  for (let i = 4; i < bytes.length; i++) bytes[i] = i & 0xff;
  const ack = new Uint8Array(13);
  new DataView(ack.buffer).setUint32(1, bytes.length, true);
  new DataView(ack.buffer).setUint32(5, bytes.length, true);
  return { bytes, ack };
}

function setup(timeoutMs = 1000) {
  const t = new FakeTransport();
  const conn = new ZkConnection(t, timeoutMs);
  conn.sessionId = SESSION;
  const request = async (n: number) => {
    await vi.waitFor(() => expect(t.sent.length).toBeGreaterThan(n));
    return t.sent[n]!;
  };
  return { t, conn, request };
}

describe("bulkRead pipelining", () => {
  test("first chunk alone, then one request ahead; FREE_DATA goes out and the read resolves without its answer", async () => {
    const { t, conn, request } = setup();
    const { bytes, ack } = table(36); // 40 bytes in chunks of 10
    const progress: number[] = [];
    const read = bulkRead(conn, 13, 0, 0, { chunkSize: 10 }, (_b, filled) => progress.push(filled));
    t.reply(await request(0), 2000, ack);
    const r1 = await request(1);
    expect(parseReadBuffer(r1.payload)).toEqual({ start: 0, size: 10 });
    await new Promise((r) => setTimeout(r, 20));
    // Slow start: nothing else is asked for until the first chunk came back whole.
    expect(t.readBuffers()).toHaveLength(1);
    t.serve(r1, bytes);
    // Now two are outstanding: chunks 2 and 3.
    const [r2, r3] = [await request(2), await request(3)];
    expect([r2, r3].map((r) => parseReadBuffer(r.payload))).toEqual([
      { start: 10, size: 10 },
      { start: 20, size: 10 },
    ]);
    // The device answers both; only then is the last chunk asked for (window of 2).
    t.serve(r2, bytes);
    t.serve(r3, bytes);
    const r4 = await request(4);
    expect(parseReadBuffer(r4.payload)).toEqual({ start: 30, size: 10 });
    expect(t.readBuffers()).toHaveLength(4);
    t.serve(r4, bytes);
    const free = await request(5);
    expect(free.command).toBe(1502);
    // Resolved with FREE_DATA's answer still outstanding: it carries nothing the read needs.
    expect(await read).toEqual(bytes);
    expect(progress).toEqual([10, 20, 30, 40]);
    t.reply(free, 2000); // collected in the background, not counted as stray
    expect(conn.ignored).toBe(0);
  });

  test("pipeline: 1 asks for one chunk at a time", async () => {
    const { t, conn, request } = setup();
    const { bytes, ack } = table(26);
    const read = bulkRead(conn, 13, 0, 0, { chunkSize: 10, pipeline: 1 });
    t.reply(await request(0), 2000, ack);
    for (let n = 1; n <= 3; n++) {
      const r = await request(n);
      await new Promise((res) => setTimeout(res, 5));
      expect(t.readBuffers()).toHaveLength(n);
      t.serve(r, bytes);
    }
    expect(await read).toEqual(bytes);
  });

  test("a timeout drops the outstanding requests, retries the chunk alone, then pipelines again", async () => {
    const { t, conn, request } = setup(100);
    const { bytes, ack } = table(36);
    const read = bulkRead(conn, 13, 0, 0, { chunkSize: 10 });
    t.reply(await request(0), 2000, ack);
    t.serve(await request(1), bytes); // chunk 1 whole → window opens
    const [r2, r3] = [await request(2), await request(3)];
    // Chunk 2 is never answered; chunk 3 is, early. After the timeout both are dropped and chunk 2 is asked again alone.
    t.serve(r3, bytes);
    const retry = await request(4);
    expect(parseReadBuffer(retry.payload)).toEqual({ start: 10, size: 10 });
    await new Promise((res) => setTimeout(res, 20));
    expect(t.readBuffers()).toHaveLength(4);
    t.serve(r2, bytes); // the late answer to the dropped request: stray
    expect(conn.ignored).toBeGreaterThan(0);
    t.serve(retry, bytes);
    const [a, b] = [await request(5), await request(6)];
    expect([a, b].map((r) => parseReadBuffer(r.payload).start)).toEqual([20, 30]);
    t.serve(a, bytes);
    t.serve(b, bytes);
    expect(await read).toEqual(bytes);
  });

  test("a device that keeps failing: first attempt + `retries`, each alone; FREE_DATA awaited; DEVICE_TIMEOUT", async () => {
    const { t, conn, request } = setup(30);
    const { ack } = table(36);
    const read = bulkRead(conn, 13, 0, 0, { chunkSize: 10, retries: 2 }).catch((e: unknown) => e);
    t.reply(await request(0), 2000, ack);
    const free = await request(4); // 3 READ_BUFFERs, then FREE_DATA
    expect(t.readBuffers().map((r) => parseReadBuffer(r.payload).start)).toEqual([0, 0, 0]);
    expect(free.command).toBe(1502);
    t.reply(free, 2000);
    expect(await read).toMatchObject({ code: "DEVICE_TIMEOUT" });
  });
});

describe("bulkRead over a lossy, reordering link (UDP, §7.3)", () => {
  /** CMD_DATA packets of `size` bytes at most for the chunk `req` asks for. */
  function dataPackets(t: FakeTransport, req: DecodedPacket, table: Uint8Array, size: number) {
    const { start, size: len } = parseReadBuffer(req.payload);
    for (let at = start; at < start + len; at += size) t.reply(req, 1501, table.subarray(at, Math.min(at + size, start + len)));
  }
  function prepareData(t: FakeTransport, req: DecodedPacket, size = parseReadBuffer(req.payload).size) {
    const prep = new Uint8Array(8);
    new DataView(prep.buffer).setUint32(0, size, true);
    t.reply(req, 1500, prep);
  }

  test("a lost PREPARE_DATA makes the first CMD_DATA look like a direct answer: the chunk is retried, not failed", async () => {
    const { t, conn, request } = setup();
    const { bytes, ack } = table(2044); // 2048 bytes: one chunk, three datagrams of ≤ 1024
    const read = bulkRead(conn, 13, 0, 0, { chunkSize: 4096 });
    t.reply(await request(0), 2000, ack);
    const first = await request(1);
    dataPackets(t, first, bytes, 1024); // PREPARE_DATA lost on the way
    t.reply(first, 2000);
    const retry = await request(2);
    expect(retry.command).toBe(1504);
    expect(retry.replyId).not.toBe(first.replyId);
    expect(parseReadBuffer(retry.payload)).toEqual({ start: 0, size: 2048 });
    // Late duplicates of the failed attempt carry its old reply id and cannot mix in.
    dataPackets(t, first, new Uint8Array(2048).fill(0xee), 1024);
    prepareData(t, retry);
    dataPackets(t, retry, bytes, 1024);
    t.reply(retry, 2000);
    const free = await request(3);
    expect(free.command).toBe(1502);
    expect(await read).toEqual(bytes);
  });

  test("an ACK_OK that overtakes the last CMD_DATA is retried the same way", async () => {
    const { t, conn, request } = setup();
    const { bytes, ack } = table(2044);
    const read = bulkRead(conn, 13, 0, 0, { chunkSize: 4096 });
    t.reply(await request(0), 2000, ack);
    const first = await request(1);
    prepareData(t, first);
    t.reply(first, 1501, bytes.subarray(0, 1024));
    t.reply(first, 2000); // before the second CMD_DATA
    t.reply(first, 1501, bytes.subarray(1024));
    const retry = await request(2);
    expect(parseReadBuffer(retry.payload)).toEqual({ start: 0, size: 2048 });
    t.serve(retry, bytes);
    expect(await read).toEqual(bytes);
  });

  test("a PREPARE_DATA announcing another size than the chunk asked for is refused before any data is taken", async () => {
    const { t, conn, request } = setup();
    const { ack } = table(2044);
    const read = bulkRead(conn, 13, 0, 0, { chunkSize: 4096, retries: 1 }).catch((e: unknown) => e);
    t.reply(await request(0), 2000, ack);
    for (const n of [1, 2]) {
      const r = await request(n);
      prepareData(t, r, 0xfffffff0);
    }
    const free = await request(3);
    expect(free.command).toBe(1502);
    t.reply(free, 2000);
    expect(await read).toMatchObject({ code: "PROTOCOL_ERROR", message: expect.stringMatching(/4294967280 bytes where 2048/) });
  });

  test("a table larger than the caller's ceiling is refused before allocating, and the device's buffer is freed", async () => {
    const { t, conn, request } = setup();
    const read = bulkRead(conn, 13, 0, 0, { maxBytes: 1000 }).catch((e: unknown) => e);
    t.reply(await request(0), 2000, table(1000).ack); // 1004 bytes announced
    const free = await request(1);
    expect(free.command).toBe(1502);
    t.reply(free, 2000);
    expect(await read).toMatchObject({ code: "PROTOCOL_ERROR", message: expect.stringMatching(/1004 bytes/) });
    expect(t.readBuffers()).toHaveLength(0);
  });
});
