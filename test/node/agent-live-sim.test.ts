// The agent's live sessions against the simulator (TCP and UDP): catch-up import, live punches, ops on the same
// session, a dead session redialled, a cleared log, and a restart that resumes from the persisted cursor.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAgentCli } from "../../agent/cli/run";
import type { RelayLink } from "../../agent/relay/link";
import type { Simulator } from "../../agent/zk/sim";
import type { ZkAttendance } from "../../agent/zk/types";
import type { AgentEvent, EventsFrame, WatchStatus } from "../../shared/events";
import { startGatewayStub, type GatewayStub, type StubConnection } from "./agent-gateway-stub";
import { simTarget, simulators } from "./agent-sim-helpers";

const TOKEN = "zkr_site_live_0123456789";
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
const sims = simulators();
let stub: GatewayStub | undefined;
const agents: Array<{ link?: RelayLink; done: Promise<number> }> = [];

afterEach(async () => {
  for (const a of agents.splice(0)) {
    await a.link?.stop();
    await a.done;
  }
  await stub?.close();
  stub = undefined;
  await sims.closeAll();
});

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What the stub gateway received from the agent so far, acknowledging every batch as the SiteRelay would. */
class Received {
  readonly events: AgentEvent[] = [];
  readonly statuses: WatchStatus[] = [];
  private seen = new Set<string>();
  constructor(private readonly conns: () => StubConnection[]) {}
  poll(): this {
    for (const c of this.conns()) {
      for (const f of c.frames) {
        if (f.type !== "events") continue;
        const frame = f as unknown as EventsFrame;
        if (this.seen.has(frame.id)) continue;
        this.seen.add(frame.id);
        this.events.push(...frame.events);
        this.statuses.push(...(frame.status ?? []));
        c.send({ v: 1, type: "ack", id: frame.id });
      }
    }
    return this;
  }
  punches(catchUp?: boolean): AgentEvent[] {
    return this.poll().events.filter((e) => e.type === "attendance" && (catchUp === undefined || e.catch_up === catchUp));
  }
}

function newStateDir(): string {
  dirs.push(join(tmpdir(), `zk-relay-live-${process.pid}-${dirs.length}`));
  return dirs.at(-1)!;
}

/** Starts an agent in process against the stub; the stub answers its hello with a watch list of `sim`. */
async function startAgent(sim: Simulator, stateDir: string, conn: number, timeout?: number): Promise<{ link: RelayLink; c: StubConnection }> {
  stub ??= await startGatewayStub({ token: TOKEN });
  let link: RelayLink | undefined;
  const done = runAgentCli(["--gateway", stub.url, "--token", TOKEN, "--log-format", "json"], {
    env: { ZK_RELAY_STATE_DIR: stateDir, ZK_RELAY_LIVE_KEEPALIVE_MS: "150", ZK_RELAY_LIVE_BACKOFF_MS: "100" },
    write: () => {},
    handleSignals: false,
    onLink: (l) => (link = l),
  });
  const entry = { done, link: undefined as RelayLink | undefined };
  agents.push(entry);
  const c = await stub.connection(conn);
  await c.next((f) => f.type === "hello");
  c.send({ v: 1, type: "watch", devices: [simTarget(sim, timeout === undefined ? {} : { timeout })] });
  await until(() => link !== undefined, "the link");
  entry.link = link;
  return { link: link!, c };
}

const at = (second: number) => ({ year: 2026, month: 12, day: 4, hour: 10, minute: Math.floor(second / 60), second: second % 60 });
const key = (e: { user_id: string; timestamp: string; status?: number; punch?: number }) => `${e.user_id}|${e.timestamp}|${e.status}|${e.punch}`;

describe("live sessions: other events", () => {
  it("a terminal without realtime events still serves operations, and its punches arrive by catch-up", async () => {
    const sim = await sims.start({ profile: "tft", unsupportedCommands: [500] });
    const { c } = await startAgent(sim, newStateDir(), 0);
    const got = new Received(() => stub!.connections);
    const initial = sim.state.attendance().length;
    await until(() => got.punches(true).length >= initial, "the import");
    c.send({ v: 1, type: "request", id: crypto.randomUUID(), op: "users.list", device: simTarget(sim), args: {}, deadline: Date.now() + 10_000 });
    expect((await c.next((f) => f.type === "response")).ok).toBe(true);
    const u = sim.state.users()[0]!;
    sim.emitAttendance({ uid: u.uid, userId: u.userId, time: at(400), status: 1, punch: 0 });
    await until(() => got.punches(true).some((e) => e.timestamp === "2026-12-04 10:06:40"), "the punch, by catch-up");
    expect(got.punches(false)).toHaveLength(0);
  });

  it("reports a finger enrolled at the terminal (after its three rounds) as an enrollment event", async () => {
    const sim = await sims.start({ profile: "tft" });
    const { c } = await startAgent(sim, newStateDir(), 0);
    const got = new Received(() => stub!.connections);
    const initial = sim.state.attendance().length;
    await until(() => got.punches(true).length >= initial, "the import");
    const user = sim.state.users()[0]!;
    const finger = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((f) => !sim.state.templates().some((t) => t.uid === user.uid && t.finger === f))!;
    c.send({ v: 1, type: "request", id: crypto.randomUUID(), op: "users.enrollFinger", device: simTarget(sim), args: { user_id: user.userId, finger }, deadline: Date.now() + 10_000 });
    expect((await c.next((f) => f.type === "response")).ok).toBe(true);
    await until(() => got.poll().events.some((e) => e.type === "enrollment"), "the enrollment event");
    const e = got.events.find((x) => x.type === "enrollment")!;
    expect(e).toMatchObject({ device_id: "principal", user_id: user.userId, verify: { result: "ok", finger }, catch_up: false });
  });
});

for (const profile of ["tft", "zk6"] as const) {
  describe(`live sessions, ${profile} over ${profile === "tft" ? "TCP" : "UDP"}`, () => {
    it("imports the log once, then sends live punches; operations share the one session", async () => {
      const sim = await sims.start({ profile });
      const initial = sim.state.attendance().length;
      expect(initial).toBeGreaterThan(0);
      const { c } = await startAgent(sim, newStateDir(), 0);
      const got = new Received(() => stub!.connections);
      await until(() => got.punches(true).length >= initial, "the log imported as catch-up");
      expect(got.punches(true)).toHaveLength(initial);
      await until(() => got.statuses.some((s) => s.state === "live" && s.log_records === initial), "a live status");

      const users = sim.state.users();
      const made: ZkAttendance[] = [];
      for (let i = 0; i < 5; i++) {
        const u = users[i % users.length]!;
        const rec = sim.emitAttendance({ uid: u.uid, userId: u.userId, time: at(i), status: 1, punch: i % 2 });
        expect(rec).toBeDefined();
        made.push(rec!);
        await new Promise((r) => setTimeout(r, 30));
      }
      await until(() => got.punches(false).length >= 5, "five live punches");
      expect(got.punches(false).map((e) => e.user_id)).toEqual(made.map((m) => m.userId || users.find((u) => u.uid === m.uid)!.userId));
      expect(got.punches(false)[0]).toMatchObject({ device_id: "principal", timestamp: "2026-12-04 10:00:00", status: 1, punch: 0 });

      // An operation of the HTTP API runs on the watched terminal's session, not on a second one.
      const sessionsBefore = sim.state.sessions;
      c.send({ v: 1, type: "request", id: crypto.randomUUID(), op: "users.list", device: simTarget(sim), args: {}, deadline: Date.now() + 10_000 });
      const answer = await c.next((f) => f.type === "response");
      expect(answer.ok).toBe(true);
      expect(sim.state.sessions).toBe(sessionsBefore);
      if (profile === "tft") expect(sim.state.sessions).toBe(1);
    });

    it("redials a dead session with backoff and catches up what happened meanwhile, marked catch_up", async () => {
      const sim = await sims.start({ profile });
      await startAgent(sim, newStateDir(), 0);
      const got = new Received(() => stub!.connections);
      const initial = sim.state.attendance().length;
      await until(() => got.punches(true).length >= initial, "the import");
      sim.faults.set({ kind: "silence" });
      await until(() => got.poll().statuses.some((s) => s.state === "connecting"), "the dead session noticed");
      // Punches while nobody listens: only the log has them.
      const users = sim.state.users();
      const missed = [0, 1, 2].map((i) => ({ uid: users[i]!.uid, userId: users[i]!.userId, time: at(100 + i), status: 15, punch: 1 }));
      for (const m of missed) sim.addAttendance(m);
      sim.faults.set(null);
      await until(() => got.punches(true).length >= initial + 3, "the missed punches caught up");
      const caught = got.punches(true).slice(initial);
      expect(caught.map((e) => e.timestamp)).toEqual(["2026-12-04 10:01:40", "2026-12-04 10:01:41", "2026-12-04 10:01:42"]);
      expect(got.poll().statuses.at(-1)?.state).toBe("live");
    });

    it("reports a cleared log and emits what the new log holds, never a record twice", async () => {
      const sim = await sims.start({ profile });
      await startAgent(sim, newStateDir(), 0);
      const got = new Received(() => stub!.connections);
      const initial = sim.state.attendance().length;
      await until(() => got.punches(true).length >= initial, "the import");
      const u = sim.state.users()[0]!;
      sim.emitAttendance({ uid: u.uid, userId: u.userId, time: at(200), status: 1, punch: 0 });
      await until(() => got.punches(false).length >= 1, "a live punch");
      sim.clearAttendance();
      sim.addAttendance({ uid: u.uid, userId: u.userId, time: at(201), status: 1, punch: 1 });
      await until(() => got.poll().statuses.some((s) => s.log_reset !== undefined), "the reset reported");
      const reset = got.statuses.find((s) => s.log_reset)!.log_reset!;
      // `previous` is the cursor: the import, plus the live punch once a keep-alive counted it in.
      expect(reset.now).toBe(1);
      expect([initial, initial + 1]).toContain(reset.previous);
      await until(() => got.punches().some((e) => e.timestamp === "2026-12-04 10:03:21"), "the new log's record");
      const keys = got.punches().map(key);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it("resumes from the persisted cursor after a restart: only what was punched meanwhile, marked catch_up", async () => {
      const sim = await sims.start({ profile });
      const dir = newStateDir();
      const first = await startAgent(sim, dir, 0);
      const got = new Received(() => stub!.connections);
      const initial = sim.state.attendance().length;
      await until(() => got.punches(true).length >= initial, "the import");
      await first.link.stop();
      await agents.shift()!.done;
      const u = sim.state.users()[1]!;
      sim.emitAttendance({ uid: u.uid, userId: u.userId, time: at(300), status: 1, punch: 0 });
      sim.emitAttendance({ uid: u.uid, userId: u.userId, time: at(301), status: 1, punch: 1 });
      await startAgent(sim, dir, 1);
      await until(() => got.punches(true).length >= initial + 2, "the two punches made while the agent was down");
      await new Promise((r) => setTimeout(r, 400));
      expect(got.punches(true)).toHaveLength(initial + 2);
      expect(got.punches(true).slice(initial).map((e) => e.timestamp)).toEqual(["2026-12-04 10:05:00", "2026-12-04 10:05:01"]);
    });
  });
}

describe("live sessions and a large log", () => {
  it("a keep-alive waiting behind a long read waits for it: the session is not taken for dead, the log not imported again", { timeout: 90_000 }, async () => {
    // 25,000 records over a slow link read in longer than a keep-alive's budget at timeout 0.4 s (4 × 0.4 s + 2 s,
    // docs/relay.md §4); keep-alives are due every 150 ms.
    const sim = await sims.start({ profile: "zk6", data: undefined, users: 40, records: 25_000, templates: 0, latencyMs: 10 });
    const target = simTarget(sim, { timeout: 0.4 });
    const { c } = await startAgent(sim, newStateDir(), 0, 0.4);
    const got = new Received(() => stub!.connections);
    await until(() => got.punches(true).length >= 25_000, "the import", 60_000);
    const reads = () => sim.commandLog.filter((e) => e.name === "CMD_PREPARE_BUFFER").length;
    const readsBefore = reads();
    const id = crypto.randomUUID();
    c.send({ v: 1, type: "request", id, op: "attendance.list", device: target, args: {}, deadline: Date.now() + 60_000 });
    const response = await c.next((f) => f.type === "response" && f.id === id, 60_000);
    expect(response.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 600)); // a few keep-alive rounds
    expect(got.poll().statuses.filter((st) => st.state === "connecting")).toEqual([]);
    // The request's own reads only (the log, and the user table for 16-byte records): no second import.
    expect(reads() - readsBefore).toBeLessThanOrEqual(2);
  });
});
