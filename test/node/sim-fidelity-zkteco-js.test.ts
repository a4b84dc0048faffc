// Fidelity: the published zkteco-js 1.7.2, unmodified, against the simulator.
//
// TCP (tft profile): connect, every device-info call, 1,000 users, 5,000 records, a user write/delete, realtime.
//
// UDP: zkteco-js 1.7.2 cannot read 1,000 users or 5,000 records from any device, for reasons in the client itself:
//  1. Its facade never reaches UDP: createSocket() wraps the TCP error in its own ZkError before testing
//     `err.code !== 'ECONNREFUSED'`, so the test is always true and it rejects instead of falling back.
//     Only its internal class src/zudp.js speaks UDP.
//  2. ZUDP.readWithBuffer() answers the buffered flow (ACK_OK + size, docs/protocol.md §7.2 B) with `await handleChunkedData()`,
//     an async function that returns nothing: getUsers()/getAttendances() then fail on `undefined.data`.
//     Only the inline flow (one CMD_DATA answering 1503) works, and real UDP devices send at most 1024 payload
//     bytes per packet (§1.3): 36 users of 28 bytes. 1,000 users would need a 28,004-byte datagram (no device
//     sends that; the simulator only does with an unrealistic inlineThreshold, shown below as a diagnosis), and
//     5,000 records (80,004 bytes) exceed the largest UDP datagram.
//  3. Even inline, ZUDP.getAttendances() decodes with 8-byte steps whenever the reply was inline (`data.mode`),
//     and reads the time at offset 4 in both 8- and 16-byte records, so no device record format decodes right.
// What does work over UDP — connect, counters, clock, small user tables — is tested below.
import { describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../agent/zk/sim";
import {
  expectEachRow,
  expectInSync,
  localDate,
  publishedClients,
  quietConsole,
  realtimePunch,
  requireCjs,
  suiteSimulator,
  tftUserRow,
  zk6UserRow,
  type Any,
  type ClientClass,
} from "./sim-fidelity-helpers";

const ZktecoJs = requireCjs("zkteco-js") as ClientClass;
const ZUDP = requireCjs("zkteco-js/src/zudp") as ClientClass;
const FIRMWARE = "Ver 6.60 Apr 26 2016";

const clients = publishedClients();
const tcpClient = (sim: Simulator): Promise<Any> => clients.create(ZktecoJs, sim);

async function udpClient(sim: Simulator): Promise<Any> {
  const z = await clients.create(ZUDP, sim);
  await z.connect();
  return z;
}

describe("zkteco-js 1.7.2 over TCP (tft profile)", () => {
  const sim = suiteSimulator({ profile: "tft", users: 1000, records: 5000, templates: 200, seed: 21 });

  it("connects and reads the device information", async () => {
    const z = await tcpClient(sim());
    expect(z.connectionType).toBe("tcp");
    expect(await z.getInfo()).toEqual({ userCounts: 1000, logCounts: 5000, logCapacity: 200_000 });
    expect(await z.getSerialNumber()).toBe(sim().state.serial);
    expect(await z.getPlatform()).toBe("ZMM220_TFT");
    expect(await z.getDeviceName()).toBe(sim().state.option("~DeviceName"));
    expect(await z.getMacAddress()).toBe(sim().state.option("MAC"));
    expect(await z.getDeviceVersion()).toBe("10");
    expect(await z.getOS()).toBe("1");
    expect(await z.getPIN()).toBe("9");
    expect(await z.getFaceOn()).toBe("No");
    expect(await z.getVendor()).toBe("ZKTeco Co., Ltd.");
    expect(await z.getWorkCode()).toBe("0");
    expect((await z.getProductTime()).getTime()).toBe(new Date("2020-11-13 16:17:40").getTime());
    // zkteco-js keeps the firmware string's NUL (§5.1).
    expect(await z.getFirmware()).toBe(`${FIRMWARE}\0`);
    const t: Date = await z.getTime();
    expect(Math.abs(t.getTime() - localDate(sim().state.time()))).toBeLessThanOrEqual(2000);
  });

  it("reads 1,000 users with the stored values", async () => {
    const z = await tcpClient(sim());
    const { data } = await z.getUsers();
    expectEachRow(data, 1000, sim().state.users(), (u, w) => expect(u).toEqual(tftUserRow(w)));
    await expectInSync(z, FIRMWARE);
  });

  it("reads 5,000 attendance records with the stored values", async () => {
    const z = await tcpClient(sim());
    const { data } = await z.getAttendances();
    expectEachRow(data, 5000, sim().state.attendance(), (r, w) =>
      expect(r).toEqual({ sn: w.uid, user_id: w.userId, record_time: new Date(localDate(w.time)).toString(), type: w.status, state: w.punch, ip: "127.0.0.1" }),
    );
    await expectInSync(z, FIRMWARE);
  });

  it("writes a user with its own record layout, reads it back, deletes it, sets the clock", async () => {
    const z = await tcpClient(sim());
    await z.setUser(2999, "77001", "Prueba Uno", "4321", 0, 5566);
    const stored = sim().state.users().find((u) => u.uid === 2999)!;
    expect(stored).toMatchObject({ userId: "77001", name: "Prueba Uno", password: "4321", card: 5566 });
    const { data } = await z.getUsers();
    expect(data.find((u: Any) => u.uid === 2999)).toMatchObject({ userId: "77001", name: "Prueba Uno", cardno: 5566 });
    await z.deleteUser(2999);
    expect(sim().state.users().some((u) => u.uid === 2999)).toBe(false);
    await z.setTime(new Date(2024, 2, 15, 13, 45, 30));
    expect(sim().state.time()).toMatchObject({ year: 2024, month: 3, day: 15, hour: 13, minute: 45 });
  });

  it("receives a realtime punch", async () => {
    const z = await tcpClient(sim());
    const { log, rec } = await realtimePunch(z, sim(), { userId: sim().state.users()[5]!.userId });
    expect([log.userId, log.attTime.getTime()]).toEqual([rec.userId, localDate(rec.time)]);
  });
});

describe("zkteco-js 1.7.2 over UDP (zk6 profile, through its internal ZUDP class)", () => {
  const sim = suiteSimulator({ profile: "zk6", users: 30, records: 5000, templates: 10, seed: 22 });

  it("its facade cannot fall back to UDP (client bug 1 above)", async () => {
    quietConsole();
    const z = new ZktecoJs("127.0.0.1", sim().port, 2000, 0);
    const err = await z.createSocket().then(() => undefined, (e: Any) => e);
    expect(err?.err?.err?.code).toBe("ECONNREFUSED");
    expect(z.connectionType).toBeNull();
  });

  it("connects, reads counters and the clock", async () => {
    const z = await udpClient(sim());
    expect(await z.getInfo()).toEqual({ userCounts: 30, logCounts: 5000, logCapacity: 50_000 });
    const t: Date = await z.getTime();
    expect(Math.abs(t.getTime() - localDate(sim().state.time()))).toBeLessThanOrEqual(2000);
  });

  it("reads a table that a device answers inline (30 users = 844 bytes)", async () => {
    const z = await udpClient(sim());
    const { data, err } = await z.getUsers();
    expect(err).toBeFalsy();
    expect(data).toEqual(sim().state.users().map(zk6UserRow));
  });

  it("diagnosis: 1,000 users arrive once the table comes inline, which no real UDP device does (bug 2)", async () => {
    const big = await startSimulator({ profile: "zk6", users: 1000, records: 0, templates: 0, seed: 23, inlineThreshold: 60_000 });
    try {
      const z = await udpClient(big);
      const { data, err } = await z.getUsers();
      expect(err).toBeFalsy();
      expect(data.map((u: Any) => u.userId)).toEqual(big.state.users().map((u) => Number(u.userId)));
    } finally {
      await clients.closeAll();
      await big.close();
    }
  });
});
