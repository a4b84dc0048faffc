// Firmware without the single-template read (command 88 answered ACK_UNKNOWN): fingers and delete fall back to the bulk read.
import { afterEach, describe, expect, it } from "vitest";
import { CMD } from "../../agent/zk/codec";
import { call, createDispatcher, simTarget, simulators } from "./agent-sim-helpers";

const sims = simulators();
afterEach(() => sims.closeAll());

describe.each(["tft", "zk6"] as const)("a %s terminal without command 88", (profile) => {
  // Over UDP (and on big tables) readUserTemplates asks finger by finger with command 88 (agent/ops/templates.ts).
  const over = { transport: "udp" as const };

  it("users.fingers lists the fingers from the bulk table, read once for ten fingers", async () => {
    const sim = await sims.start({ profile, unsupportedCommands: [CMD.getUserTemp] });
    const d = createDispatcher();
    const fingers = await call(d, simTarget(sim, over), "users.fingers", { user_id: "1002" });
    expect(fingers.fingers.map((f) => f.finger)).toEqual([0, 6]);
    expect(fingers.fingers.map((f) => f.size)).toEqual([1210, 980]);
    const log = sim.commandLog.map((c) => c.command);
    expect(log.filter((c) => c === CMD.getUserTemp)).toHaveLength(1); // asked once, learnt the answer
    expect(log.filter((c) => c === CMD.prepareBuffer)).toHaveLength(2); // users, then templates once
    await d.pool.idle();
  });

  it("users.delete takes its snapshot (both fingers, duress flag kept) and removes the user", async () => {
    const sim = await sims.start({ profile, unsupportedCommands: [CMD.getUserTemp] });
    const d = createDispatcher();
    const dev = simTarget(sim, over);
    const deleted = await call(d, dev, "users.delete", { user_id: "1002" });
    expect(deleted.snapshot.templates.map((t) => [t.finger, t.flag])).toEqual([
      [0, 1],
      [6, 3],
    ]);
    expect(sim.state.users().some((u) => u.userId === "1002")).toBe(false);
    const restored = await call(d, dev, "users.restore", { snapshot: deleted.snapshot });
    expect(restored.fingers).toBe(2);
    expect(sim.state.templates().filter((t) => t.uid === 2).map((t) => t.finger).sort()).toEqual([0, 6]);
    await d.pool.idle();
    expect(sim.state.enabled).toBe(true);
  });
});
