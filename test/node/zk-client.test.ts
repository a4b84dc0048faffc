// ZK client ↔ simulator over real loopback sockets: both transports, both record formats, comm key, bulk tables, writes.
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { connectZk, codec, type ZkClient } from "../../agent/zk";
import { HOST, closedPort, silentUdp, simulatorPool } from "./zk-client-helpers";

const pool = simulatorPool();
const open: ZkClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await pool.closeAll();
});
afterAll(() => pool.closeAll());

async function connect(port: number, transport: "tcp" | "udp" | "auto", extra: { commKey?: number; timeoutMs?: number } = {}) {
  const s = await connectZk({ host: HOST, port, transport, timeoutMs: 2000, ...extra });
  open.push(s);
  return s;
}

const CASES = [
  { profile: "tft", transport: "tcp", format: 72, attSize: 40 },
  { profile: "tft", transport: "udp", format: 72, attSize: 40 },
  { profile: "zk6", transport: "udp", format: 28, attSize: 16 },
] as const;

describe.each(CASES)("$profile over $transport", ({ profile, transport, format }) => {
  test("comm key: right key connects, wrong key and no key fail with DEVICE_AUTH_FAILED", async () => {
    const sim = await pool.start({ profile, commKey: 654321, users: 3 });
    const s = await connect(sim.port, transport, { commKey: 654321 });
    expect(s.transport).toBe(transport);
    expect((await s.getUsers()).length).toBe(3);
    await s.close();
    await expect(connect(sim.port, transport, { commKey: 654320 })).rejects.toMatchObject({ code: "DEVICE_AUTH_FAILED", name: "ZkAuthError" });
    await expect(connect(sim.port, transport)).rejects.toMatchObject({ code: "DEVICE_AUTH_FAILED" });
  });

  test("info, free sizes and the clock match the simulated terminal", async () => {
    const sim = await pool.start({ profile, users: 12, records: 30, templates: 5 });
    const s = await connect(sim.port, transport);
    const info = await s.info();
    expect(info.serial).toBe(sim.state.serial);
    expect(info.platform).toBe(sim.state.option("~Platform"));
    expect(info.deviceName).toBe(sim.state.option("~DeviceName"));
    expect(info.mac).toBe(sim.state.option("MAC") ?? "");
    expect(info.firmware).toMatch(/\S/);
    expect(info.sizes).toMatchObject({ users: 12, records: 30, fingers: 5 });
    const device = codec.toDateUTC(sim.state.time()).getTime();
    expect(Math.abs(codec.toDateUTC(info.time).getTime() - device)).toBeLessThan(5000);
  });

  test("getTime / setTime", async () => {
    const sim = await pool.start({ profile });
    const s = await connect(sim.port, transport);
    const target = { year: 2031, month: 2, day: 28, hour: 23, minute: 59, second: 30 };
    await s.setTime(target);
    const drift = (t: typeof target) => Math.abs(codec.toDateUTC(t).getTime() - codec.toDateUTC(target).getTime());
    expect(drift(sim.state.time())).toBeLessThan(5000);
    expect(drift(await s.getTime())).toBeLessThan(5000);
  });

  test(`10,000 users in ${format}-byte records, with raw bytes kept`, async () => {
    const sim = await pool.start({ profile, users: 10_000 });
    const s = await connect(sim.port, transport);
    const users = await s.getUsers();
    expect(users).toHaveLength(10_000);
    expect(s.userFormat).toBe(format);
    const want = sim.state.users();
    expect(users.map((u) => u.uid)).toEqual(want.map((u) => u.uid));
    expect(users.map((u) => u.userId)).toEqual(want.map((u) => u.userId));
    expect(users.every((u) => u.format === format && u.raw.length === format)).toBe(true);
    expect(users[1234]!.raw).toEqual(want[1234]!.raw);
  });

  test("empty tables cost no bulk read", async () => {
    const sim = await pool.start({ profile, users: 0, records: 0, templates: 0 });
    const s = await connect(sim.port, transport);
    expect(await s.getUsers()).toEqual([]);
    expect(await s.getAttendance()).toEqual([]);
    expect(await s.getTemplates()).toEqual([]);
    expect(sim.commandLog.filter((e) => e.command === codec.CMD.prepareBuffer)).toEqual([]);
  });

  test("attendance: every record with its user_id, uid and time", async () => {
    const sim = await pool.start({ profile, users: 50, records: 2500 });
    const s = await connect(sim.port, transport);
    const got = await s.getAttendance();
    const want = sim.state.attendance();
    expect(got).toHaveLength(2500);
    expect(got.map((r) => r.userId)).toEqual(want.map((r) => r.userId));
    expect(got.map((r) => r.time)).toEqual(want.map((r) => r.time));
    expect(got.map((r) => [r.status, r.punch])).toEqual(want.map((r) => [r.status, r.punch]));
    // Short formats lack one identifier; the client fills it from the user list.
    const uidOf = new Map(sim.state.users().map((u) => [u.userId, u.uid]));
    expect(got.every((r) => r.uid === uidOf.get(r.userId))).toBe(true);
  });

  test("attendance with resolveUids: false reads no user table unless a user_id is missing", async () => {
    const sim = await pool.start({ profile, users: 50, records: 2500 });
    const s = await connect(sim.port, transport);
    const got = await s.getAttendance({ resolveUids: false });
    const want = sim.state.attendance();
    expect(got.map((r) => `${r.userId}@${r.time.hour}:${r.time.minute}`)).toEqual(want.map((r) => `${r.userId}@${r.time.hour}:${r.time.minute}`));
    // One bulk read (attendance) only; 16-byte records keep uid 0, 40-byte ones carry their uid.
    expect(sim.commandLog.filter((e) => e.command === codec.CMD.prepareBuffer)).toHaveLength(1);
    expect(got.every((r, i) => r.uid === (profile === "zk6" ? 0 : want[i]!.uid))).toBe(true);
    // The default still fills the uid of 16-byte records from the user table (what attendance.list returns).
    await s.getAttendance();
    expect(sim.commandLog.filter((e) => e.command === codec.CMD.prepareBuffer)).toHaveLength(profile === "zk6" ? 3 : 2);
  });

  test("templates: the whole table and single reads", async () => {
    const sim = await pool.start({ profile, users: 20, templates: 15 });
    const s = await connect(sim.port, transport);
    const got = await s.getTemplates();
    const want = sim.state.templates();
    expect(got).toHaveLength(15);
    expect(got).toEqual(want);
    const one = await s.getTemplate(want[3]!.uid, want[3]!.finger);
    expect(one?.template).toEqual(want[3]!.template);
    const taken = new Set(want.map((t) => `${t.uid}/${t.finger}`));
    const free = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((f) => !taken.has(`${want[0]!.uid}/${f}`))!;
    expect(await s.getTemplate(want[0]!.uid, free)).toBeUndefined();
  });

  test("user write, delete, and restore with templates by batch upload", async () => {
    const sim = await pool.start({ profile, users: 10, templates: 6 });
    const s = await connect(sim.port, transport);
    const before = await s.getUsers();
    const victim = (await s.getTemplates())[0]!.uid;
    const snapshot = before.find((u) => u.uid === victim)!;
    const fingers = (await s.getTemplates()).filter((t) => t.uid === victim);
    expect(fingers.length).toBeGreaterThan(0);

    const name = format === 72 ? "María Fernández" : "Maria";
    await s.setUser({ uid: 500, userId: "77001", name, privilege: 14, password: "4321", card: 991122 });
    const added = sim.state.users().find((u) => u.uid === 500)!;
    expect(added).toMatchObject({ userId: "77001", name, privilege: 14, password: "4321", card: 991122, format });

    await s.deleteUser(victim);
    expect(sim.state.users().some((u) => u.uid === victim)).toBe(false);
    await expect(s.deleteUser(victim)).rejects.toMatchObject({ code: "DEVICE_REJECTED" });

    await s.saveUsersWithTemplates([snapshot.raw], fingers);
    const restored = sim.state.users().find((u) => u.uid === victim)!;
    expect(restored.raw).toEqual(snapshot.raw);
    expect(sim.state.templates().filter((t) => t.uid === victim)).toEqual(fingers);
    expect(await s.getTemplate(victim, fingers[0]!.finger)).toMatchObject({ template: fingers[0]!.template });

    await s.setUserRaw(snapshot.raw);
    await s.deleteTemplate(victim, fingers[0]!.finger);
    expect(sim.state.templates().filter((t) => t.uid === victim)).toHaveLength(fingers.length - 1);
  });

  test("writes leave REFRESHDATA to the caller: a terminal that never answers it fails none of them", async () => {
    const sim = await pool.start({ profile, users: 5, records: 3, templates: 3 });
    const s = await connect(sim.port, transport, { timeoutMs: 300 });
    const [first, second] = await s.getUsers();
    const tpl = (await s.getTemplates())[0]!;
    sim.faults.set({ kind: "silence", after: { command: codec.CMD.refreshData } });
    await s.setTime({ year: 2030, month: 1, day: 2, hour: 3, minute: 4, second: 5 });
    await s.setUser({ uid: 600, userId: "600", name: "New" });
    await s.setUserRaw(first!.raw);
    await s.deleteTemplate(tpl.uid, tpl.finger);
    await s.deleteUser(second!.uid);
    await s.saveUsersWithTemplates([second!.raw], [tpl]);
    await s.clearAttendance();
    expect(sim.commandLog.filter((e) => e.command === codec.CMD.refreshData)).toEqual([]);
    expect(sim.state.users().some((u) => u.uid === 600)).toBe(true);
    // The caller's own REFRESHDATA is where this terminal's silence shows.
    await expect(s.refreshData()).rejects.toMatchObject({ code: "DEVICE_TIMEOUT" });
  });

  test("disable / enable, unlock, test voice, clear attendance, enroll start", async () => {
    const sim = await pool.start({ profile, users: 3, records: 4 });
    const s = await connect(sim.port, transport);
    await s.disable();
    expect(sim.state.enabled).toBe(false);
    await s.enable();
    expect(sim.state.enabled).toBe(true);
    await s.unlock(3);
    await s.testVoice(0);
    await s.startEnroll(sim.state.users()[0]!.userId, 2);
    await s.clearAttendance();
    expect(sim.state.attendance()).toHaveLength(0);
    const names = sim.commandLog.map((e) => e.command);
    expect(names).toEqual(expect.arrayContaining([codec.CMD.unlock, codec.CMD.testVoice, codec.CMD.cancelCapture, codec.CMD.startEnroll]));
  });
});

describe("record format choice", () => {
  test("a TFT terminal over UDP gets 72-byte writes once get_users has seen 72-byte records", async () => {
    const sim = await pool.start({ profile: "tft", users: 2 });
    const s = await connect(sim.port, "udp");
    expect(s.userFormat).toBeUndefined();
    await s.getUsers();
    expect(s.userFormat).toBe(72);
    await s.setUser({ uid: 40, userId: "A40", name: "Long Name Beyond Eight" });
    expect(sim.state.users().find((u) => u.uid === 40)).toMatchObject({ userId: "A40", name: "Long Name Beyond Eight", format: 72 });
  });

  test("8-byte attendance records still get their user_id from the user table with resolveUids: false", async () => {
    const sim = await pool.start({ profile: "zk6", attendanceSize: 8, users: 20, records: 300 });
    const s = await connect(sim.port, "udp");
    const got = await s.getAttendance({ resolveUids: false });
    expect(got.map((r) => [r.uid, r.userId])).toEqual(sim.state.attendance().map((r) => [r.uid, r.userId]));
    expect(sim.commandLog.filter((e) => e.command === codec.CMD.prepareBuffer)).toHaveLength(2);
  });

  test("28-byte firmware refuses a non-numeric user_id before anything is sent", async () => {
    const sim = await pool.start({ profile: "zk6", users: 1 });
    const s = await connect(sim.port, "udp");
    const sent = s.packets.sent;
    await expect(s.setUser({ uid: 9, userId: "A9" })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    expect(s.packets.sent).toBe(sent);
  });
});

describe("transports and reachability", () => {
  test("auto picks TCP on a TFT terminal and falls back to UDP on a UDP-only one", async () => {
    const tft = await pool.start({ profile: "tft", users: 1 });
    expect((await connect(tft.port, "auto")).transport).toBe("tcp");
    const zk6 = await pool.start({ profile: "zk6", users: 1 });
    const s = await connect(zk6.port, "auto");
    expect(s.transport).toBe("udp");
    expect(await s.getUsers()).toHaveLength(1);
  });

  test("TCP refused → DEVICE_UNREACHABLE with the seed's message", async () => {
    const port = await closedPort();
    const err = await connect(port, "tcp").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_UNREACHABLE", message: `Connection timeout to device ${HOST}:${port}` });
    expect(err).toBeInstanceOf(Error);
  });

  test("UDP with no answer to CONNECT → DEVICE_UNREACHABLE after the timeout", async () => {
    const silent = await silentUdp();
    try {
      await expect(connect(silent.port, "udp", { timeoutMs: 200 })).rejects.toMatchObject({
        code: "DEVICE_UNREACHABLE",
        message: `Connection timeout to device ${HOST}:${silent.port}`,
      });
      expect(silent.received()).toBe(1);
    } finally {
      silent.socket.close();
    }
  });

  test("auto with nothing anywhere → DEVICE_UNREACHABLE", async () => {
    const port = await closedPort();
    await expect(connect(port, "auto", { timeoutMs: 300 })).rejects.toMatchObject({ code: "DEVICE_UNREACHABLE" });
  });

  test("a slow link: per-packet timeouts let a transfer longer than the timeout finish", async () => {
    const sim = await pool.start({ profile: "tft", users: 5000, latencyMs: 20 });
    const s = await connect(sim.port, "tcp", { timeoutMs: 150 });
    const users = await s.getUsers();
    expect(users).toHaveLength(5000);
    // Each packet came within 150 ms, but the link alone needed longer than that for the whole exchange.
    expect(sim.lowerBoundMs(s.packets.received, sim.bytesSent)).toBeGreaterThan(150);
  });

  test("realtime events are delivered and acknowledged without disturbing later commands", async () => {
    const sim = await pool.start({ profile: "tft", users: 3 });
    const s = await connect(sim.port, "tcp");
    const events: codec.ZkEvent[] = [];
    s.onEvent((p) => events.push(codec.decodeEvent(p)));
    await s.regEvent(codec.EF.attLog);
    const punch = sim.emitAttendance({ userId: sim.state.users()[1]!.userId })!;
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toMatchObject({ kind: "attLog", record: { userId: punch.userId, time: punch.time } });
    expect(await s.getUsers()).toHaveLength(3);
    expect(s.packets.sent).toBeGreaterThan(0);
  });

  test("an event arriving in the middle of a bulk transfer is routed aside; the transfer completes", async () => {
    const sim = await pool.start({ profile: "tft", users: 5000, latencyMs: 15 });
    const s = await connect(sim.port, "tcp");
    const seen: string[] = [];
    s.onEvent(() => seen.push("event"));
    await s.regEvent(codec.EF.attLog);
    const read = s.getUsers().then((u) => {
      seen.push("users");
      return u;
    });
    // Once the first chunk request is out, the terminal logs a punch while it is still sending data.
    await expect.poll(() => sim.commandLog.some((e) => e.command === codec.CMD.readBuffer), { interval: 2 }).toBe(true);
    sim.emitAttendance({ userId: sim.state.users()[0]!.userId });
    expect(await read).toHaveLength(5000);
    expect(seen).toEqual(["event", "users"]);
  });

  test("close is safe twice and later commands fail with DEVICE_DISCONNECTED", async () => {
    const sim = await pool.start({ profile: "tft" });
    const s = await connect(sim.port, "tcp");
    await s.close();
    await s.close();
    await expect(s.getTime()).rejects.toMatchObject({ code: "DEVICE_DISCONNECTED" });
  });
});
