// Record formats × transports on an EMPTY simulated terminal, and byte limits: a user is created as sent or not at all.
import { afterEach, describe, expect, it } from "vitest";
import { CMD } from "../../agent/zk/codec";
import type { SimulatorOptions } from "../../agent/zk/sim";
import { call, codeOf, createDispatcher, simTarget, simulators } from "./agent-sim-helpers";

const sims = simulators();
afterEach(() => sims.closeAll());

const EMPTY: SimulatorOptions = { data: { users: [] } };
/** A terminal that says nothing about itself: no platform, no ~UserExtFmt (the record size must be found by writing). */
const SILENT: SimulatorOptions = { deviceOptions: { "~Platform": null, "~UserExtFmt": null } };

// tft: 72-byte records, TCP+UDP; zk6 with tcp: 28-byte records reachable over TCP too.
const TERMINALS = [
  ["72-byte", "tcp", { profile: "tft" }],
  ["72-byte", "udp", { profile: "tft" }],
  ["28-byte", "tcp", { profile: "zk6", tcp: true }],
  ["28-byte", "udp", { profile: "zk6" }],
] as const;

describe.each(TERMINALS)("an empty %s terminal over %s", (format, transport, profileOpts) => {
  const size = format === "72-byte" ? 72 : 28;
  describe.each([
    ["that names its platform", {}],
    ["that says nothing about itself", SILENT],
  ] as const)("%s", (_label, extra) => {
    it("users.create stores the user as sent (user_id, name, card), and users.delete then finds it", async () => {
      const sim = await sims.start({ ...EMPTY, ...profileOpts, ...extra });
      const d = createDispatcher();
      const dev = simTarget(sim, { transport });
      // The longest name each record holds whole: 8 bytes in 28, 23 in 72.
      const name = size === 72 ? "Maria Perez de la Rosa" : "Maria Pe";
      const created = await call(d, dev, "users.create", { user_id: "900", name, card: 4242, password: "12" });
      expect(created.user).toEqual({ uid: 1, user_id: "900", name, privilege: 0, card: 4242, group_id: "1" });
      const stored = sim.state.users();
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ uid: 1, userId: "900", name, card: 4242, password: "12", format: size });
      expect(stored[0]!.raw.length).toBe(size);
      const deleted = await call(d, dev, "users.delete", { user_id: "900" });
      expect(deleted.user.user_id).toBe("900");
      expect(sim.state.users()).toEqual([]);
      await d.pool.idle();
      expect(sim.state.enabled).toBe(true);
    });
  });
});

describe("a wrong guess is found by the read-back and written again in the terminal's size", () => {
  it("silent 72-byte terminal over UDP: the 28-byte guess is misread (user_id lost), rewritten as 72 bytes over the same uid", async () => {
    const sim = await sims.start({ ...EMPTY, profile: "tft", ...SILENT });
    const d = createDispatcher();
    const created = await call(d, simTarget(sim, { transport: "udp" }), "users.create", { user_id: "77", name: "Eva" });
    expect(created.user).toMatchObject({ uid: 1, user_id: "77", name: "Eva" });
    expect(sim.state.users()).toMatchObject([{ uid: 1, userId: "77", name: "Eva", format: 72 }]);
    expect(sim.commandLog.filter((c) => c.command === CMD.userWrq)).toHaveLength(2);
  });
});

describe("what cannot land as sent is refused or undone", () => {
  it("a non-numeric user_id on a silent 28-byte terminal over TCP: VALIDATION_FAILED, and the misread record is removed", async () => {
    const sim = await sims.start({ ...EMPTY, profile: "zk6", tcp: true, ...SILENT });
    const d = createDispatcher();
    const err = await call(d, simTarget(sim, { transport: "tcp" }), "users.create", { user_id: "A-7", name: "Ana" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VALIDATION_FAILED", details: expect.objectContaining({ field: "user_id" }) });
    expect(sim.state.users()).toEqual([]);
    await d.pool.idle();
    expect(sim.state.enabled).toBe(true);
  });

  it.each([
    ["a 24-character user_id on a 72-byte terminal", "tft", { user_id: "A".repeat(24) }, /user_id .* 24 bytes .* at most 23 bytes/],
    ["24 accented letters on a 72-byte terminal", "tft", { user_id: "901", name: "é".repeat(24) }, /name .* 48 bytes in utf-8; .* at most 23 bytes/],
    ["'Ana Perez Garcia' on a 28-byte terminal", "zk6", { user_id: "902", name: "Ana Perez Garcia" }, /16 bytes in utf-8; a 28-byte user record holds at most 8 bytes of name/],
  ] as const)("%s → VALIDATION_FAILED naming the limit; nothing written", async (_label, profile, args, message) => {
    const sim = await sims.start({ profile });
    const before = sim.state.users();
    const d = createDispatcher();
    const err = await call(d, simTarget(sim), "users.create", args).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VALIDATION_FAILED", message: expect.stringMatching(message) });
    expect(sim.state.users()).toEqual(before);
    expect(sim.commandLog.some((c) => c.command === CMD.userWrq)).toBe(false);
  });

  it("users.update: a name longer than the field is refused, the user unchanged", async () => {
    const sim = await sims.start({ profile: "zk6" });
    const d = createDispatcher();
    const before = sim.state.users().find((u) => u.userId === "1001")!;
    expect(await codeOf(call(d, simTarget(sim), "users.update", { user_id: "1001", name: "Ana Perez Garcia" }))).toBe("VALIDATION_FAILED");
    expect(sim.state.users().find((u) => u.userId === "1001")!.raw).toEqual(before.raw);
  });
});

describe("restore onto a terminal of the other record size", () => {
  it("a 72-byte snapshot on an empty 28-byte terminal is refused, and nothing is left on it", async () => {
    const tft = await sims.start({ profile: "tft" });
    const d = createDispatcher();
    const { snapshot } = await call(d, simTarget(tft), "users.delete", { user_id: "1002" });
    const zk6 = await sims.start({ ...EMPTY, profile: "zk6", tcp: true, ...SILENT });
    const err = await call(d, simTarget(zk6, { transport: "tcp" }), "users.restore", { snapshot }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DEVICE_REJECTED" });
    expect(zk6.state.users()).toEqual([]);
    await d.pool.idle();
    expect(zk6.state.enabled).toBe(true);
  });
});
