// `--punch-every`: timed random punches reach a registered client as realtime events in every event form, and the log.
import { afterAll, describe, expect, it } from "vitest";
import { connectZk, type ZkClient } from "../../agent/zk";
import { decodeEvent } from "../../agent/zk/codec";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../agent/zk/sim";
import type { ZkAttendance } from "../../agent/zk/types";
import { parseSimArgs } from "../../agent/zk/sim/cli";

const open: Array<{ sim: Simulator; client?: ZkClient }> = [];
afterAll(async () => {
  for (const o of open) {
    await o.client?.close();
    await o.sim.close();
  }
});

/** Punches received live by a client subscribed to attendance events, until `n` arrived. */
async function livePunches(opts: SimulatorOptions, transport: "tcp" | "udp", n: number): Promise<{ sim: Simulator; got: ZkAttendance[] }> {
  const sim = await startSimulator({ users: 5, records: 0, templates: 0, punchEverySec: 0.03, ...opts });
  const client = (await connectZk({ host: "127.0.0.1", port: sim.port, transport, timeoutMs: 2000 })) as ZkClient;
  open.push({ sim, client });
  const got: ZkAttendance[] = [];
  const done = new Promise<void>((resolve) => {
    client.onEvent((p) => {
      const e = decodeEvent(p);
      if (e.kind === "attLog") got.push(e.record);
      if (got.length >= n) resolve();
    });
  });
  await client.regEvent(1);
  await done;
  return { sim, got };
}

describe("simulator --punch-every", () => {
  for (const [profile, transport, form] of [
    ["tft", "tcp", 36],
    ["tft", "tcp", 32],
    ["tft", "tcp", 37],
    ["tft", "udp", 52],
    ["zk6", "udp", 10],
    ["zk6", "udp", 12],
    ["zk6", "udp", 14],
  ] as const) {
    it(`${profile} over ${transport}, ${form}-byte events: each live punch is also in the log`, async () => {
      const { sim, got } = await livePunches({ profile, eventForm: form }, transport, 4);
      const log = sim.state.attendance();
      const users = new Map(sim.state.users().map((u) => [u.uid, u.userId]));
      for (const e of got.slice(0, 4)) {
        const same = log.filter((r) => sameTime(r, e) && r.status === e.status && r.punch === e.punch);
        expect(same.length).toBeGreaterThan(0);
        // uid-only forms (10, 14) name the person by uid; the others by user_id.
        const userId = e.userId || users.get(e.uid);
        expect(same.some((r) => (r.userId || users.get(r.uid)) === userId)).toBe(true);
      }
      expect(sim.punches).toBeGreaterThanOrEqual(4);
    });
  }

  it("does not punch while the terminal is disabled", async () => {
    const sim = await startSimulator({ users: 3, records: 0, templates: 0, punchEverySec: 0.01 });
    open.push({ sim });
    sim.setEnabled(false);
    const before = sim.state.attendance().length;
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.state.attendance().length).toBe(before);
    sim.setEnabled(true);
    const deadline = Date.now() + 5000;
    while (sim.state.attendance().length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(sim.state.attendance().length).toBeGreaterThan(before);
  });

  it("takes --punch-every and --event-form on the command line, and refuses bad values", () => {
    expect(parseSimArgs(["--punch-every", "10", "--event-form", "14"])).toMatchObject({ punchEverySec: 10, eventForm: 14 });
    expect(() => parseSimArgs(["--punch-every", "soon"])).toThrow(/punch-every/);
    expect(() => parseSimArgs(["--event-form", "20"])).toThrow(/event-form/);
  });
});

function sameTime(a: ZkAttendance, b: ZkAttendance): boolean {
  return JSON.stringify(a.time) === JSON.stringify(b.time);
}
