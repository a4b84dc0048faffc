// Realtime events of the simulator (docs/protocol.md §11): EF_ATTLOG bytes of §13, registration, acks, enrolment.
import { describe, expect, it } from "vitest";
import type { SimulatorOptions } from "../../agent/zk/sim";
import { hex, rawSimulators, request, toHex, type RawTcp } from "./sim-helpers";

const REG_EVENT_ATTLOG = hex("f4 01 2d b8 cf 45 0e 00 01 00 00 00");
const EVENT_ACK = hex("d0 07 60 b2 cf 45 00 00");
// §13: EF_ATTLOG, 32-byte form, "A1007", 2024-03-15 08:02:11, status 1, punch 0.
const ATTLOG_EVENT_32 = `f4 01 38 86 01 00 00 00 41 31 30 30 37 ${"00 ".repeat(19)}01 00 18 03 0f 08 02 0b`;
const A1007 = { uid: 7, userId: "A1007", time: { year: 2024, month: 3, day: 15, hour: 8, minute: 2, second: 11 }, status: 1, punch: 0 };

const { connected, start, connect } = rawSimulators({ users: 3, records: 0, templates: 0 });

async function registered(o: SimulatorOptions = {}, transport: "tcp" | "udp" = "tcp", mask = REG_EVENT_ATTLOG) {
  const { s, c } = await connected(o, transport);
  c.send(mask);
  expect((await c.nextRaw()).length).toBe(8);
  return { s, c };
}

describe("EF_ATTLOG events (§11.2, §11.3)", () => {
  it("sends the §13 event bytes, in one TCP frame of length 0x28", async () => {
    const { s, c } = await registered({ eventForm: 32 });
    s.emitAttendance(A1007);
    expect(toHex(await c.nextRaw())).toBe(ATTLOG_EVENT_32.trim());
    const frame = (c as RawTcp).chunks.at(-1)!;
    expect(toHex(frame.subarray(0, 8))).toBe("50 50 82 7d 28 00 00 00");
    expect(s.state.attendance().at(-1)).toEqual(A1007);
  });

  it("never answers the client's ACK of an event (§11.4)", async () => {
    const { s, c } = await registered({ eventForm: 32 });
    s.emitAttendance(A1007);
    await c.next();
    c.send(EVENT_ACK);
    expect(await c.silentFor(200)).toBe(true);
    c.send(request(1100, 9));
    expect((await c.next()).replyId).toBe(9);
  });

  it("uses 36 bytes on tft and the 10-byte form (an 18-byte datagram) on zk6 by default", async () => {
    const tft = await registered();
    tft.s.emitAttendance(A1007);
    expect((await tft.c.next()).payload.length).toBe(36);
    const zk6 = await registered({ profile: "zk6" }, "udp");
    zk6.s.emitAttendance({ ...A1007, userId: "1007" });
    const raw = await zk6.c.nextRaw();
    expect(raw.length).toBe(18);
    expect(toHex(raw.subarray(4, 8))).toBe("01 00 00 00"); // event code 1 in the session field, reply id 0
    expect(toHex(raw.subarray(8))).toBe("07 00 01 00 18 03 0f 08 02 0b");
  });

  it("sends each event in its own write, spaced, so two events never share a read", async () => {
    const { s, c } = await registered({ eventForm: 32 });
    const before = (c as RawTcp).chunks.length;
    s.emitAttendance(A1007);
    s.emitAttendance({ ...A1007, punch: 1 });
    await c.next();
    await c.next();
    const chunks = (c as RawTcp).chunks.slice(before);
    expect(chunks.map((b) => b.length)).toEqual([48, 48]);
  });

  it("only registered sessions get events; mask 0 unsubscribes", async () => {
    const s = await start({ users: 3, records: 0, templates: 0, singleSession: false });
    const quiet = await connect(s, "udp");
    const loud = await connect(s, "udp");
    loud.send(REG_EVENT_ATTLOG);
    await loud.next();
    s.emitAttendance();
    expect((await loud.next()).command).toBe(500);
    expect(await quiet.silentFor(150)).toBe(true);
    loud.send(request(500, 20, hex("00 00 00 00")));
    await loud.next();
    s.emitAttendance();
    expect(await loud.silentFor(150)).toBe(true);
    expect(s.state.attendance()).toHaveLength(2);
  });
});

describe("remote enrolment (§10.6)", () => {
  it("STARTENROLL: three rounds of EF_FINGER + EF_FPFTR (score 100), then the template and EF_ENROLLFINGER", async () => {
    const { s, c } = await registered({}, "tcp", hex("f4 01 2d b8 cf 45 0e 00 ff ff 00 00"));
    const user = s.state.users()[0]!;
    const payload = new Uint8Array(26);
    payload.set(new TextEncoder().encode(user.userId));
    payload[24] = 4;
    payload[25] = 1;
    c.send(request(61, 30, payload));
    expect((await c.next()).command).toBe(2000);
    // Stored only after the third round: rounds are timer-spaced, so right after the ack nothing is there yet. (Checking
    // between rounds would race those timers on a loaded machine.)
    expect(s.state.templates().some((t) => t.uid === user.uid && t.finger === 4)).toBe(false);
    // pyzk's enroll_user reads two events per round, three rounds, before the result.
    for (let round = 0; round < 3; round++) {
      const finger = await c.next();
      expect([finger.command, finger.sessionId, finger.replyId, finger.payload.length]).toEqual([500, 2, 0, 0]); // EF_FINGER
      const score = await c.next();
      expect([score.command, score.sessionId, ...score.payload]).toEqual([500, 256, 100]); // EF_FPFTR, score 100
    }
    const done = await c.next();
    expect([done.sessionId, done.payload[0], done.payload[1]]).toEqual([8, 0, 0]); // EF_ENROLLFINGER, result 0
    expect(s.state.templates().some((t) => t.uid === user.uid && t.finger === 4)).toBe(true);
    payload.fill(0);
    payload.set(new TextEncoder().encode("nobody"));
    c.send(request(61, 31, payload));
    expect((await c.next()).command).toBe(2001);
  });
});

describe("a user added while another client listens (§11.5)", () => {
  it("USER_WRQ from one client sends EF_ENROLLUSER with the uid to the client registered for it", async () => {
    const s = await start({ users: 3, records: 0, templates: 0, singleSession: false });
    const listener = await connect(s, "udp");
    listener.send(request(500, 2, hex("ff ff 00 00"))); // every event
    await listener.next();
    const writer = await connect(s, "udp");
    const record = new Uint8Array(72);
    record.set([42, 0], 0); // uid 42
    record.set(new TextEncoder().encode("4242"), 48);
    writer.send(request(8, 3, record));
    expect((await writer.next()).command).toBe(2000);
    const event = await listener.next();
    expect([event.command, event.sessionId, event.replyId, ...event.payload]).toEqual([500, 4, 0, 42, 0]);
    // Added through the control API (as at the keypad): the same event.
    s.addUser({ uid: 43, userId: "4343" });
    const again = await listener.next();
    expect([again.sessionId, ...again.payload]).toEqual([4, 43, 0]);
  });
});
