// The delete flow with a fault injected at every step: the terminal ends enabled, the user fully present or fully gone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fault, SimProfile, Simulator } from "../../agent/zk/sim";
import { OPS, UserSnapshot } from "../../shared/ops";
import { createLogger } from "../../agent/log";
import { call, createDispatcher, sampleData, simTarget, simulators } from "./agent-sim-helpers";

const sims = simulators();
afterAll(() => sims.closeAll());

const VICTIM = { uid: 2, userId: "1002" };

function snapshotOf(sim: Simulator) {
  const user = sim.state.users().find((u) => u.uid === VICTIM.uid && u.userId === VICTIM.userId);
  const templates = sim.state
    .templates()
    .filter((t) => t.uid === VICTIM.uid)
    .map((t) => `${t.finger}:${t.flag}:${Buffer.from(t.template).toString("hex")}`)
    .sort();
  return { raw: user ? Buffer.from(user.raw).toString("hex") : undefined, templates };
}

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** The commands a clean delete sends, in order (CONNECT … EXIT), learned from a reference run. */
async function cleanFlow(profile: SimProfile, templates: number): Promise<string[]> {
  const sim = await sims.start({ profile, data: dataFor(templates) });
  const d = createDispatcher();
  await call(d, simTarget(sim), "users.delete", { user_id: VICTIM.userId });
  await d.pool.idle();
  return sim.commandLog.map((c) => c.name);
}

const dataFor = (extra: number) => sampleData(extra);

const KINDS: Array<Fault["kind"]> = ["silence", "garbage"];
/** Cases run side by side; bounded so a loaded CI machine does not turn load into spurious timeouts. */
const BATCH = 8;

describe.each([
  ["tft", 0, "TCP, bulk template read"],
  ["tft", 60, "TCP, single template reads"],
  ["zk6", 0, "UDP"],
] as const)("users.delete on %s with %i extra templates (%s): a fault at every step", (profile, extra, _label) => {
  let flow: string[] = [];
  beforeAll(async () => {
    flow = await cleanFlow(profile, extra);
  });

  it("the reference flow is the seed's", () => {
    const core = flow.filter((n) => /DISABLE|DELETE_USER$|ENABLE|CONNECT|EXIT/.test(n));
    expect(core).toEqual(["CMD_CONNECT", "CMD_DISABLE_DEVICE", "CMD_DELETE_USER", "CMD_ENABLE_DEVICE", "CMD_EXIT"]);
  });

  it.concurrent.each(KINDS)("%s at each step", async (kind) => {
    // Several steps at once, one simulator each: the silent ones each cost a per-packet timeout.
    const cases: Array<Awaited<ReturnType<typeof faultAt>>> = [];
    for (let first = 0; first < flow.length; first += BATCH) {
      const steps = flow.slice(first, first + BATCH).map((_, i) => first + i);
      cases.push(...(await Promise.all(steps.map((step) => faultAt(profile, extra, kind, step)))));
    }
    for (const c of cases) c.check();
  });
});

async function faultAt(profile: SimProfile, extra: number, kind: Fault["kind"], step: number) {
  const sim = await sims.start({ profile, data: dataFor(extra) });
  const before = snapshotOf(sim);
  sim.faults.set({ kind, after: { count: step }, once: true });
  const lines: string[] = [];
  const d = createDispatcher({ logger: createLogger({ format: "json", level: "debug", write: (l) => lines.push(l) }) });
  const dev = simTarget(sim, { timeout: 0.4 });
  const outcome = await call(d, dev, "users.delete", { user_id: VICTIM.userId }).then(
    (r) => ({ ok: true as const, r }),
    (e: { code?: string; details?: Record<string, unknown> }) => ({ ok: false as const, code: e.code, details: e.details }),
  );
  await d.pool.idle();
  const enabled = sim.state.enabled;
  const after = snapshotOf(sim);
  // TCP sessions end with the socket; a UDP session whose EXIT was lost stays on the terminal until it expires.
  const closed = profile === "tft" ? await waitFor(() => sim.state.sessions === 0) : true;
  await sim.close();
  const name = sim.commandLog[step]?.name ?? "?";
  return {
    check() {
      const where = `${kind} at step ${step} (${name}) → ${outcome.ok ? "ok" : outcome.code} ${lines.join("")} ${sim.commandLog.map((c) => c.name)}`;
      expect(enabled, where).toBe(true);
      if (after.raw !== undefined) {
        expect(after, `${where}: user present, so fully`).toEqual(before);
        expect(outcome.ok, `${where}: a present user cannot be reported deleted`).toBe(false);
      } else {
        expect(after.templates, `${where}: user gone, so fully`).toEqual([]);
        // The undo property: a deleted user's snapshot must reach the gateway — in the answer, or (outcome unknown
        // to the agent) in the error's details.
        const carried = outcome.ok ? outcome.r.snapshot : outcome.details?.snapshot;
        expect(carried, `${where}: user gone, but no snapshot to restore from`).toBeDefined();
        const snap = UserSnapshot.parse(carried);
        expect(Buffer.from(snap.record, "base64").toString("hex"), `${where}: snapshot record`).toBe(before.raw);
        // Finger and bytes (a single-template read carries no flag, templates.ts; the bulk read's flags are pinned in agent-ops-sim).
        const fingers = snap.templates.map((t) => `${t.finger}:${Buffer.from(t.template, "base64").toString("hex")}`).sort();
        expect(fingers, `${where}: snapshot templates`).toEqual(before.templates.map((t) => t.replace(/:\d+:/, ":")).sort());
      }
      if (outcome.ok) expect(() => OPS["users.delete"].result.parse(outcome.r), where).not.toThrow();
      else expect(outcome.code, where).toMatch(/^(DEVICE_|PROTOCOL_ERROR)/);
      expect(closed, `${where}: TCP session left open`).toBe(true);
    },
  };
}
