// The fault guarantees with live sessions on, as agents run by default (docs/events.md §4), on a TCP and a UDP
// terminal: a delete survives SIGKILL and SIGTERM of the agent and a gateway restart; a terminal that drops the
// connection, loses power or restarts mid-operation is never left disabled and its live session comes back registered
// for events; every punch made around each fault is stored exactly once.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CMD } from "../../agent/zk/codec";
import type { Simulator, SimData } from "../../agent/zk/sim";
import type { ZkDateTime } from "../../agent/zk/types";
import { waitFor } from "../../scripts/lib/api-client";
import { startTerminal, type TerminalSpec } from "../../scripts/lib/terminals";
import type { StoredEvent } from "../../shared/events";
import { allEvents, loggedPunches, punchKey } from "./harness/events";
import { startSystem, type System } from "./harness/system";

const PEOPLE = ["901", "902", "903", "904", "905", "906", "907", "908"];
const people = PEOPLE.map((id, i) => ({ userId: id, name: `Persona ${id}`, fingers: [i % 10, 5] }));

interface Terminal {
  id: string;
  transport: "tcp" | "udp";
  sim: TerminalSpec;
  /** What a connection cut mid-transfer looks like: TCP is reset, UDP just stops answering. */
  cutCode: string;
}
const TERMINALS: Terminal[] = [
  { id: "caja", transport: "tcp", sim: { profile: "tft", users: 5, records: 5, templates: 2, people }, cutCode: "DEVICE_DISCONNECTED" },
  { id: "puerta", transport: "udp", sim: { profile: "zk6", commKey: 1234, users: 5, records: 5, templates: 2, seed: 2, people }, cutCode: "DEVICE_TIMEOUT" },
];

let sys: System;

beforeAll(async () => {
  sys = await startSystem({
    site: "livefaults",
    terminals: Object.fromEntries(TERMINALS.map((t) => [t.id, { transport: t.transport, timeout: 1, sim: t.sim }])),
    agentEnv: { ZK_RELAY_LIVE: "1", ZK_RELAY_LIVE_KEEPALIVE_MS: "500", ZK_RELAY_LIVE_BACKOFF_MS: "200", ZK_RELAY_RESEND_MS: "1000" },
  });
}, 60_000);

afterAll(async () => {
  await sys?.close();
}, 60_000);

const pad = (n: number) => String(n).padStart(2, "0");
const fmt = (t: ZkDateTime) => `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
let punchNo = 0;

/** The terminal's memory as simulator data, so a "power-cycled" terminal comes back with what it had. */
function dataOf(s: Simulator): SimData {
  return {
    users: s.state.users().map((u) => ({ raw: Buffer.from(u.raw).toString("hex") })),
    attendance: s.state.attendance().map((a) => ({ uid: a.uid, userId: a.userId, time: fmt(a.time), status: a.status, punch: a.punch })),
    templates: s.state.templates().map((t) => ({ uid: t.uid, finger: t.finger, flag: t.flag, template: Buffer.from(t.template).toString("base64") })),
  };
}

type Fault = "SIGKILL" | "SIGTERM" | "gateway restart";
/** Where the terminal goes silent: before DELETE_USER (from DISABLE on) or after it (from REFRESHDATA on). */
type Step = "before DELETE_USER" | "after DELETE_USER";
const matrix: Array<[Fault, Step, string]> = [
  ["SIGKILL", "after DELETE_USER", "901"],
  ["SIGTERM", "after DELETE_USER", "902"],
  ["gateway restart", "after DELETE_USER", "903"],
  ["SIGKILL", "before DELETE_USER", "904"],
  ["SIGTERM", "before DELETE_USER", "905"],
];

describe.each(TERMINALS)("live sessions on, $id over $transport", ({ id, sim: spec, cutCode }) => {
  const sim = (): Simulator => sys.sims[id]!;

  /**
   * Waits until GET /events/devices shows the terminal's live session up, its log caught up at or after `since`
   * (epoch ms): a catch-up runs on every new session, after it registered for events (docs/events.md §4). The state
   * alone is not enough after a fault: the gateway keeps showing the last status it was sent.
   */
  async function waitLive(since = 0): Promise<void> {
    await waitFor(
      `the live session to ${id}, caught up`,
      async () => {
        const r = await sys.api.get("/events/devices");
        const w = (r.body.data as Array<{ device_id: string; state: string; caught_up_at?: string | null }>).find((d) => d.device_id === id);
        return w?.state === "live" && typeof w.caught_up_at === "string" && Date.parse(w.caught_up_at) >= since ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
  }

  /** A punch at the keypad (logged and sent live) by a generated user, at a time no other punch of this file has. */
  function punch(): string {
    const at = new Date(Date.UTC(2026, 0, 1, 8, 0, 0) + ++punchNo * 61_000);
    const time: ZkDateTime = { year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate(), hour: at.getUTCHours(), minute: at.getUTCMinutes(), second: at.getUTCSeconds() };
    const who = sim().state.users()[punchNo % 5]!;
    const rec = sim().emitAttendance({ uid: who.uid, userId: who.userId, time, status: 1, punch: punchNo % 2 });
    expect(rec).toBeDefined(); // an enabled terminal takes the punch
    return `${who.userId}|${fmt(time)}|1|${punchNo % 2}`;
  }

  /** Waits until every record of the terminal's log is stored, then checks each is stored once and seq has no gap. */
  async function everyPunchOnce(): Promise<StoredEvent[]> {
    const want = loggedPunches(sim());
    const events = await waitFor(
      "every punch of the terminal's log stored",
      async () => {
        const all = await allEvents(sys.api, `&device_id=${id}&type=attendance`);
        const stored = new Set(all.map(punchKey));
        return want.every((k) => stored.has(k)) ? all : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const keys = events.map(punchKey);
    expect(new Set(keys).size).toBe(keys.length); // none twice
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(keys.sort()).toEqual([...want].sort()); // nothing that is not in the log
    const seqs = (await allEvents(sys.api, `&device_id=${id}`)).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    return events;
  }

  /**
   * After a fault at `since`: the session is back and registered for events — a punch arrives live, not by a
   * catch-up. "now": without waiting, as the operation that met the fault answered only once the terminal was
   * enabled again, on a session that then carries the terminal's events (docs/architecture.md §4, docs/events.md §4).
   */
  async function punchArrivesLive(since: number | "now"): Promise<void> {
    if (since !== "now") await waitLive(since);
    const key = punch();
    const event = await waitFor(
      "the punch after the fault stored",
      async () => (await allEvents(sys.api, `&device_id=${id}&type=attendance`)).find((e) => punchKey(e) === key),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect({ key, catch_up: event.catch_up }).toEqual({ key, catch_up: false });
  }

  const userOf = (userId: string) => sim().state.users().find((u) => u.userId === userId);
  const fingersOf = (uid: number) =>
    sim()
      .state.templates()
      .filter((t) => t.uid === uid)
      .map((t) => ({ finger: t.finger, bytes: Buffer.from(t.template).toString("hex") }))
      .sort((a, b) => a.finger - b.finger);
  const seen = (command: number, from: number) => sim().commandLog.slice(from).some((e) => e.command === command);
  const present = (userId: string) => sim().state.users().some((u) => u.userId === userId);
  const deleted = (userId: string) => ({ success: true, message: `Usuario '${userId}' eliminado.` });

  /** After a fault: the next delete of `victim` goes through, the terminal stays enabled, every punch is there once. */
  async function nextDeleteSucceeds(victim: string): Promise<void> {
    const next = await sys.api.del(`/devices/${id}/users/${victim}`);
    expect([next.status, next.body]).toEqual([200, deleted(victim)]);
    expect(present(victim)).toBe(false);
    expect(sim().state.enabled).toBe(true);
    await everyPunchOnce();
  }

  // The durable-delete guarantees (docs/architecture.md §4), with the terminal's live session up and a punch in
  // flight at the fault.
  test.each(matrix)("%s %s: the user is present, or gone with a restorable snapshot; enabled; punches once", async (fault, step, userId) => {
    await waitLive();
    const from = sim().commandLog.length;
    const before = userOf(userId)!;
    const record = Buffer.from(before.raw).toString("hex");
    const templates = fingersOf(before.uid);
    const at = step === "before DELETE_USER" ? CMD.disableDevice : CMD.refreshData;
    const idem = { headers: { "Idempotency-Key": `live-fault-${id}-${userId}` } };
    punch(); // sent live right before the delete: the agent may be killed before the gateway stores it
    sim().faults.set({ kind: "silence", after: { command: at } });
    const faultAt = Date.now();
    try {
      const call = sys.api.del(`/devices/${id}/users/${userId}`, idem).catch((e: unknown) => e);
      await waitFor("the terminal to reach the step", async () => (seen(at, from) ? true : undefined), { timeoutMs: 10_000, intervalMs: 5 });
      const agent = sys.agent!;
      if (fault === "SIGKILL") await agent.kill();
      else if (fault === "SIGTERM") {
        agent.signal("SIGTERM");
        expect(await agent.exited).toBe(0); // drained: the in-flight delete ended (its terminal is silent), then exit 0
      } else await sys.gateway.restart();
      // Whatever the caller got, it is never a success the terminal did not see nor an INTERNAL error: a dropped
      // connection (the gateway restarted), the agent gone, the deadline passed, the silenced terminal's own error,
      // or the delete done.
      const answer = await call;
      if (!(answer instanceof Error)) {
        const got = answer as { status: number; body?: { code?: string } };
        if (got.status === 200) expect(present(userId)).toBe(false);
        else expect(["AGENT_OFFLINE", "RELAY_TIMEOUT", "DEVICE_TIMEOUT", "DEVICE_DISCONNECTED"], JSON.stringify(got.body)).toContain(got.body?.code);
      }
    } finally {
      sim().faults.set(null);
    }

    // The agent is back (restarted, or redialled by itself after the gateway restart).
    if (fault === "gateway restart") await sys.waitAgent(true, 20_000);
    else await sys.startAgent();
    await waitFor("the terminal enabled again", async () => (sim().state.enabled ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });

    if (present(userId)) {
      expect(seen(CMD.deleteUser, from)).toBe(step === "after DELETE_USER");
    } else {
      let listed: Array<{ user_id: string; snapshot_id: number; fingers: number }> = [];
      await waitFor("the snapshot in deleted-users", async () => {
        listed = (await sys.api.get(`/devices/${id}/deleted-users`)).body.data;
        return listed.some((d) => d.user_id === userId) ? true : undefined;
      }, { timeoutMs: 20_000, intervalMs: 100 });
      expect(listed.find((d) => d.user_id === userId)!.fingers).toBe(templates.length);
      // The retry of the caller's request replays the real outcome.
      const retry = await sys.api.del(`/devices/${id}/users/${userId}`, idem);
      expect([retry.status, retry.body]).toEqual([200, deleted(userId)]);
      const restored = await sys.api.post(`/devices/${id}/users/${userId}/restore`, {});
      expect(restored.status).toBe(200);
      const back = userOf(userId)!;
      expect(Buffer.from(back.raw).toString("hex")).toBe(record);
      expect(fingersOf(back.uid)).toEqual(templates);
    }
    if (step === "after DELETE_USER") expect(present(userId)).toBe(true); // deleted, then restored
    await punchArrivesLive(faultAt);
    await everyPunchOnce();
    expect(sim().state.enabled).toBe(true);
  }, 90_000);

  // A connection reset mid-operation (docs/architecture.md §4) on the live session: the worker re-enables on a fresh session, which is then the
  // live session, registered for events before the answer.
  test("the connection cut mid-transfer of a delete: the cut's error, re-enabled before the answer, live at once", async () => {
    await waitLive();
    const victim = "906";
    const from = sim().commandLog.length;
    punch();
    sim().faults.set({ kind: "reset-mid-transfer", after: { command: CMD.disableDevice }, once: true });
    const answer = await sys.api.del(`/devices/${id}/users/${victim}`).finally(() => sim().faults.set(null));
    expect([answer.status, answer.body.code]).toEqual([500, cutCode]);
    expect(present(victim)).toBe(true);
    expect(seen(CMD.disableDevice, from)).toBe(true);
    expect(sim().state.enabled).toBe(true); // re-enabled before the answer (docs/architecture.md §4)
    await punchArrivesLive("now");
    await nextDeleteSucceeds(victim);
  }, 60_000);

  // A terminal that loses power mid-delete (its sockets gone, nothing listening) and boots again on the same address.
  test("power lost mid-delete and back: nothing deleted, the session reconnects live, the next delete succeeds", async () => {
    await waitLive();
    const victim = "907";
    const old = sim();
    const from = old.commandLog.length;
    punch();
    old.faults.set({ kind: "silence", after: { command: CMD.disableDevice } });
    const faultAt = Date.now();
    const call = sys.api.del(`/devices/${id}/users/${victim}`);
    await waitFor("the delete's DISABLE", async () => (seen(CMD.disableDevice, from) ? true : undefined), { timeoutMs: 10_000, intervalMs: 5 });
    const data = dataOf(old);
    await old.close();
    await new Promise((r) => setTimeout(r, 300));
    sys.sims[id] = await startTerminal({ profile: spec.profile, commKey: spec.commKey, port: old.port, data });
    const answer = await call;
    expect(answer.status).toBe(500);
    expect(["DEVICE_TIMEOUT", "DEVICE_DISCONNECTED", "DEVICE_UNREACHABLE"]).toContain(answer.body.code);
    expect(present(victim)).toBe(true);
    await punchArrivesLive(faultAt);
    await nextDeleteSucceeds(victim);
  }, 60_000);

  // The terminal's own restart (docs/people.md §5) on its live session: the session drops, the terminal boots, and
  // the watcher's next session is registered for events again.
  test("restarted through the API: back, live again, the next delete succeeds", async () => {
    await waitLive();
    const victim = "908";
    punch();
    const faultAt = Date.now();
    const restart = await sys.api.post(`/devices/${id}/restart`, {});
    expect([restart.status, restart.body.data?.back]).toEqual([200, true]);
    await punchArrivesLive(faultAt);
    await nextDeleteSucceeds(victim);
  }, 60_000);
});

// One terminal under two registry names (docs/architecture.md §4), with the terminal watched: a job under the name with the wrong comm key needs a
// session of its own, so the live session is dropped for it; the terminal is still left enabled, and the watched
// name's session comes back registered for events.
test("live sessions on, one terminal under two names, one with a wrong comm key: deleted once, enabled, live again", async () => {
  const b1 = await startTerminal({ profile: "tft", users: 5, records: 5, templates: 2, commKey: 4321, people: [{ userId: "1008", name: "Ana", fingers: [1] }] });
  sys.sims.b1 = b1; // stopped with the system
  await sys.addDevice({ id: "b1", ip: "127.0.0.1", port: b1.port, transport: "tcp", password: 4321, timeout: 1 });
  await sys.addDevice({ id: "b1wrong", ip: "127.0.0.1", port: b1.port, transport: "tcp", password: 1, timeout: 1 });
  const status = async () => ((await sys.api.get("/events/devices")).body.data as Array<{ device_id: string; state: string; caught_up_at: string | null }>).find((d) => d.device_id === "b1");
  await waitFor("b1 watched and caught up", async () => ((await status())?.state === "live" ? true : undefined), { timeoutMs: 20_000, intervalMs: 50 });
  const faultAt = Date.now();
  const r = await sys.api.del("/users/1008?devices=b1,b1wrong");
  expect(r.status).toBe(207);
  const byDevice = Object.fromEntries(r.body.data.results.map((x: { device: string; status: string }) => [x.device, x.status]));
  expect(byDevice).toEqual({ b1: "deleted", b1wrong: "error" });
  expect(b1.state.users().some((u) => u.userId === "1008")).toBe(false);
  expect(b1.state.enabled).toBe(true);
  await waitFor("b1's session back and caught up", async () => {
    const s = await status();
    return s?.state === "live" && typeof s.caught_up_at === "string" && Date.parse(s.caught_up_at) >= faultAt ? true : undefined;
  }, { timeoutMs: 20_000, intervalMs: 50 });
  const who = b1.state.users()[0]!;
  const rec = b1.emitAttendance({ uid: who.uid, userId: who.userId, time: { year: 2026, month: 2, day: 1, hour: 9, minute: 0, second: 0 }, status: 1, punch: 0 });
  expect(rec).toBeDefined();
  const event = await waitFor("the punch stored", async () => (await allEvents(sys.api, "&device_id=b1&type=attendance")).find((e) => e.timestamp === "2026-02-01 09:00:00"), { timeoutMs: 20_000, intervalMs: 100 });
  expect(event.catch_up).toBe(false);
  const keys = (await allEvents(sys.api, "&device_id=b1&type=attendance")).map(punchKey);
  expect(keys.sort()).toEqual(loggedPunches(b1).sort()); // each once
  expect(b1.state.enabled).toBe(true);
}, 60_000);
