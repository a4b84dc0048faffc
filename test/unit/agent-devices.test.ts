// Per-terminal queues over an in-memory session: FIFO, no overlap, bounds, deadlines, session reuse and recovery.
import { afterEach, describe, expect, it, vi } from "vitest";
import { DevicePool, terminalKey, type DevicePoolOptions } from "../../agent/devices/pool";
import { isDead, leavesSessionUsable, SessionHandle, sessionFailed } from "../../agent/devices/session-handle";
import type { SessionFactory } from "../../agent/devices/session-factory";
import { createDispatcher } from "../../agent/ops";
import { MAX_EXTENDED_WAIT_MS } from "../../shared/budget";
import { CodedError, FakeSession, FakeTerminal, sleep, target } from "./agent-fake-session";

const far = () => Date.now() + 10_000;
const pools: DevicePool[] = [];

/** Routes targets to fake terminals by port. */
function poolFor(terminals: Record<number, FakeTerminal>, maxWaiters?: number, over: DevicePoolOptions = {}) {
  const factory: SessionFactory = (t) => terminals[t.port]!.factory()(t);
  const pool = new DevicePool({ sessionFactory: factory, maxWaiters, ...over });
  pools.push(pool);
  return pool;
}

afterEach(() => {
  for (const p of pools.splice(0)) p.stop();
  vi.useRealTimers();
});

/** Watches `p` without awaiting it: `state.done` says whether it settled yet (fake-timer tests advance time in between). */
function track<T>(p: Promise<T>): { done: boolean; value?: T; error?: unknown } {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (value) => Object.assign(state, { done: true, value }),
    (error: unknown) => Object.assign(state, { done: true, error }),
  );
  return state;
}

/** Settles with "timeout" instead of hanging when `p` never settles. */
function within<T>(p: Promise<T>, ms = 1000): Promise<T | "timeout"> {
  return Promise.race([p, sleep(ms).then(() => "timeout" as const)]);
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
    await pool.idle();
    expect(pool.activeTerminals).toBe(0);
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

  it("a job waiting behind one that expects to hold the terminal long is extended, keeps its time, and runs", async () => {
    vi.useFakeTimers();
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    let release!: () => void;
    const busyUntil = Date.now() + 10_000;
    const blocker = pool.run(target(), Date.now() + 60_000, (_s, job) => {
      job.expectBusyUntil(busyUntil);
      return new Promise<void>((r) => (release = r));
    });
    await vi.advanceTimersByTimeAsync(10); // the blocker runs and has told its estimate
    const extends1: number[] = [];
    let ran = 0;
    // Queued after the estimate: extended at once. The one without `extend` keeps its deadline and fails.
    const queued = Date.now();
    const waiter = track(pool.run(target(), queued + 4000, async () => void ran++, { extend: (d) => extends1.push(d) }));
    const fixed = track(pool.run(target(), queued + 4000, async () => void ran++));
    // docs/relay.md §4: the time it was given (4 s), counted from when the terminal is expected free.
    expect(extends1).toEqual([busyUntil + 4000]);
    await vi.advanceTimersByTimeAsync(4000);
    expect((fixed.error as { code?: string } | undefined)?.code).toBe("DEVICE_BUSY");
    // Past its first deadline it still waits, and runs once the blocker is done (before the extended deadline).
    await vi.advanceTimersByTimeAsync(2000);
    expect(Date.now()).toBeGreaterThan(queued + 4000);
    expect(waiter.done).toBe(false);
    release();
    await blocker;
    await vi.advanceTimersByTimeAsync(0);
    expect(waiter.done).toBe(true);
    expect(waiter.error).toBeUndefined();
    expect(ran).toBe(1);
    expect(extends1).toHaveLength(1);
    await pool.idle();
  });

  it("the estimate ends with the job: a later job's waiters are not extended by it", async () => {
    vi.useFakeTimers();
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    await pool.run(target(), far(), async (_s, job) => job.expectBusyUntil(Date.now() + 5000));
    let release!: () => void;
    const blocker = pool.run(target(), far(), () => new Promise<void>((r) => (release = r)));
    await vi.advanceTimersByTimeAsync(5);
    const extended: number[] = [];
    const late = track(pool.run(target(), Date.now() + 30, async () => 1, { extend: (d) => extended.push(d) }));
    await vi.advanceTimersByTimeAsync(30);
    expect((late.error as { code?: string } | undefined)?.code).toBe("DEVICE_BUSY");
    expect(extended).toEqual([]);
    release();
    await blocker;
    await pool.idle();
  });

  it("rejects a job whose deadline already passed without connecting, and leaves no worker behind", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    expect(await code(pool.run(target(), Date.now() - 1, async () => 1))).toBe("DEVICE_BUSY");
    expect(t.connects).toBe(0);
    expect(pool.activeTerminals).toBe(0);
    expect(await within(pool.idle())).toBeUndefined();
    expect(pool.inFlight).toBe(0);
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
    await pool.idle();
    expect(pool.activeTerminals).toBe(0);
    expect(t.openSessions).toBe(0);
  });

  it("keeps the session after an error the terminal answered (USER_NOT_FOUND, DEVICE_REJECTED)", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    const a = pool.run(target(), far(), (s) => s.deleteUser(999)); // DEVICE_REJECTED from the fake
    const b = pool.run(target(), far(), (s) => s.getTime());
    expect(await code(a)).toBe("DEVICE_REJECTED");
    await b;
    expect(t.connects).toBe(1);
    await pool.idle();
    expect(pool.activeTerminals).toBe(0);
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

  it("a watched terminal: the fresh session that re-enabled it is its live session, and the watcher hears of it", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    const heard: number[] = [];
    // docs/events.md §4: every new session of a watched terminal goes to the watcher (to register for events).
    await pool.watch(target(), { onSession: async (s) => void heard.push((s as FakeSession).id), onEnabled: async () => {} });
    await pool.run(target(), far(), async () => undefined);
    expect(heard).toEqual([1]);
    t.failHook = (name) => (name === "getUsers" ? new CodedError("DEVICE_DISCONNECTED", "reset") : undefined);
    const job = pool.run(target(), far(), async (s) => {
      await s.disable();
      await s.getUsers();
    });
    expect(await code(job)).toBe("DEVICE_DISCONNECTED");
    t.failHook = undefined;
    expect(t.enabled).toBe(true);
    // Heard of before the answer: the terminal's events reach the watcher from then on, not from the next job.
    expect(heard).toEqual([1, 2]);
    // The session kept open after the re-enable carries the next job.
    await pool.run(target(), far(), (s) => s.getTime());
    expect(t.calls.filter((c) => c.name === "getTime").map((c) => c.session)).toEqual([2]);
    expect(heard).toEqual([1, 2]);
  });

  it("unwatched right as a job ends: the kept session is closed, the worker goes", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    const key = await pool.watch(target(), { onSession: async () => {}, onEnabled: async () => {} });
    await pool.run(target(), far(), (s) => s.getTime());
    // The job's answer is out, the worker is still finishing its turn (as when a watcher stops after its last job).
    await pool.unwatch(key, target());
    await pool.idle();
    expect(t.openSessions).toBe(0);
    expect(pool.activeTerminals).toBe(0);
  });

  it("a job submitted while an unwatch closes the kept session runs, and the pool goes idle", async () => {
    vi.useFakeTimers();
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    const key = await pool.watch(target(), { onSession: async () => {}, onEnabled: async () => {} });
    await pool.run(target(), far(), async () => undefined);
    await vi.advanceTimersByTimeAsync(1); // the worker's turn is over: the session is kept, nothing runs
    expect(t.openSessions).toBe(1);
    // Not awaited: the worker is busy closing the session when the job comes.
    const closing = pool.unwatch(key, target());
    const job = track(pool.run(target(), far(), (s) => s.getTime()));
    const idle = track(pool.idle());
    await vi.advanceTimersByTimeAsync(1); // far short of the job's deadline
    await closing;
    expect(job.error).toBeUndefined();
    expect(job.value).toEqual(t.time);
    expect(t.calls.filter((c) => c.name === "getTime").map((c) => c.session)).toEqual([2]); // on a session of its own
    expect(idle.done).toBe(true);
    expect(t.openSessions).toBe(0);
    expect(pool.activeTerminals).toBe(0);
  });

  it("a kept session handed to a new watcher (registry change): the new watcher hears of it before it is used", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    const heard: string[] = [];
    await pool.watch(target(), { onSession: async (s) => void heard.push(`old:${(s as FakeSession).id}`), onEnabled: async () => {} });
    await pool.run(target(), far(), async () => undefined);
    await pool.watch(target(), { onSession: async (s) => void heard.push(`new:${(s as FakeSession).id}`), onEnabled: async () => {} });
    await pool.run(target(), far(), (s) => s.getTime());
    expect(heard).toEqual(["old:1", "new:1"]);
    expect(t.connects).toBe(1);
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
    await pool.idle();
    expect(pool.activeTerminals).toBe(0);
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
    await pool.idle();
    expect(pool.activeTerminals).toBe(0);
  });

  it("a job cannot close the shared session", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    await Promise.all([pool.run(target(), far(), (s) => s.close()), pool.run(target(), far(), (s) => s.getTime())]);
    expect(t.connects).toBe(1);
    await pool.idle();
    expect(pool.activeTerminals).toBe(0);
  });
});

describe("requests queued behind a long read (docs/relay.md §4)", () => {
  /**
   * attendance.list on a log of `records` while another request waits behind it; what each was extended to. The
   * terminal may count more records than it sends (`counted`), to make the estimate as large as a test needs.
   */
  async function listWithOneBehind(records: number, transport: "tcp" | "udp", counted = records) {
    vi.useFakeTimers();
    const t = new FakeTerminal();
    t.transport = transport;
    for (let i = 0; i < records; i++) t.attendance.push({ uid: 1, userId: "1", time: { ...t.time }, status: 1, punch: 0 });
    const pool = poolFor({ 4370: t }, undefined, {
      sessionFactory: async (x) => {
        const session = await t.factory()(x);
        const sizes = session.freeSizes.bind(session);
        session.freeSizes = async () => ({ ...(await sizes()), records: counted });
        return session;
      },
    });
    const dispatcher = createDispatcher({ pool });
    const device = target({ transport });
    const toGateway: number[] = [];
    const behind: number[] = [];
    const start = Date.now();
    const list = dispatcher.dispatch({ op: "attendance.list", device, args: {}, deadline: start + 62_000, extendDeadline: (d) => toGateway.push(d) });
    const queued = pool.run(device, start + 22_000, async () => "ran", { extend: (d) => behind.push(d) });
    const [result, ran] = await Promise.all([list as Promise<{ records: unknown[] }>, queued]);
    expect(result.records).toHaveLength(records);
    expect(ran).toBe("ran");
    await pool.idle();
    return { start, toGateway, behind };
  }

  it("a log that fits the usual bulk budget extends nothing, not even the request queued behind it", async () => {
    const { toGateway, behind } = await listWithOneBehind(100, "tcp");
    expect(toGateway).toEqual([]);
    expect(behind).toEqual([]);
  });

  it("a log too large for it extends the read and, counted from its expected end, the request behind it", async () => {
    const { start, toGateway, behind } = await listWithOneBehind(20_000, "udp"); // 10 s + 64 s estimated
    expect(toGateway).toEqual([start + 74_000]);
    expect(behind).toEqual([start + 74_000 + 22_000]);
  });

  it("no deadline moves past MAX_EXTENDED_WAIT_MS from now: not the read's, not the gateway's, not the one behind it", async () => {
    const { start, toGateway, behind } = await listWithOneBehind(0, "tcp", 1_000_000); // 10 s + 1000 s estimated
    expect(toGateway).toEqual([start + MAX_EXTENDED_WAIT_MS]);
    expect(behind).toEqual([start + MAX_EXTENDED_WAIT_MS]);
  });

  it("a request queued behind a read expected to outlast the gateway's cap fails at the cap and never runs", async () => {
    vi.useFakeTimers();
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    const start = Date.now();
    let release!: () => void;
    const read = pool.run(target(), start + 62_000, (_s, job) => {
      job.expectBusyUntil(start + 20 * 60_000);
      return new Promise<void>((r) => (release = r));
    });
    const extended: number[] = [];
    let ran = false;
    const behind = track(pool.run(target(), start + 22_000, async () => void (ran = true), { extend: (d) => extended.push(d) }));
    await vi.advanceTimersByTimeAsync(0);
    expect(extended).toEqual([start + MAX_EXTENDED_WAIT_MS]);
    await vi.advanceTimersByTimeAsync(MAX_EXTENDED_WAIT_MS - 1);
    expect(behind.done).toBe(false); // still waiting, past its first deadline
    await vi.advanceTimersByTimeAsync(1);
    expect((behind.error as { code?: string } | undefined)?.code).toBe("DEVICE_BUSY");
    release();
    await read;
    await pool.idle();
    expect(ran).toBe(false);
  });
});

describe("a terminal left disabled (its session died, and so did the re-enable)", () => {
  /** A job that disables the terminal, then loses the session; the terminal refuses every new connection meanwhile. */
  async function strand(pool: DevicePool, t: FakeTerminal) {
    t.failHook = (name) => {
      if (name !== "getUsers") return undefined;
      t.connectError = new CodedError("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4370");
      return new CodedError("DEVICE_TIMEOUT", "silent");
    };
    const job = pool.run(target(), far(), async (s) => {
      await s.disable();
      await s.getUsers();
    });
    expect(await code(job)).toBe("DEVICE_TIMEOUT");
    t.failHook = undefined;
    await pool.idle();
    expect(t.enabled).toBe(false);
    expect(pool.pendingEnableCount).toBe(1);
    expect(pool.activeTerminals).toBe(0); // the worker is gone; the record is not
  }

  it("the next job on that terminal, a read included, sends ENABLE first", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t }, undefined, { enableRetryAtMs: [] });
    await strand(pool, t);
    t.connectError = undefined;
    t.calls = [];
    await pool.run(target({ id: "alias" }), far(), (s) => s.getTime());
    expect(t.callNames()).toEqual(["connect", "enable", "getTime", "close"]);
    expect(t.enabled).toBe(true);
    expect(pool.pendingEnableCount).toBe(0);
  });

  it("a bounded background retry re-enables it once it answers again, without any request", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t }, undefined, { enableRetryAtMs: [30, 60, 90] });
    await strand(pool, t);
    t.connectError = undefined;
    for (let i = 0; i < 100 && !t.enabled; i++) await sleep(10);
    expect(t.enabled).toBe(true);
    await pool.idle();
    expect(pool.pendingEnableCount).toBe(0);
    const connects = t.connects;
    await sleep(120); // past every scheduled retry: none runs once the terminal is enabled
    expect(t.connects).toBe(connects);
  });

  it("gives up after the last scheduled retry (the terminal's own DISABLE timeout is the last resort)", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t }, undefined, { enableRetryAtMs: [10, 20] });
    await strand(pool, t);
    const dials = () => t.calls.filter((c) => c.name === "connect").length;
    await sleep(150);
    const after = dials();
    await sleep(100);
    expect(dials()).toBe(after);
    expect(pool.pendingEnableCount).toBe(1);
  });
});

describe("DevicePool: sessions that die, links that close, bounds", () => {
  it("a session the terminal dropped between jobs is redialled, not used to fail the next job", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    const a = pool.run(target(), far(), async (s) => {
      await s.getTime();
      t.dropSessions(); // after the job, before the next one
    });
    const b = pool.run(target(), far(), (s) => s.getTime());
    await a;
    await b;
    expect(t.connects).toBe(2);
    await pool.idle();
    expect(pool.activeTerminals).toBe(0);
  });

  it("right after a broken session, a terminal still holding it (refusing at once) is dialled again", async () => {
    const t = new FakeTerminal();
    // Dial 1 works; dial 2, right after that session broke, is refused at once (the old one still counts, docs/protocol.md §4.3).
    let dials = 0;
    const factory = t.factory();
    const pool = new DevicePool({
      sessionFactory: async (x) => {
        if (++dials === 2) throw new CodedError("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4370");
        return factory(x);
      },
    });
    t.failHook = (name) => (name === "getUsers" ? new CodedError("DEVICE_DISCONNECTED", "reset") : undefined);
    const a = pool.run(target(), far(), (s) => s.getUsers());
    const b = pool.run(target(), far(), (s) => s.getTime());
    expect(await code(a)).toBe("DEVICE_DISCONNECTED");
    expect(await code(b)).toBeUndefined(); // the retry 100 ms later got through
    expect(dials).toBe(3);
    await pool.idle();
  });

  it("jobs still waiting when the link that carried them closes are dropped without touching the terminal", async () => {
    const t = new FakeTerminal();
    const pool = poolFor({ 4370: t });
    let release!: () => void;
    const blocker = pool.run(target(), far(), () => new Promise<void>((r) => (release = r)));
    const link = new AbortController();
    const ran: number[] = [];
    const waiting = [1, 2].map((i) => pool.run(target(), far(), async (s) => void (await s.getTime(), ran.push(i)), { signal: link.signal }));
    link.abort();
    expect(await Promise.all(waiting.map(code))).toEqual(["AGENT_OFFLINE", "AGENT_OFFLINE"]);
    release();
    await blocker;
    await pool.idle();
    expect(ran).toEqual([]);
    expect(t.callNames()).not.toContain("getTime");
    // Already aborted: refused at once, no worker left behind.
    expect(await code(pool.run(target(), far(), async () => 1, { signal: link.signal }))).toBe("AGENT_OFFLINE");
    expect(pool.activeTerminals).toBe(0);
  });

  it("bounds terminals worked on at once and jobs in flight: past either, DEVICE_BUSY", async () => {
    const terminals = { 4370: new FakeTerminal(), 4371: new FakeTerminal(), 4372: new FakeTerminal() };
    const pool = poolFor(terminals, undefined, { maxTerminals: 2, maxInFlight: 3 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = [pool.run(target({ port: 4370 }), far(), () => gate), pool.run(target({ port: 4371 }), far(), () => gate)];
    expect(await code(pool.run(target({ port: 4372 }), far(), async () => 1))).toBe("DEVICE_BUSY");
    held.push(pool.run(target({ port: 4370 }), far(), async () => undefined));
    expect(pool.inFlight).toBe(3);
    expect(await code(pool.run(target({ port: 4371 }), far(), async () => 1))).toBe("DEVICE_BUSY");
    release();
    await Promise.all(held);
    await pool.idle();
    expect(pool.inFlight).toBe(0);
    expect(terminals[4372].connects).toBe(0);
  });
});

describe("SessionHandle", () => {
  it("tracks disable/enable and failures, and tells operations the session broke", async () => {
    const t = new FakeTerminal();
    const inner = new FakeSession(t, 1);
    const flags = { disabled: false };
    const handle = new SessionHandle(inner, "sig", flags, Date.now);
    await handle.view.disable();
    expect(flags.disabled).toBe(true);
    await handle.view.enable(); // a job's enable is the worker's business
    expect(flags.disabled).toBe(true);
    expect(t.enabled).toBe(false);
    await handle.enable();
    expect(flags.disabled).toBe(false);
    expect(t.enabled).toBe(true);
    expect(sessionFailed(handle.view)).toBe(false);
    t.failHook = () => new CodedError("DEVICE_TIMEOUT", "x");
    await expect(handle.view.getTime()).rejects.toThrow("x");
    expect(handle.failed).toBe(true);
    expect(sessionFailed(handle.view)).toBe(true);
    expect(sessionFailed(inner)).toBe(false);
  });

  it("while disabled by us: one DISABLE, the user table read once, our own DELETE_USER applied to it", async () => {
    const t = new FakeTerminal();
    t.addUser({ uid: 1, userId: "a" });
    t.addUser({ uid: 2, userId: "b" });
    const flags = { disabled: false };
    const handle = new SessionHandle(new FakeSession(t, 1), "sig", flags, Date.now);
    const s = handle.view;
    expect((await s.getUsers()).map((u) => u.userId)).toEqual(["a", "b"]); // enabled: not cached
    await s.disable();
    await s.disable();
    await s.getUsers();
    await s.deleteUser(1);
    expect((await s.getUsers()).map((u) => u.userId)).toEqual(["b"]);
    await s.freeSizes();
    await s.freeSizes();
    expect(t.callNames()).toEqual(["getUsers", "disable", "getUsers", "deleteUser", "freeSizes"]);
    // Any other write drops the table; so does ENABLE.
    await s.setUser({ uid: 3, userId: "c" });
    expect((await s.getUsers()).map((u) => u.userId)).toEqual(["b", "c"]);
    await handle.enable();
    await s.getUsers();
    expect(t.callNames().filter((n) => n === "getUsers")).toHaveLength(4);
  });

  it("a DELETE_USER that failed drops the cached table (applied or not: unknown)", async () => {
    const t = new FakeTerminal();
    t.addUser({ uid: 1, userId: "a" });
    const handle = new SessionHandle(new FakeSession(t, 1), "sig", { disabled: false }, Date.now);
    await handle.view.disable();
    await handle.view.getUsers();
    t.failHook = (name, phase) => (name === "deleteUser" && phase === "after" ? new CodedError("DEVICE_REJECTED", "odd") : undefined);
    await expect(handle.view.deleteUser(1)).rejects.toMatchObject({ code: "DEVICE_REJECTED" });
    expect(await handle.view.getUsers()).toEqual([]);
    expect(t.callNames().filter((n) => n === "getUsers")).toHaveLength(2);
  });

  it("classifies errors, and reads `dead` as the client exposes it (absent = alive)", () => {
    expect(leavesSessionUsable(new CodedError("DEVICE_REJECTED", ""))).toBe(true);
    expect(leavesSessionUsable(new CodedError("USER_NOT_FOUND", ""))).toBe(true);
    expect(leavesSessionUsable(new CodedError("DEVICE_TIMEOUT", ""))).toBe(false);
    expect(leavesSessionUsable(new Error("bug"))).toBe(false);
    const s = new FakeSession(new FakeTerminal(), 1);
    expect(isDead(s)).toBe(false);
    s.dropped = true;
    expect(isDead(s)).toBe(true);
    expect(isDead({} as never)).toBe(false);
  });
});
