// The person and action ops through the terminal queue and the real ZK client against the simulator: look-up, enable bit, copy across formats, restart, guarded clear.
import { afterEach, describe, expect, it } from "vitest";
import { CMD } from "../../agent/zk/codec";
import { call, codeOf, createDispatcher, simTarget, simulators } from "./agent-sim-helpers";

const sims = simulators();
afterEach(() => sims.closeAll());

describe.each([
  ["tft", 72],
  ["zk6", 28],
] as const)("against the %s simulator", (profile, _format) => {
  it("users.get: the user, the fingers the terminal holds, and the enable bit", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher();
    const dev = simTarget(sim);
    expect(await call(d, dev, "users.get", { user_id: "1002" })).toEqual({
      user: { uid: 2, user_id: "1002", name: "Bob", privilege: 0, card: 8_000_001, group_id: "3" },
      fingers: 2,
      enabled: true,
    });
    expect((await call(d, dev, "users.get", { user_id: "1005" })).fingers).toBe(0);
    expect(await codeOf(call(d, dev, "users.get", { user_id: "404" }))).toBe("USER_NOT_FOUND");
  });

  it("users.setEnabled flips privilege bit 0 only, read back; the terminal is left enabled", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const before = sim.state.users().find((u) => u.userId === "1001")!;
    const off = await call(d, dev, "users.setEnabled", { user_id: "1001", enabled: false });
    expect(off).toMatchObject({ enabled: false, state: "disabled", user: { privilege: 15 } });
    const stored = sim.state.users().find((u) => u.userId === "1001")!;
    expect(stored).toMatchObject({ privilege: 15, name: before.name, password: before.password, card: before.card, uid: before.uid });
    expect((await call(d, dev, "users.get", { user_id: "1001" })).enabled).toBe(false);
    const writes = sim.commandLog.filter((c) => c.command === CMD.userWrq).length;
    // Already disabled: nothing written.
    expect((await call(d, dev, "users.setEnabled", { user_id: "1001", enabled: false })).enabled).toBe(false);
    expect(sim.commandLog.filter((c) => c.command === CMD.userWrq).length).toBe(writes);
    expect((await call(d, dev, "users.setEnabled", { user_id: "1001", enabled: true })).user.privilege).toBe(14);
    expect(await codeOf(call(d, dev, "users.setEnabled", { user_id: "404", enabled: true }))).toBe("USER_NOT_FOUND");
    await d.pool.idle();
    expect(sim.state.enabled).toBe(true);
  });

  it("attendance.clear: refused on a wrong count (nothing cleared); cleared and read back on the right one", async () => {
    const sim = await sims.start({ profile });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const wrong = call(d, dev, "attendance.clear", { expected_count: 2 });
    expect(await codeOf(wrong)).toBe("ATTENDANCE_COUNT_MISMATCH");
    expect(sim.state.attendance()).toHaveLength(3);
    expect(sim.commandLog.some((c) => c.command === CMD.clearAttLog)).toBe(false);
    expect(await call(d, dev, "attendance.clear", { expected_count: 3 })).toEqual({ cleared: 3 });
    expect(sim.state.attendance()).toEqual([]);
    await d.pool.idle();
    expect(sim.state.enabled).toBe(true);
  });

  it("device.restart: the terminal drops the session, boots (silent), and the answer waits until it is back", async () => {
    const sim = await sims.start({ profile, rebootMs: 1200 });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const r = await call(d, dev, "device.restart", {}, 20_000);
    expect(r.back).toBe(true);
    expect(r.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(r.waited_ms).toBeGreaterThanOrEqual(1200);
    expect(sim.commandLog.filter((c) => c.command === CMD.restart)).toHaveLength(1);
    // The data survived the reboot, and the next op works as before.
    expect((await call(d, dev, "users.list")).users).toHaveLength(3);
  });

  it("device.restart with too little time to see it back says it was sent (back: false)", async () => {
    const sim = await sims.start({ profile, rebootMs: 60_000 });
    const d = createDispatcher();
    const r = await call(d, simTarget(sim), "device.restart", {}, 6_000);
    expect(r.back).toBe(false);
    expect(sim.commandLog.filter((c) => c.command === CMD.restart)).toHaveLength(1);
  });
});

describe("users.export → users.import: a person copied between terminals", () => {
  it("same format: byte for byte with every finger; another person under the id: USER_ID_CONFLICT, nothing written", async () => {
    const a = await sims.start({ profile: "tft" });
    const b = await sims.start({ profile: "tft", data: { users: [{ uid: 1, userId: "1002", name: "Otro" }], templates: [], attendance: [] } });
    const c = await sims.start({ profile: "tft", data: { users: [{ uid: 7, userId: "9", name: "X" }], templates: [], attendance: [] } });
    const d = createDispatcher();
    const { snapshot } = await call(d, simTarget(a), "users.export", { user_id: "1002" });
    expect(snapshot.templates.map((t) => t.finger)).toEqual([0, 6]);
    const copied = await call(d, simTarget(c, { id: "c" }), "users.import", { snapshot });
    expect(copied).toMatchObject({ user: { uid: 8, user_id: "1002", name: "Bob", card: 8_000_001 }, fingers: 2, format: 72, converted: false });
    const src = a.state.templates().filter((t) => t.uid === 2).map((t) => [t.finger, t.flag, Buffer.from(t.template).toString("hex")]);
    const dst = c.state.templates().filter((t) => t.uid === 8).map((t) => [t.finger, t.flag, Buffer.from(t.template).toString("hex")]);
    expect(dst).toEqual(src);
    expect(await codeOf(call(d, simTarget(b, { id: "b" }), "users.import", { snapshot }))).toBe("USER_ID_CONFLICT");
    expect(b.state.users()).toHaveLength(1);
    expect(b.state.templates()).toHaveLength(0);
    // The same person again: updated in place, not duplicated.
    await call(d, simTarget(c, { id: "c" }), "users.import", { snapshot });
    expect(c.state.users().filter((u) => u.userId === "1002")).toHaveLength(1);
    await d.pool.idle();
    expect([a.state.enabled, b.state.enabled, c.state.enabled]).toEqual([true, true, true]);
  });

  it("72-byte → 28-byte: the fields re-encoded in the smaller layout; a name too long for it is refused, not cut", async () => {
    const tft = await sims.start({ profile: "tft", data: { users: [{ uid: 3, userId: "4000", name: "Ana", password: "12", card: 77, privilege: 14 }, { uid: 4, userId: "4001", name: "Bartolomeo Long" }], templates: [], attendance: [] } });
    const zk6 = await sims.start({ profile: "zk6", data: { users: [], templates: [], attendance: [] } });
    const d = createDispatcher();
    const { snapshot } = await call(d, simTarget(tft), "users.export", { user_id: "4000" });
    const r = await call(d, simTarget(zk6, { id: "zk6" }), "users.import", { snapshot });
    expect(r).toMatchObject({ format: 28, converted: true, user: { user_id: "4000", name: "Ana", privilege: 14, card: 77 } });
    expect(zk6.state.users()[0]).toMatchObject({ format: 28, userId: "4000", name: "Ana", password: "12", card: 77 });
    const long = await call(d, simTarget(tft), "users.export", { user_id: "4001" });
    expect(await codeOf(call(d, simTarget(zk6, { id: "zk6" }), "users.import", { snapshot: long.snapshot }))).toBe("VALIDATION_FAILED");
    expect(zk6.state.users()).toHaveLength(1);
  });
});
