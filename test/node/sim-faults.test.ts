// Fault injection of the simulator: silence, corrupt checksums, garbage, a reset in the middle of a transfer.
import { describe, expect, it } from "vitest";
import { decodePacket } from "../../agent/zk/codec";
import { CONNECT, hex, rawSimulators, request, toHex, type RawTcp } from "./sim-helpers";

const GET_VERSION = hex("4c 04 d2 b5 cf 45 12 00");
const FREE_SIZES = hex("32 00 fb b9 cf 45 03 00");
const PREPARE_USERS = hex("df 05 49 a6 cf 45 07 00 01 09 00 05 00 00 00 00 00 00 00");
const READ_FIRST_CHUNK = hex("e0 05 87 b4 cf 45 08 00 00 00 00 00 c0 ff 00 00");

const { connected, start, open } = rawSimulators({ users: 3, records: 3, templates: 0 });

describe("faults", () => {
  it("silence: no reply until the fault is cleared", async () => {
    const { s, c } = await connected();
    s.faults.set({ kind: "silence" });
    c.send(GET_VERSION);
    expect(await c.silentFor(250)).toBe(true);
    s.faults.set(null);
    c.send(FREE_SIZES);
    expect((await c.next()).replyId).toBe(3);
  });

  it("silence once at a given command: that request only", async () => {
    const { s, c } = await connected({}, "udp");
    s.faults.set({ kind: "silence", after: { command: 1100 }, once: true });
    c.send(FREE_SIZES);
    expect((await c.next()).replyId).toBe(3);
    c.send(GET_VERSION);
    expect(await c.silentFor(250)).toBe(true);
    expect(s.faults.current).toBeNull();
    c.send(GET_VERSION);
    expect((await c.next()).replyId).toBe(0x12);
  });

  it("silence on CONNECT makes a terminal that does not answer at all", async () => {
    const s = await start({ users: 0, templates: 0, records: 0 });
    s.faults.set({ kind: "silence" });
    const u = await open(s, "udp");
    u.send(CONNECT);
    expect(await u.silentFor(250)).toBe(true);
    expect(s.state.sessions).toBe(0);
  });

  it("corrupt-checksum after two requests: later replies fail the checksum", async () => {
    const { s, c } = await connected({}, "udp");
    s.faults.set({ kind: "corrupt-checksum", after: { count: 2 } });
    for (let i = 0; i < 4; i++) c.send(request(1100, 50 + i));
    const oks = [];
    for (let i = 0; i < 4; i++) oks.push((await c.next()).checksumOk);
    expect(oks).toEqual([true, true, false, false]);
  });

  it("garbage: TCP gets bytes that are not a frame; UDP a datagram with a bad checksum", async () => {
    const tcp = await connected();
    tcp.s.faults.set({ kind: "garbage", once: true });
    tcp.c.send(GET_VERSION);
    await new Promise((r) => setTimeout(r, 150));
    expect((tcp.c as RawTcp).badFrame).toBe(true);

    const udp = await connected({}, "udp");
    udp.s.faults.set({ kind: "garbage" });
    udp.c.send(GET_VERSION);
    const raw = await udp.c.nextRaw();
    expect(decodePacket(raw).checksumOk).toBe(false);
    expect(raw[0]).toBe(0);
  });

  it("reset-mid-transfer over TCP: PREPARE_DATA, part of the chunk, then the connection is reset", async () => {
    const { s, c } = await connected({ users: 1000, tcpSplitFrames: true });
    s.faults.set({ kind: "reset-mid-transfer", once: true });
    c.send(PREPARE_USERS);
    expect(toHex((await c.nextRaw()).subarray(0, 2))).toBe("d0 07"); // the 13-byte ACK is not a transfer: untouched
    c.send(READ_FIRST_CHUNK);
    expect((await c.next()).command).toBe(1500);
    let data = 0;
    for (;;) {
      const p = await c.next(1000).catch(() => undefined);
      if (!p) break;
      expect(p.command).toBe(1501);
      data++;
    }
    expect(data).toBe(32); // half of the 65 split frames, then half a frame and the reset
    expect(await (c as RawTcp).closedWithin(1000)).toBe(true);
    expect(s.faults.current).toBeNull();
  });

  it("reset-mid-transfer over UDP: the rest of the chunk never comes", async () => {
    const { s, c } = await connected({ users: 1000 }, "udp");
    s.faults.set({ kind: "reset-mid-transfer" });
    c.send(PREPARE_USERS);
    await c.next();
    c.send(READ_FIRST_CHUNK);
    expect((await c.next()).command).toBe(1500);
    let bytes = 0;
    for (;;) {
      const p = await c.next(300).catch(() => undefined);
      if (!p) break;
      expect(p.command).toBe(1501); // no ACK_OK ever
      bytes += p.payload.length;
    }
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(65472);
  });
});
