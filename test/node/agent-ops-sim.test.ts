// Every relay op through the terminal queue and the real ZK client against the simulator, both profiles.
import { afterEach, describe, expect, it } from "vitest";
import { CMD } from "../../agent/zk/codec";
import type { Simulator } from "../../agent/zk/sim";
import { call, closedPort, codeOf, createDispatcher, HOST, sampleData, simTarget, simulators } from "./agent-sim-helpers";

const sims = simulators();
afterEach(() => sims.closeAll());

const templatesOf = (sim: Simulator, uid: number) =>
  sim.state
    .templates()
    .filter((t) => t.uid === uid)
    .sort((a, b) => a.finger - b.finger)
    .map((t) => ({ finger: t.finger, flag: t.flag, template: Buffer.from(t.template).toString("hex") }));

describe.each([
  ["tft", 72],
  ["zk6", 28],
] as const)("every op against the %s simulator", (profile, format) => {
  it("device.ping, device.info, time.get, time.sync", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher({ clock: () => new Date(2031, 0, 2, 3, 4, 5) });
    const dev = simTarget(sim);
    const ping = await call(d, dev, "device.ping");
    expect(ping.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const info = await call(d, dev, "device.info");
    expect(info).toMatchObject({ serial: sim.state.serial, counts: { users: 3, fingers: 3, records: 3 } });
    expect(await call(d, dev, "time.sync", { time: "2030-01-02 03:04:05" })).toEqual({ time: "2030-01-02 03:04:05" });
    expect((await call(d, dev, "time.get")).time.startsWith("2030-01-02 03:04")).toBe(true);
    expect((await call(d, dev, "time.sync")).time.startsWith("2031-01-02 03:04")).toBe(true); // the agent's clock
    await d.pool.idle();
    expect(sim.state.enabled).toBe(true);
    expect(sim.state.sessions).toBe(0);
  });

  it("users.list, users.create (free uid, 409), users.update, users.enrollFinger, users.fingers", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher();
    const dev = simTarget(sim);
    expect((await call(d, dev, "users.list")).users).toEqual([
      { uid: 1, user_id: "1001", name: "Ana", privilege: 14, card: 555, group_id: "1" },
      { uid: 2, user_id: "1002", name: "Bob", privilege: 0, card: 8_000_001, group_id: "3" },
      { uid: 5, user_id: "1005", name: "Eve", privilege: 0, card: 0, group_id: "1" },
    ]);
    const created = await call(d, dev, "users.create", { user_id: "2000", name: "Zoe", card: 42, password: "99" });
    expect(created.user).toEqual({ uid: 6, user_id: "2000", name: "Zoe", privilege: 0, card: 42, group_id: "1" });
    expect(sim.state.users().find((u) => u.userId === "2000")).toMatchObject({ uid: 6, format, password: "99" });
    expect(await codeOf(call(d, dev, "users.create", { user_id: "2000" }))).toBe("USER_EXISTS");
    expect(await codeOf(call(d, dev, "users.create", { user_id: "2001", uid: 1 }))).toBe("USER_EXISTS");

    const updated = await call(d, dev, "users.update", { user_id: "1001", name: "Ana M", privilege: 0 });
    expect(updated.user).toEqual({ uid: 1, user_id: "1001", name: "Ana M", privilege: 0, card: 555, group_id: "1" });
    expect(sim.state.users().find((u) => u.uid === 1)).toMatchObject({ name: "Ana M", password: "1234", card: 555 });
    expect(await codeOf(call(d, dev, "users.update", { user_id: "404", name: "x" }))).toBe("USER_NOT_FOUND");

    expect(await call(d, dev, "users.fingers", { user_id: "1002" })).toEqual({
      fingers: [
        { finger: 0, size: 1210, valid: true },
        { finger: 6, size: 980, valid: true },
      ],
    });
    expect(await call(d, dev, "users.fingers", { user_id: "1005" })).toEqual({ fingers: [] });
    expect(await call(d, dev, "users.enrollFinger", { user_id: "1005", finger: 4 })).toEqual({ started: true });
    expect(sim.commandLog.some((c) => c.command === CMD.startEnroll)).toBe(true);
    // The person then presents the finger three times at the terminal (the simulator does it on timers): the template
    // arrives later, and the agent's fingers read sees it.
    await expect.poll(async () => (await call(d, dev, "users.fingers", { user_id: "1005" })).fingers.map((f: { finger: number }) => f.finger), { timeout: 10_000, interval: 50 }).toEqual([4]);
    await d.pool.idle();
    expect(sim.state.enabled).toBe(true);
  });

  it("door.unlock opens the terminal's door for the seconds asked (sent in tenths), leaving it enabled", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher();
    expect(await call(d, simTarget(sim), "door.unlock", { seconds: 5 })).toEqual({ seconds: 5 });
    expect(sim.state.unlocks.map((u) => u.tenths)).toEqual([50]);
    expect(sim.state.doorOpen).toBe(true);
    await d.pool.idle();
    expect(sim.state.enabled).toBe(true);
    expect(sim.state.sessions).toBe(0);
  });

  it("door.unlock is never reported done when the terminal does not answer it", async () => {
    const sim = await sims.start({ profile });
    sim.faults.set({ kind: "silence", after: { command: CMD.unlock }, once: true });
    const d = createDispatcher();
    expect(await codeOf(call(d, simTarget(sim, { timeout: 0.3 }), "door.unlock", { seconds: 3 }))).toBe("DEVICE_TIMEOUT");
    await d.pool.idle();
  });

  it("attendance.list with filters", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher();
    const dev = simTarget(sim);
    expect((await call(d, dev, "attendance.list")).records).toHaveLength(3);
    const ana = await call(d, dev, "attendance.list", { user_id: "1001", date: "2024-03-15" });
    expect(ana.records).toEqual([{ user_id: "1001", timestamp: "2024-03-15 17:02:09", status: 1, punch: 1, uid: 1 }]);
    const window = await call(d, dev, "attendance.list", { from: "2024-03-15 00:00:00", to: "2024-03-15 12:00:00" });
    expect(window.records.map((r) => r.user_id)).toEqual(["1002"]);
  });

  it("users.delete returns the seed's user and a snapshot that restores the user with identical templates", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const rawBefore = Buffer.from(sim.state.users().find((u) => u.uid === 2)!.raw).toString("hex");
    const before = templatesOf(sim, 2);
    expect(before).toHaveLength(2);

    const { user, snapshot } = await call(d, dev, "users.delete", { user_id: "1002" });
    expect(user).toEqual({ uid: 2, user_id: "1002", name: "Bob", privilege: 0, card: 8_000_001, group_id: "3" });
    expect(snapshot.format).toBe(format);
    expect(Buffer.from(snapshot.record, "base64").toString("hex")).toBe(rawBefore);
    expect(sim.state.users().some((u) => u.userId === "1002")).toBe(false);
    expect(templatesOf(sim, 2)).toEqual([]);
    expect(await codeOf(call(d, dev, "users.delete", { user_id: "1002" }))).toBe("USER_NOT_FOUND");

    expect(await call(d, dev, "users.restore", { snapshot })).toEqual({ user, fingers: 2 });
    expect(Buffer.from(sim.state.users().find((u) => u.uid === 2)!.raw).toString("hex")).toBe(rawBefore);
    const after = templatesOf(sim, 2);
    expect(after.map((t) => t.template)).toEqual(before.map((t) => t.template));
    if (profile === "tft") {
      // TCP + small table → bulk read: the duress flag survives the round trip.
      expect(after).toEqual(before);
    }
    await d.pool.idle();
    expect(sim.state.enabled).toBe(true);
    expect(sim.state.sessions).toBe(0);
  });

  it("a big table's user (single template reads) also restores with identical template bytes", async () => {
    // 200 more people with a finger each: the template table (4 chunks) costs more than ten single reads.
    const sim = await sims.start({ profile, data: sampleData(200) });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const before = templatesOf(sim, 2);
    const { snapshot } = await call(d, dev, "users.delete", { user_id: "1002" });
    expect(sim.commandLog.filter((c) => c.command === CMD.getUserTemp)).toHaveLength(10);
    // One bulk read only: the user table; the template table (every finger on the terminal) is never shipped.
    expect(sim.commandLog.filter((c) => c.command === CMD.prepareBuffer)).toHaveLength(1);
    await call(d, dev, "users.restore", { snapshot });
    expect(templatesOf(sim, 2).map((t) => [t.finger, t.template])).toEqual(before.map((t) => [t.finger, t.template]));
  });

  it("a user without fingers deletes and restores too (empty template batch)", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const raw = Buffer.from(sim.state.users().find((u) => u.uid === 5)!.raw).toString("hex");
    const { snapshot } = await call(d, dev, "users.delete", { user_id: "1005" });
    expect(snapshot.templates).toEqual([]);
    expect(await call(d, dev, "users.restore", { snapshot })).toMatchObject({ user: { uid: 5, user_id: "1005" }, fingers: 0 });
    expect(Buffer.from(sim.state.users().find((u) => u.uid === 5)!.raw).toString("hex")).toBe(raw);
  });

  it("restore refuses (RESTORE_CONFLICT) when the uid was taken meanwhile, and the new holder keeps it", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const { snapshot } = await call(d, dev, "users.delete", { user_id: "1002" });
    await call(d, dev, "users.create", { user_id: "3003", uid: 2 });
    const err = await call(d, dev, "users.restore", { snapshot }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RESTORE_CONFLICT", details: { held_by: { uid: 2, user_id: "3003" } } });
    expect(sim.state.users().find((u) => u.uid === 2)?.userId).toBe("3003");
    expect(sim.state.users().some((u) => u.userId === "1002")).toBe(false);
    expect(sim.state.enabled).toBe(true);
  });
});

describe("device errors through the operations", () => {
  it("an unreachable terminal fails with DEVICE_UNREACHABLE and the seed's message, verbatim", async () => {
    const port = await closedPort();
    const d = createDispatcher();
    const dev = { id: "bodega", ip: HOST, port, transport: "tcp" as const, password: 0, timeout: 0.5 };
    const err = await call(d, dev, "users.delete", { user_id: "123" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_UNREACHABLE", message: `Connection timeout to device ${HOST}:${port}` });
  });

  it("a wrong comm key fails with DEVICE_AUTH_FAILED; the right one works", async () => {
    const sim = await sims.start({ profile: "tft", commKey: 4242 });
    const d = createDispatcher();
    expect(await codeOf(call(d, simTarget(sim, { password: 1 }), "device.ping"))).toBe("DEVICE_AUTH_FAILED");
    expect((await call(d, simTarget(sim, { password: 4242 }), "users.list")).users).toHaveLength(3);
  });
});
