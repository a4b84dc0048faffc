// Fidelity: the published node-zklib 1.3.0, unmodified, reads 1,000 users and 5,000 records from the simulator.
// TCP against the tft profile (72-byte users, 40-byte records); UDP against zk6 (28/16 bytes) — node-zklib assumes
// exactly those sizes per transport (zk-protocol §8.7) and falls back to UDP only on ECONNREFUSED (§4.1).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startSimulator, type Simulator } from "../../agent/zk/sim";
import { asciiView, localDate, quietConsole, requireCjs } from "./sim-fidelity-helpers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const ZKLib = requireCjs("node-zklib") as new (ip: string, port: number, timeout: number, inport: number) => Any;

let open: Any[] = [];
afterEach(async () => {
  // Disconnect even after a failure so no socket outlives its test.
  for (const z of open) await z.disconnect().catch(() => {});
  open = [];
  vi.restoreAllMocks();
});

/** The next command still gets its own reply: no leftover packet of the bulk read shifted the replies (§7.7). */
async function expectInSync(z: Any, firmware: string): Promise<void> {
  const reply: Buffer = await z.executeCmd(1100, "");
  expect([reply.readUInt16LE(0), reply.subarray(8).toString("latin1")]).toEqual([2000, `${firmware}\0`]);
}

async function connect(sim: Simulator): Promise<Any> {
  quietConsole();
  const z = new ZKLib("127.0.0.1", sim.port, 5000, 0);
  open.push(z);
  await z.createSocket();
  return z;
}

describe("node-zklib 1.3.0 over TCP (tft profile)", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: "tft", users: 1000, records: 5000, templates: 200, seed: 11 });
  });
  afterAll(() => sim.close());

  it("connects over TCP and reads the counters of getInfo()", async () => {
    const z = await connect(sim);
    expect(z.connectionType).toBe("tcp");
    const info = await z.getInfo();
    expect(info).toEqual({ userCounts: 1000, logCounts: 5000, logCapacity: 200_000 });
  });

  it("reads 1,000 users with the stored values", async () => {
    const z = await connect(sim);
    const { data, err } = await z.getUsers();
    expect(err).toBeFalsy();
    const want = sim.state.users();
    expect(data).toHaveLength(1000);
    data.forEach((u: Any, i: number) => {
      const w = want[i]!;
      expect(u).toEqual({
        uid: w.uid,
        role: w.privilege,
        password: w.password,
        name: asciiView(w.raw.subarray(11, 35)),
        cardno: w.card,
        userId: w.userId,
      });
    });
    // The generator mixes accented names in; the ASCII ones must come through untouched.
    expect(data.filter((u: Any, i: number) => u.name === want[i]!.name).length).toBeGreaterThan(500);
    await expectInSync(z, "Ver 6.60 Apr 26 2016");
  });

  it("reads 5,000 attendance records with the stored values", async () => {
    const z = await connect(sim);
    await z.disableDevice();
    const { data, err } = await z.getAttendances();
    await z.enableDevice();
    expect(err).toBeFalsy();
    const want = sim.state.attendance();
    expect(data).toHaveLength(5000);
    data.forEach((r: Any, i: number) => {
      const w = want[i]!;
      expect([r.userSn, r.deviceUserId, r.recordTime.getTime()]).toEqual([w.uid, w.userId, localDate(w.time)]);
    });
    expect(sim.state.enabled).toBe(true);
    await expectInSync(z, "Ver 6.60 Apr 26 2016");
  });

  it("receives a realtime punch (36-byte EF_ATTLOG, §11.3)", async () => {
    const z = await connect(sim);
    const got = new Promise<Any>((resolve) => z.getRealTimeLogs(resolve));
    await new Promise((r) => setTimeout(r, 50));
    const rec = sim.emitAttendance({ userId: sim.state.users()[3]!.userId })!;
    const log = await got;
    expect(log.userId).toBe(rec.userId);
    expect(log.attTime.getTime()).toBe(localDate(rec.time));
  });
});

describe("node-zklib 1.3.0 over UDP (zk6 profile: TCP refused, so it falls back)", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: "zk6", users: 1000, records: 5000, templates: 100, seed: 12 });
  });
  afterAll(() => sim.close());

  it("falls back to UDP and reads getInfo()", async () => {
    const z = await connect(sim);
    expect(z.connectionType).toBe("udp");
    expect(await z.getInfo()).toEqual({ userCounts: 1000, logCounts: 5000, logCapacity: 50_000 });
  });

  it("reads 1,000 users (28-byte records)", async () => {
    const z = await connect(sim);
    const { data, err } = await z.getUsers();
    expect(err).toBeFalsy();
    const want = sim.state.users();
    expect(data).toHaveLength(1000);
    data.forEach((u: Any, i: number) => {
      const w = want[i]!;
      expect(u).toEqual({ uid: w.uid, role: w.privilege, name: asciiView(w.raw.subarray(8, 16)), userId: Number(w.userId) });
    });
  });

  it("reads 5,000 attendance records (16-byte records)", async () => {
    const z = await connect(sim);
    const { data, err } = await z.getAttendances();
    expect(err).toBeFalsy();
    const want = sim.state.attendance();
    expect(data).toHaveLength(5000);
    data.forEach((r: Any, i: number) => {
      const w = want[i]!;
      // node-zklib reads only the low 16 bits of the user_id (§9.1); generated zk6 ids stay below 65536.
      expect([r.deviceUserId, r.recordTime.getTime()]).toEqual([Number(w.userId), localDate(w.time)]);
    });
    await expectInSync(z, "Ver 6.21 Nov 19 2008");
  });

  it("receives a realtime punch as the 18-byte datagram it expects (10-byte EF_ATTLOG)", async () => {
    const z = await connect(sim);
    const got = new Promise<Any>((resolve) => z.getRealTimeLogs(resolve));
    await new Promise((r) => setTimeout(r, 50));
    const rec = sim.emitAttendance({ uid: 200 })!;
    const log = await got;
    expect(log.userId).toBe(rec.uid & 0xff); // node-zklib reads one byte of the uid
    expect(log.attTime.getTime()).toBe(localDate(rec.time));
  });
});
