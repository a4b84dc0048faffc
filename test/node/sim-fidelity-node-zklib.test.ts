// Fidelity: the published node-zklib 1.3.0, unmodified, reads 1,000 users and 5,000 records from the simulator.
// TCP against the tft profile (72-byte users, 40-byte records); UDP against zk6 (28/16 bytes) — node-zklib assumes
// exactly those sizes per transport (docs/protocol.md §8.7) and falls back to UDP only on ECONNREFUSED (§4.1).
import { describe, expect, it } from "vitest";
import type { Simulator } from "../../agent/zk/sim";
import {
  expectEachRow,
  expectInSync,
  localDate,
  publishedClients,
  realtimePunch,
  requireCjs,
  suiteSimulator,
  tftUserRow,
  zk6UserRow,
  type Any,
  type ClientClass,
} from "./sim-fidelity-helpers";

const ZKLib = requireCjs("node-zklib") as ClientClass;
const clients = publishedClients();
const connect = (sim: Simulator): Promise<Any> => clients.create(ZKLib, sim);

describe("node-zklib 1.3.0 over TCP (tft profile)", () => {
  const sim = suiteSimulator({ profile: "tft", users: 1000, records: 5000, templates: 200, seed: 11 });

  it("connects over TCP and reads the counters of getInfo()", async () => {
    const z = await connect(sim());
    expect(z.connectionType).toBe("tcp");
    const info = await z.getInfo();
    expect(info).toEqual({ userCounts: 1000, logCounts: 5000, logCapacity: 200_000 });
  });

  it("reads 1,000 users with the stored values", async () => {
    const z = await connect(sim());
    const { data, err } = await z.getUsers();
    expect(err).toBeFalsy();
    const want = sim().state.users();
    expectEachRow(data, 1000, want, (u, w) => expect(u).toEqual(tftUserRow(w)));
    // The generator mixes accented names in; the ASCII ones must come through untouched.
    expect(data.filter((u: Any, i: number) => u.name === want[i]!.name).length).toBeGreaterThan(500);
    await expectInSync(z, "Ver 6.60 Apr 26 2016");
  });

  it("reads 5,000 attendance records with the stored values", async () => {
    const z = await connect(sim());
    await z.disableDevice();
    const { data, err } = await z.getAttendances();
    await z.enableDevice();
    expect(err).toBeFalsy();
    expectEachRow(data, 5000, sim().state.attendance(), (r, w) =>
      expect([r.userSn, r.deviceUserId, r.recordTime.getTime()]).toEqual([w.uid, w.userId, localDate(w.time)]),
    );
    expect(sim().state.enabled).toBe(true);
    await expectInSync(z, "Ver 6.60 Apr 26 2016");
  });

  it("receives a realtime punch (36-byte EF_ATTLOG, §11.3)", async () => {
    const z = await connect(sim());
    const { log, rec } = await realtimePunch(z, sim(), { userId: sim().state.users()[3]!.userId });
    expect(log.userId).toBe(rec.userId);
    expect(log.attTime.getTime()).toBe(localDate(rec.time));
  });
});

describe("node-zklib 1.3.0 over UDP (zk6 profile: TCP refused, so it falls back)", () => {
  const sim = suiteSimulator({ profile: "zk6", users: 1000, records: 5000, templates: 100, seed: 12 });

  it("falls back to UDP and reads getInfo()", async () => {
    const z = await connect(sim());
    expect(z.connectionType).toBe("udp");
    expect(await z.getInfo()).toEqual({ userCounts: 1000, logCounts: 5000, logCapacity: 50_000 });
  });

  it("reads 1,000 users (28-byte records)", async () => {
    const z = await connect(sim());
    const { data, err } = await z.getUsers();
    expect(err).toBeFalsy();
    expectEachRow(data, 1000, sim().state.users(), (u, w) => expect(u).toEqual(zk6UserRow(w)));
  });

  it("reads 5,000 attendance records (16-byte records)", async () => {
    const z = await connect(sim());
    const { data, err } = await z.getAttendances();
    expect(err).toBeFalsy();
    // node-zklib reads only the low 16 bits of the user_id (§9.1); generated zk6 ids stay below 65536.
    expectEachRow(data, 5000, sim().state.attendance(), (r, w) =>
      expect([r.deviceUserId, r.recordTime.getTime()]).toEqual([Number(w.userId), localDate(w.time)]),
    );
    await expectInSync(z, "Ver 6.21 Nov 19 2008");
  });

  it("receives a realtime punch as the 18-byte datagram it expects (10-byte EF_ATTLOG)", async () => {
    const z = await connect(sim());
    const { log, rec } = await realtimePunch(z, sim(), { uid: 200 });
    expect(log.userId).toBe(rec.uid & 0xff); // node-zklib reads one byte of the uid
    expect(log.attTime.getTime()).toBe(localDate(rec.time));
  });
});
