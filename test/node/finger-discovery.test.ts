// The cheap ways of finding a user's fingers (bulk table, pipelined single reads) find exactly what ten plain single
// reads find, on both simulator profiles, on a terminal that answers pipelined requests out of order, and on firmware
// whose DELETE_USER keeps the templates; the published clients see the same terminal either way.
import { describe, expect, it } from "vitest";
import { readUserTemplates } from "../../agent/ops/templates";
import { CMD } from "../../agent/zk/codec";
import { connectZk, type ZkClient } from "../../agent/zk/client";
import type { Simulator, SimulatorOptions } from "../../agent/zk/sim";
import type { ZkTemplate } from "../../agent/zk/types";
import { call, createDispatcher, HOST, simTarget, simulators } from "./agent-sim-helpers";
import { publishedClients, requireCjs, tftUserRow, type ClientClass } from "./sim-fidelity-helpers";

const sims = simulators();
const clients = publishedClients();

/** Generated terminal: 40 people, 90 fingers (every one a first finger, then second and third ones), flags 1 and 3. */
const DATA: SimulatorOptions = { data: undefined, users: 40, templates: 90, records: 10, seed: 7 };

const shape = (list: readonly ZkTemplate[]) => list.map((t) => [t.uid, t.finger, Buffer.from(t.template).toString("hex")]);

async function open(sim: Simulator, transport: "tcp" | "udp" = "tcp"): Promise<ZkClient> {
  return connectZk({ host: HOST, port: sim.port, transport, timeoutMs: 2000 });
}

/** The slow path: ten GET_USERTEMP, one at a time. */
async function slow(client: ZkClient, uid: number): Promise<ZkTemplate[]> {
  const out: ZkTemplate[] = [];
  for (let finger = 0; finger < 10; finger++) {
    const t = await client.getTemplate(uid, finger);
    if (t) out.push(t);
  }
  return out;
}

const stored = (sim: Simulator, uid: number) => sim.state.templates().filter((t) => t.uid === uid).sort((a, b) => a.finger - b.finger);

describe.each([
  ["tft", "tcp"],
  ["zk6", "udp"],
] as const)("every user of a %s terminal over %s", (profile, transport) => {
  it("bulk, pipelined/batched single reads and the slow path find the same fingers, with the same bytes, as the terminal holds", async () => {
    const sim = await sims.start({ profile, ...DATA });
    const client = await open(sim, transport);
    try {
      await client.disable();
      const users = await client.getUsers();
      expect(users.length).toBe(40);
      const sizes = await client.freeSizes();
      let withFingers = 0;
      for (const u of users) {
        const want = stored(sim, u.uid);
        if (want.length > 0) withFingers++;
        const viaSlow = await slow(client, u.uid);
        // Forced choices: a burst big enough that the bulk table wins, and one user alone on a big terminal.
        const viaBulk = await readUserTemplates(client, u.uid, { fingers: sizes.fingers, users: sizes.users, burst: 1000 });
        const viaSingles = await readUserTemplates(client, u.uid, { fingers: 1_000_000, users: 100_000, burst: 1 });
        expect(shape(viaSlow)).toEqual(shape(want));
        expect(shape(viaBulk)).toEqual(shape(want));
        expect(shape(viaSingles)).toEqual(shape(want));
        // The bulk table also carries each finger's flag (a duress finger stays one).
        expect(viaBulk.map((t) => t.flag)).toEqual(want.map((t) => t.flag));
      }
      expect(withFingers).toBe(40);
      // Over TCP the single reads were pipelined, and the terminal answered in order; UDP never pipelines.
      expect(client.templatePipelining).toBe(profile === "tft" ? "in-order" : "unknown");
    } finally {
      await client.enable();
      await client.close();
    }
  });
});

describe("firmware without the single-template read (command 88)", () => {
  it("the single-read path falls back to the bulk table and still finds every finger", async () => {
    const sim = await sims.start({ profile: "tft", unsupportedCommands: [CMD.getUserTemp], ...DATA });
    const client = await open(sim);
    try {
      for (const u of (await client.getUsers()).slice(0, 5)) {
        const viaSingles = await readUserTemplates(client, u.uid, { fingers: 1_000_000, users: 100_000, burst: 1 });
        expect(shape(viaSingles)).toEqual(shape(stored(sim, u.uid)));
      }
    } finally {
      await client.close();
    }
  });
});

describe("a terminal that answers pipelined requests out of order", () => {
  it("is detected on the first batch, which is read again one request at a time; later reads are never pipelined", async () => {
    const sim = await sims.start({ profile: "tft", answerOrder: "reversed", ...DATA });
    const client = await open(sim);
    try {
      const users = await client.getUsers();
      const [first, second] = users.filter((u) => stored(sim, u.uid).length >= 2);
      const log0 = sim.commandLog.length;
      expect(shape(await client.getUserTemplates(first!.uid))).toEqual(shape(stored(sim, first!.uid)));
      expect(client.templatePipelining).toBe("off");
      // Ten pipelined requests (answered last first), then the same ten alone.
      expect(sim.commandLog.slice(log0).filter((c) => c.command === CMD.getUserTemp)).toHaveLength(20);
      const log1 = sim.commandLog.length;
      expect(shape(await client.getUserTemplates(second!.uid))).toEqual(shape(stored(sim, second!.uid)));
      expect(sim.commandLog.slice(log1).filter((c) => c.command === CMD.getUserTemp)).toHaveLength(10);
      // Sent one at a time: this terminal holds each request for its reorder window (3 ms) before answering, so
      // requests sent one after the other's answer are served at least that far apart (a batch: microseconds).
      const at = sim.commandLog.slice(log1).map((c) => c.at);
      expect(at.slice(1).every((t, i) => t - at[i]! >= 1)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("a whole delete and restore through the agent still keep every finger", async () => {
    const sim = await sims.start({ profile: "tft", answerOrder: "reversed", data: undefined, users: 300, templates: 600, seed: 3 });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const victim = sim.state.users().find((u) => stored(sim, u.uid).length === 2)!;
    const before = shape(stored(sim, victim.uid));
    const { snapshot } = await call(d, dev, "users.delete", { user_id: victim.userId });
    expect(snapshot.templates.map((t) => t.finger)).toEqual(before.map(([, f]) => f));
    expect(stored(sim, victim.uid)).toEqual([]);
    await call(d, dev, "users.restore", { snapshot });
    expect(shape(stored(sim, victim.uid))).toEqual(before);
    await d.pool.idle();
  });
});

describe("the clean-up after DELETE_USER is observed, not assumed", () => {
  it.each([false, true])("deleteUserKeepsTemplates=%s: no template survives the delete, and DELETE_USERTEMP is sent only when needed", async (keeps) => {
    const sim = await sims.start({ profile: "tft", deleteUserKeepsTemplates: keeps, ...DATA });
    const d = createDispatcher();
    const dev = simTarget(sim);
    const victim = sim.state.users().find((u) => stored(sim, u.uid).length >= 2)!;
    const fingers = stored(sim, victim.uid).length;
    const total = sim.state.templates().length;
    const log0 = sim.commandLog.length;
    await call(d, dev, "users.delete", { user_id: victim.userId });
    await d.pool.idle();
    expect(stored(sim, victim.uid)).toEqual([]);
    expect(sim.state.templates()).toHaveLength(total - fingers);
    const sent = sim.commandLog.slice(log0).filter((c) => c.command === CMD.deleteUserTemp);
    expect(sent).toHaveLength(keeps ? fingers : 0);
  });
});

describe("what the published clients see", () => {
  const ZKLib = requireCjs("node-zklib") as ClientClass;
  const ZktecoJs = requireCjs("zkteco-js") as ClientClass;

  it("after a delete (cheap path) and its restore, node-zklib and zkteco-js read the same users as before", async () => {
    const sim = await sims.start({ profile: "tft", ...DATA });
    const rows = () => sim.state.users().map(tftUserRow);
    const readAll = async () => {
      const viaNodeZklib = (await (await clients.create(ZKLib, sim)).getUsers()).data;
      await clients.closeAll();
      const viaZktecoJs = (await (await clients.create(ZktecoJs, sim)).getUsers()).data;
      await clients.closeAll();
      return { viaNodeZklib, viaZktecoJs };
    };
    const before = await readAll();
    expect(before.viaNodeZklib).toEqual(rows());
    const templatesBefore = shape(sim.state.templates().sort((a, b) => a.uid - b.uid || a.finger - b.finger));
    const d = createDispatcher();
    const dev = simTarget(sim);
    const victims = sim.state.users().slice(0, 3);
    // Three queued deletes: one session, one template table read for the three.
    const snaps = await Promise.all(victims.map((v) => call(d, dev, "users.delete", { user_id: v.userId })));
    await d.pool.idle();
    const during = await readAll();
    expect(during.viaNodeZklib.map((u: { userId: string }) => u.userId)).not.toContain(victims[0]!.userId);
    expect(during.viaNodeZklib).toHaveLength(before.viaNodeZklib.length - 3);
    for (const { snapshot } of snaps) await call(d, dev, "users.restore", { snapshot });
    await d.pool.idle();
    const after = await readAll();
    const byUid = (list: Array<{ uid: number }>) => [...list].sort((a, b) => a.uid - b.uid);
    expect(byUid(after.viaNodeZklib)).toEqual(byUid(before.viaNodeZklib));
    expect(byUid(after.viaZktecoJs)).toEqual(byUid(before.viaZktecoJs));
    expect(shape(sim.state.templates().sort((a, b) => a.uid - b.uid || a.finger - b.finger))).toEqual(templatesBefore);
  });
});
