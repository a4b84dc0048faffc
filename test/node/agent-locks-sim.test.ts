// Per-terminal locks against simulators: serial on one terminal, parallel across terminals, one session per burst.
import { afterEach, describe, expect, it } from "vitest";
import { DevicePool } from "../../agent/devices/pool";
import { CMD } from "../../agent/zk/codec";
import type { CommandLogEntry } from "../../agent/zk/sim";
import { call, codeOf, createDispatcher, sampleData, simTarget, simulators } from "./agent-sim-helpers";

const sims = simulators();
afterEach(() => sims.closeAll());

const named = (log: CommandLogEntry[], command: number) => log.filter((c) => c.command === command);

describe("per-terminal queue against the simulator", () => {
  it("two deletes on one terminal (two registry names) run one after the other, as one disabled burst", async () => {
    const sim = await sims.start({ profile: "tft", latencyMs: 2 });
    const d = createDispatcher();
    await Promise.all([
      call(d, simTarget(sim, { id: "principal" }), "users.delete", { user_id: "1001" }),
      call(d, simTarget(sim, { id: "alias-of-principal" }), "users.delete", { user_id: "1002" }),
    ]);
    await d.pool.idle();
    const log = sim.commandLog;
    const flow = log.filter((c) => ([CMD.disableDevice, CMD.deleteUser, CMD.enableDevice] as number[]).includes(c.command)).map((c) => c.command);
    // The second was queued behind the first: the terminal stays disabled between them and is enabled after both.
    expect(flow).toEqual([CMD.disableDevice, CMD.deleteUser, CMD.deleteUser, CMD.enableDevice]);
    const [first, second] = named(log, CMD.deleteUser);
    expect(second!.at).toBeGreaterThan(first!.at);
    expect(named(log, CMD.connect)).toHaveLength(1); // queued behind the first: same session
    expect(sim.state.users().map((u) => u.userId)).toEqual(["1005"]);
    expect(sim.state.enabled).toBe(true);
  });

  it("a burst of five queued deletes: one CONNECT, one DISABLE, the user table read once, one ENABLE", async () => {
    const data = sampleData();
    for (let i = 0; i < 4; i++) data.users!.push({ uid: 10 + i, userId: String(7000 + i), name: `Q${i}` });
    const sim = await sims.start({ profile: "tft", data });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const ids = ["1001", "7000", "7001", "7002", "7003"];
    await Promise.all(ids.map((user_id) => call(d, dev, "users.delete", { user_id })));
    await d.pool.idle();
    const log = sim.commandLog;
    expect(named(log, CMD.connect)).toHaveLength(1);
    expect(named(log, CMD.disableDevice)).toHaveLength(1);
    expect(named(log, CMD.enableDevice)).toHaveLength(1);
    expect(named(log, CMD.deleteUser)).toHaveLength(5);
    // Buffered reads (PREPARE_BUFFER): the user table once, and the (small) template table once for the whole burst.
    expect(named(log, CMD.prepareBuffer)).toHaveLength(1 + 1);
    expect(named(log, CMD.getUserTemp)).toHaveLength(0);
    expect(log.at(-2)!.command).toBe(CMD.enableDevice);
    expect(sim.state.users().map((u) => u.userId)).toEqual(["1002", "1005"]);
    expect(sim.state.enabled).toBe(true);
  });

  it("deletes on two terminals run at the same time", async () => {
    const a = await sims.start({ profile: "tft", latencyMs: 15 });
    const b = await sims.start({ profile: "tft", latencyMs: 15 });
    const d = createDispatcher();
    await Promise.all([
      call(d, simTarget(a, { id: "a" }), "users.delete", { user_id: "1001" }),
      call(d, simTarget(b, { id: "b" }), "users.delete", { user_id: "1001" }),
    ]);
    const span = (log: CommandLogEntry[]) => [named(log, CMD.disableDevice)[0]!.at, named(log, CMD.enableDevice)[0]!.at] as const;
    const [aStart, aEnd] = span(a.commandLog);
    const [bStart, bEnd] = span(b.commandLog);
    // Overlapping disabled windows: each terminal was disabled before the other was re-enabled.
    expect(aStart).toBeLessThan(bEnd);
    expect(bStart).toBeLessThan(aEnd);
  });

  it("a burst of 20 operations costs one CONNECT and one EXIT, and the session closes after", async () => {
    const sim = await sims.start({ profile: "tft" });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const ops = Array.from({ length: 20 }, (_, i) =>
      i % 2 ? call(d, dev, "users.list") : call(d, dev, "device.ping"),
    );
    await Promise.all(ops);
    await d.pool.idle();
    expect(named(sim.commandLog, CMD.connect)).toHaveLength(1);
    expect(named(sim.commandLog, CMD.exit)).toHaveLength(1);
    expect(sim.state.sessions).toBe(0); // other software can reach the terminal now
  });

  it("the same burst over UDP (zk6) also shares one session", async () => {
    const sim = await sims.start({ profile: "zk6" });
    const d = createDispatcher();
    const dev = simTarget(sim);
    await Promise.all(Array.from({ length: 20 }, () => call(d, dev, "time.get")));
    await d.pool.idle();
    expect(named(sim.commandLog, CMD.connect)).toHaveLength(1);
    expect(named(sim.commandLog, CMD.getTime)).toHaveLength(20);
  });

  it("past the bound of waiters a request fails with DEVICE_BUSY and never reaches the terminal", async () => {
    const sim = await sims.start({ profile: "tft", latencyMs: 10 });
    const d = createDispatcher({ pool: new DevicePool({ maxWaiters: 2 }) });
    const dev = simTarget(sim);
    const results = await Promise.all(Array.from({ length: 5 }, () => codeOf(call(d, dev, "time.get"))));
    expect(results).toEqual([undefined, undefined, undefined, "DEVICE_BUSY", "DEVICE_BUSY"]);
    await d.pool.idle();
    expect(named(sim.commandLog, CMD.getTime)).toHaveLength(3);
  });

  it("a request whose deadline passes while it waits fails with DEVICE_BUSY and never runs", async () => {
    const sim = await sims.start({ profile: "tft", latencyMs: 20 });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const slow = call(d, dev, "users.delete", { user_id: "1002" }); // ~20 packets × 20 ms
    const hurried = codeOf(call(d, dev, "users.delete", { user_id: "1001" }, 50));
    expect(await hurried).toBe("DEVICE_BUSY");
    await slow;
    await d.pool.idle();
    expect(named(sim.commandLog, CMD.deleteUser)).toHaveLength(1);
    expect(sim.state.users().some((u) => u.userId === "1001")).toBe(true);
  });
});
