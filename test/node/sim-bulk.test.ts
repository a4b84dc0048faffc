// Bulk reads and uploads of the simulator (docs/protocol.md §7, §10) with the reference bytes of §13.
import { describe, expect, it } from "vitest";
import { decodeAttendanceTable, decodeTemplateTable, type DecodedPacket } from "../../agent/zk/codec";
import { hex, rawSimulators, request, toHex, type RawClient } from "./sim-helpers";

const PREPARE_USERS = hex("df 05 49 a6 cf 45 07 00 01 09 00 05 00 00 00 00 00 00 00");
const PREPARE_ATTENDANCE = hex("df 05 49 a7 cf 45 07 00 01 0d 00 00 00 00 00 00 00 00 00");
const PREPARE_TEMPLATES = hex("df 05 49 ab cf 45 07 00 01 07 00 02 00 00 00 00 00 00 00");
const BUFFERED_72004 = "d0 07 27 28 cf 45 07 00 00 44 19 01 00 44 19 01 00 00 00 00 00";
const READ_FIRST_CHUNK = hex("e0 05 87 b4 cf 45 08 00 00 00 00 00 c0 ff 00 00");
const PREPARE_DATA_65472 = "dc 05 92 b4 cf 45 08 00 c0 ff 00 00 f8 ff 00 00";
const FREE_DATA = hex("de 05 48 b4 cf 45 0a 00");

const { connected } = rawSimulators();

const readChunk = (replyId: number, start: number, size: number) => {
  const p = new Uint8Array(8);
  new DataView(p.buffer).setInt32(0, start, true);
  new DataView(p.buffer).setInt32(4, size, true);
  return request(1504, replyId, p);
};

/** PREPARE_DATA, CMD_DATA… until ACK_OK; returns the data packets and the joined payload. */
async function collect(c: RawClient): Promise<{ prepare: DecodedPacket; data: DecodedPacket[]; bytes: Uint8Array; ack: DecodedPacket }> {
  const prepare = await c.next();
  expect(prepare.command).toBe(1500);
  expect(prepare.payload.length).toBe(8); // node clients count these 8 bytes (§7.3)
  const data: DecodedPacket[] = [];
  for (;;) {
    const p = await c.next();
    if (p.command === 2000) {
      const bytes = new Uint8Array(data.reduce((n, d) => n + d.payload.length, 0));
      let pos = 0;
      for (const d of data) bytes.set(d.payload, (pos += d.payload.length) - d.payload.length);
      return { prepare, data, bytes, ack: p };
    }
    expect(p.command).toBe(1501);
    data.push(p);
  }
}

const concatRecords = (rs: Uint8Array[]) => Uint8Array.from(rs.flatMap((r) => [...r]));

describe("buffered read (§7.2, §7.3)", () => {
  it("1000 users over TCP: the §13 ACK and PREPARE_DATA bytes, one CMD_DATA frame per chunk", async () => {
    const { s, c } = await connected({ users: 1000, templates: 0 });
    c.send(PREPARE_USERS);
    expect(toHex(await c.nextRaw())).toBe(BUFFERED_72004);
    c.send(READ_FIRST_CHUNK);
    const first = await collect(c);
    expect(toHex(encodeBack(first.prepare))).toBe(PREPARE_DATA_65472);
    expect(first.data).toHaveLength(1);
    expect(first.data[0]!.payload.length).toBe(65472);
    expect([first.data[0]!.replyId, first.ack.replyId, first.ack.payload.length]).toEqual([8, 8, 0]);
    c.send(readChunk(9, 65472, 72004 - 65472));
    const second = await collect(c);
    const buffer = new Uint8Array([...first.bytes, ...second.bytes]);
    expect(new DataView(buffer.buffer).getUint32(0, true)).toBe(72000);
    expect(toHex(buffer.subarray(4))).toBe(toHex(concatRecords(s.state.users().map((u) => u.raw))));
    c.send(FREE_DATA);
    expect((await c.nextRaw()).length).toBe(8);
  });

  it("split mode sends 1008-byte frames; UDP keeps every data packet ≤ 1024 bytes", async () => {
    const split = await connected({ users: 1000, templates: 0, tcpSplitFrames: true });
    split.c.send(PREPARE_USERS);
    await split.c.next();
    split.c.send(READ_FIRST_CHUNK);
    const a = await collect(split.c);
    expect(a.data).toHaveLength(65);
    expect(a.data.every((d) => d.payload.length <= 1008)).toBe(true);

    const udp = await connected({ users: 1000, templates: 0 }, "udp");
    udp.c.send(PREPARE_USERS);
    await udp.c.next();
    udp.c.send(READ_FIRST_CHUNK);
    const b = await collect(udp.c);
    expect(b.data.every((d) => d.payload.length <= 1024)).toBe(true);
    expect(toHex(b.bytes)).toBe(toHex(a.bytes));
  });

  it("pipelined chunk requests are answered in order (node-zklib sends them all at once, §7.7)", async () => {
    const { s, c } = await connected({ users: 10, records: 5000, profile: "zk6" }, "udp");
    c.send(PREPARE_ATTENDANCE);
    const ack = await c.next();
    const size = new DataView(ack.payload.buffer, ack.payload.byteOffset).getUint32(1, true);
    expect(size).toBe(4 + 5000 * 16);
    c.send(readChunk(20, 0, 65472));
    c.send(readChunk(21, 65472, size - 65472));
    const one = await collect(c);
    const two = await collect(c);
    expect([one.ack.replyId, two.ack.replyId]).toEqual([20, 21]);
    const body = new Uint8Array([...one.bytes, ...two.bytes]).subarray(4);
    const decoded = decodeAttendanceTable(body, 5000);
    expect(decoded.map((a) => [a.userId, a.time])).toEqual(s.state.attendance().map((a) => [a.userId, a.time]));
  });

  it("puts a packet index in the session field of data packets when asked (§2.3)", async () => {
    const { c } = await connected({ users: 100, templates: 0, dataPacketIndex: true }, "udp");
    c.send(PREPARE_USERS);
    await c.next();
    c.send(readChunk(8, 0, 3000));
    const r = await collect(c);
    expect(r.data.map((d) => d.sessionId)).toEqual([0, 1, 2]);
  });

  it("a zero-length chunk gets PREPARE_DATA(0) and ACK_OK; READ_BUFFER without a buffer gets ACK_ERROR", async () => {
    const { c } = await connected({ users: 100, templates: 0 });
    c.send(readChunk(8, 0, 100));
    expect((await c.next()).command).toBe(2001);
    c.send(PREPARE_USERS);
    await c.next();
    c.send(readChunk(9, 7204, 0));
    const r = await collect(c);
    expect(r.data).toHaveLength(0);
  });
});

describe("inline and empty tables (§7.2, §7.7)", () => {
  it("answers a small table inline with CMD_DATA", async () => {
    const { s, c } = await connected({ users: 5, records: 3, templates: 0 });
    c.send(PREPARE_USERS);
    const r = await c.next();
    expect([r.command, r.payload.length]).toEqual([1501, 4 + 5 * 72]);
    c.send(PREPARE_ATTENDANCE);
    const a = await c.next();
    expect(decodeAttendanceTable(a.payload.subarray(4), 3)).toEqual(s.state.attendance());
  });

  it("sends an empty table buffered by default, inline when asked", async () => {
    const buffered = await connected({ users: 2, records: 0, templates: 0 }, "udp");
    buffered.c.send(PREPARE_ATTENDANCE);
    const ack = await buffered.c.nextRaw();
    expect(toHex(ack.subarray(8))).toBe("00 04 00 00 00 04 00 00 00 00 00 00 00");
    buffered.c.send(readChunk(8, 0, 4));
    expect(toHex((await collect(buffered.c)).bytes)).toBe("00 00 00 00");

    const inline = await connected({ users: 2, records: 0, templates: 0, emptyTableInline: true }, "udp");
    inline.c.send(PREPARE_ATTENDANCE);
    const raw = await inline.c.nextRaw();
    expect(raw.length).toBe(12);
    expect(toHex(raw.subarray(8))).toBe("00 00 00 00");
  });

  it("serves the template table (§10.1)", async () => {
    const { s, c } = await connected({ users: 3, templates: 5 });
    c.send(PREPARE_TEMPLATES);
    const ack = await c.next();
    const size = new DataView(ack.payload.buffer, ack.payload.byteOffset).getUint32(1, true);
    c.send(readChunk(8, 0, size));
    const { bytes } = await collect(c);
    const templates = decodeTemplateTable(bytes.subarray(4));
    expect(templates).toEqual(s.state.templates());
    expect(templates.every((t) => t.template.length >= 500 && t.template.length <= 1600)).toBe(true);
  });

  it("zk6 serves 28-byte users and 16- or 8-byte attendance", async () => {
    for (const attendanceSize of [16, 8] as const) {
      const { c } = await connected({ profile: "zk6", users: 4, records: 4, templates: 0, attendanceSize }, "udp");
      c.send(PREPARE_USERS);
      expect((await c.next()).payload.length).toBe(4 + 4 * 28);
      c.send(PREPARE_ATTENDANCE);
      expect((await c.next()).payload.length).toBe(4 + 4 * attendanceSize);
    }
  });
});

describe("single template and legacy reads (§7.5, §10.2)", () => {
  it("_CMD_GET_USERTEMP returns the template plus one trailing byte, ≤1024 per UDP packet", async () => {
    const { s, c } = await connected({ users: 2, templates: 2 }, "udp");
    const t = s.state.templates()[0]!;
    c.send(request(88, 30, Uint8Array.of(t.uid & 0xff, t.uid >> 8, t.finger)));
    const r = await collect(c);
    expect(r.data.every((d) => d.payload.length <= 1024)).toBe(true);
    expect(toHex(r.bytes)).toBe(toHex(new Uint8Array([...t.template, 0x01])));
    c.send(request(88, 31, Uint8Array.of(t.uid & 0xff, t.uid >> 8, t.finger === 9 ? 0 : 9)));
    expect((await c.next()).command).toBe(2001);
  });

  it("answers CMD_ATTLOG_RRQ sent directly with PREPARE_DATA + ≤1024-byte CMD_DATA + ACK_OK", async () => {
    const { s, c } = await connected({ users: 5, records: 60, templates: 0 });
    c.send(request(13, 40));
    const r = await collect(c);
    expect(r.data.every((d) => d.payload.length <= 1024)).toBe(true);
    expect(decodeAttendanceTable(r.bytes.subarray(4), 60)).toEqual(s.state.attendance());
  });
});

describe("uploads (§7.8, §10.4, §10.5)", () => {
  it("batch upload: PREPARE_DATA and every CMD_DATA ACKed, then 110 stores users and templates", async () => {
    const { s, c } = await connected({ users: 0, templates: 0 }, "udp");
    const record = new Uint8Array(72);
    record.set([0x2a, 0x00, 0x00], 0); // uid 42
    record.set(new TextEncoder().encode("Batch User"), 11);
    record.set(new TextEncoder().encode("4242"), 48);
    const template = Uint8Array.from({ length: 1300 }, (_, i) => (i * 7) & 0xff);
    // §10.4 by hand: u32 |U|, u32 |T|, u32 |F|, U = 0x02 + record, T = 02, u16 uid, 0x10 + finger, u32 offset, F = u16 len + template.
    const U = [0x02, ...record];
    const T = [0x02, 0x2a, 0x00, 0x13, 0, 0, 0, 0];
    const F = [1300 & 0xff, 1300 >> 8, ...template];
    const head = new Uint8Array(12);
    [U.length, T.length, F.length].forEach((n, i) => new DataView(head.buffer).setUint32(i * 4, n, true));
    const blob = new Uint8Array([...head, ...U, ...T, ...F]);
    c.send(request(1502, 1));
    await c.next();
    const size = new Uint8Array(4);
    new DataView(size.buffer).setUint32(0, blob.length, true);
    c.send(request(1500, 2, size));
    expect((await c.nextRaw()).length).toBe(8);
    let id = 3;
    for (let pos = 0; pos < blob.length; pos += 1024) {
      c.send(request(1501, id, blob.subarray(pos, pos + 1024)));
      const ack = await c.nextRaw();
      expect([ack.length, ack[6]]).toEqual([8, id++]);
    }
    c.send(request(110, id, hex("0c 00 00 00 00 00 08 00")));
    expect((await c.next()).command).toBe(2000);
    expect(s.state.users()[0]).toMatchObject({ uid: 42, name: "Batch User", userId: "4242" });
    expect(s.state.templates()).toEqual([{ uid: 42, finger: 3, flag: 1, template }]);
  });

  it("single template upload: PREPARE_DATA, CMD_DATA, TMP_WRITE (87)", async () => {
    const { s, c } = await connected({ users: 1, templates: 0 });
    const uid = s.state.users()[0]!.uid;
    const template = Uint8Array.from({ length: 700 }, (_, i) => (i * 3) & 0xff);
    c.send(request(1500, 1, hex("bc 02 00 00")));
    await c.next();
    c.send(request(1501, 2, template));
    await c.next();
    c.send(request(87, 3, Uint8Array.of(uid, 0, 5, 1, 0xbc, 0x02)));
    expect((await c.next()).command).toBe(2000);
    expect(s.state.templates()).toEqual([{ uid, finger: 5, flag: 1, template }]);
  });
});

/** Re-encodes a decoded packet's header exactly as received, for byte comparisons. */
function encodeBack(p: DecodedPacket): Uint8Array {
  const out = new Uint8Array(8 + p.payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, p.command, true);
  v.setUint16(2, p.checksum, true);
  v.setUint16(4, p.sessionId, true);
  v.setUint16(6, p.replyId, true);
  out.set(p.payload, 8);
  return out;
}
