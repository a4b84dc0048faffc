// Per-terminal queues over an in-memory session: FIFO, no overlap, bound, deadlines, session reuse and recovery.
import { describe, expect, it } from "vitest";
import { DevicePool, terminalKey } from "../../agent/devices/pool";
import { leavesSessionUsable, sessionFailed, trackSession } from "../../agent/devices/tracked-session";
import type { SessionFactory } from "../../agent/devices/session-factory";
import { CodedError, FakeSession, FakeTerminal, target } from "./agent-fake-session";

const far = () => Date.now() + 10_000;

/** Routes targets to fake terminals by port. */
function poolFor(terminals: Record<number, FakeTerminal>, maxWaiters?: number) {
  const factory: SessionFactory = (t) => terminals[t.port]!.factory()(t);
  return new DevicePool({ sessionFactory: factory, maxWaiters });
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe("terminalKey", () => {
  it("keys by address, so two registry names for one terminal share a queue", () => {
    expect(terminalKey(target({ id: "a" }))).toBe(terminalKey(target({ id: "b", transport: "udp" })));
    expect(terminalKey({ ip: "FE80::1", port: 4370 })).toBe("[fe80::1]:4370");
    expect(terminalKey({ ip: "127.0.0.1", port: 4371 })).not.toBe(terminalKey({ ip: "127.0.0.1", port: 4370 }));
  });
});

describe("DevicePool", () => {
  it("runs jobs on one terminal in FIFO order, never overlapping, on one shared session", async () => {
    const t = new FakeTerminal();
    t.delayMs = 5;
    const pool = poolFor({ 4370: t });
    const order: number[] = [];
    const jobs = Array.from({ length: 20 }, (_, i) =>
      pool.run(target({ id: i % 2 ? "principal" : "alias" }), far(), async (s) => {
        order.push(i);
        await s.getTime();
        return i;
      }),
    );
    expect(await Promise.all(jobs)).toEqual(order);
    expect(order).toEqual([...Array(20).keys()]);
    expect(t.connects).toBe(1); // a burst of 20 = one CONNECT
    expect(t.maxOpenSessions).toBe(1);
    const getTimes = t.calls.filter((c) => c.name === "getTime");
    for (let i = 1; i < getTimes.length; i++) expect(getTimes[i]!.start).toBeGreaterThanOrEqual(getTimes[i - 1]!.end!);
    await pool.idle();
    expect(t.openSessions).toBe(0); // closed as soon as the queue emptied
    expect(t.callNames().at(-1)).toBe("close");
  });

  it("runs different terminals in parallel", async () => {
    const a = new FakeTerminal();
    const b = new FakeTerminal();
    a.delayMs = b.delayMs = 30;
    const pool = poolFor({ 4370: a, 4371: b });
    await Promise.all([
      pool.run(target({ port: 4370 }), far(), (s) => s.getTime()),
      pool.run(target({ port: 4371 }), far(), (s) => s.getTime()),
    ]);
    const ta = a.calls.find((c) => c.name === "getTime")!;
    const tb = b.calls.find((c) => c.name === "getTime")!;
    // Overlap: each started before the other ended.
    expect(ta.start).toBeLessThan(tb.end!);
    expect(tb.start).toBeLessThan(ta.end!);
  });

  it("fails with DEVICE_BUSY past the bound of waiters, and the refused job never runs", async () => {
    const t = new FakeTerminal();
    t.delayMs = 20;
    const pool = poolFor({ 4370: t }, 2);
    const ran: number[] = [];
    const run = (i: number) => pool.run(target(), far(), async (s) => void (await s.getTime(), ran.push(i)));
    const first = run(0); // running (connecting)
    const waiting = [run(1), run(2)];
    expect(await code(run(3))).toBe("DEVICE_BUSY");
    await Promise.all([first, ...waiting]);
    await pool.idle();
    expect(ran).toEqual([0, 1, 2]);
  });

  it("fails a waiting job at its deadline with DEVICE_BUSY and never runs it later", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    let release!: () => void;
    const blocker = pool.run(target(), far(), () => new Promise<void>((r) => (release = r)));
    let lateRan = false;
    const late = pool.run(target(), Date.now() + 30, async () => void (lateRan = true));
    // Settles while the blocker still holds the terminal: failed at its deadline, not when its turn came.
    expect(await code(late)).toBe("DEVICE_BUSY");
    release();
    await blocker;
    await pool.idle();
    expect(lateRan).toBe(false);
  });

  it("rejects a job whose deadline already passed without connecting", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    expect(await code(pool.run(target(), Date.now() - 1, async () => 1))).toBe("DEVICE_BUSY");
    expect(t.connects).toBe(0);
  });

  it("discards a failed session and reconnects for the next job", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    t.failHook = (name) => (name === "getUsers" ? new CodedError("DEVICE_TIMEOUT", "no answer") : undefined);
    const a = pool.run(target(), far(), (s) => s.getUsers());
    const b = pool.run(target(), far(), (s) => s.getTime());
    expect(await code(a)).toBe("DEVICE_TIMEOUT");
    await b;
    expect(t.connects).toBe(2);
    const sessions = new Set(t.calls.filter((c) => c.name === "getUsers" || c.name === "getTime").map((c) => c.session));
    expect(sessions.size).toBe(2);
  });

  it("keeps the session after an error the terminal answered (USER_NOT_FOUND, DEVICE_REJECTED)", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    const a = pool.run(target(), far(), (s) => s.deleteUser(999)); // DEVICE_REJECTED from the fake
    const b = pool.run(target(), far(), (s) => s.getTime());
    expect(await code(a)).toBe("DEVICE_REJECTED");
    await b;
    expect(t.connects).toBe(1);
  });

  it("re-enables the terminal on a fresh session when a job's session died while it was disabled", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    t.failHook = (name) => (name === "getUsers" ? new CodedError("DEVICE_DISCONNECTED", "reset") : undefined);
    const job = pool.run(target(), far(), async (s) => {
      await s.disable();
      try {
        await s.getUsers();
      } finally {
        // what a careless op might do: nothing. The worker must still re-enable.
      }
    });
    expect(await code(job)).toBe("DEVICE_DISCONNECTED");
    // Settled only after recovery: the terminal is already enabled when the caller hears back.
    expect(t.enabled).toBe(true);
    expect(t.connects).toBe(2);
    await pool.idle();
    expect(t.openSessions).toBe(0);
  });

  it("reports the connect error to the job and tries again for the next one", async () => {
    const t = new FakeTerminal();
    t.connectError = new CodedError("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4370");
    const pool = poolFor({ 4370: t });
    const err = await pool.run(target(), far(), (s) => s.getTime()).catch((e: Error) => e);
    expect(err).toMatchObject({ code: "DEVICE_UNREACHABLE", message: "Connection timeout to device 127.0.0.1:4370" });
    t.connectError = undefined;
    await pool.run(target(), far(), (s) => s.getTime());
    expect(t.connects).toBe(1);
  });

  it("reconnects when a job for the same terminal needs another comm key or transport", async () => {
    const t = new FakeTerminal();
    t.delayMs = 2;
    const pool = poolFor({ 4370: t });
    await Promise.all([
      pool.run(target({ password: 0 }), far(), (s) => s.getTime()),
      pool.run(target({ password: 1234 }), far(), (s) => s.getTime()),
    ]);
    expect(t.connects).toBe(2);
    expect(t.maxOpenSessions).toBe(1);
  });

  it("a job cannot close the shared session", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    await Promise.all([pool.run(target(), far(), (s) => s.close()), pool.run(target(), far(), (s) => s.getTime())]);
    expect(t.connects).toBe(1);
  });
});

describe("trackSession", () => {
  it("tracks disable/enable and failures, and tells operations the session broke", async () => {
    const t = new FakeTerminal();
    const inner = new FakeSession(t, 1);
    const tracked = trackSession(inner);
    await tracked.session.disable();
    expect(tracked.leftDisabled).toBe(true);
    await tracked.session.enable();
    expect(tracked.leftDisabled).toBe(false);
    expect(sessionFailed(tracked.session)).toBe(false);
    t.failHook = () => new CodedError("DEVICE_TIMEOUT", "x");
    await expect(tracked.session.getTime()).rejects.toThrow("x");
    expect(tracked.failed).toBe(true);
    expect(sessionFailed(tracked.session)).toBe(true);
    expect(sessionFailed(inner)).toBe(false);
  });

  it("classifies errors", () => {
    expect(leavesSessionUsable(new CodedError("DEVICE_REJECTED", ""))).toBe(true);
    expect(leavesSessionUsable(new CodedError("USER_NOT_FOUND", ""))).toBe(true);
    expect(leavesSessionUsable(new CodedError("DEVICE_TIMEOUT", ""))).toBe(false);
    expect(leavesSessionUsable(new Error("bug"))).toBe(false);
  });
});


