// A watched terminal's watcher against the pool over an in-memory session, with fake timers: stopping, re-subscribing, extending.
import { afterEach, describe, expect, it, vi } from "vitest";
import { DevicePool } from "../../agent/devices/pool";
import type { LiveHooks } from "../../agent/devices/job";
import type { CursorStore } from "../../agent/live/cursor";
import type { EventOutbox } from "../../agent/live/event-outbox";
import { LiveWatcher } from "../../agent/live/watcher";
import { silentLogger } from "../../agent/log";
import type { ZkSession } from "../../agent/zk/types";
import { FakeTerminal, target } from "./agent-fake-session";

afterEach(() => {
  vi.useRealTimers();
});

/** Cursors and outbox in memory: the watcher's disk is not what these tests are about. */
function doubles() {
  const cursors = { get: () => undefined, set: async () => {} } as unknown as CursorStore;
  const outbox = { add: async () => {}, flush: async () => {} } as unknown as EventOutbox;
  return { cursors, outbox };
}

function track<T>(p: Promise<T>): { done: boolean } {
  const state = { done: false };
  void p.then(() => (state.done = true));
  return state;
}

describe("LiveWatcher", () => {
  it("stopping while its keep-alive waits behind a long read drops the keep-alive instead of waiting for the read", async () => {
    vi.useFakeTimers();
    const t = new FakeTerminal();
    const pool = new DevicePool({ sessionFactory: t.factory() });
    const watcher = new LiveWatcher({ pool, target: target(), ...doubles(), logger: silentLogger, keepAliveMs: 1000 });
    await watcher.start();
    await vi.advanceTimersByTimeAsync(1); // the first catch-up is done; the loop sleeps until the keep-alive
    expect(t.callNames()).toContain("getAttendance");
    const checks = () => t.callNames().filter((n) => n === "freeSizes").length;
    const before = checks();
    // A large log read that expects to hold the terminal 10 s: the keep-alive queued behind it waits that long.
    let release!: () => void;
    const read = pool.run(target(), Date.now() + 20_000, (_s, job) => {
      job.expectBusyUntil(Date.now() + 10_000);
      return new Promise<void>((r) => (release = r));
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(pool.inFlight).toBe(2); // the read, and the keep-alive waiting behind it
    const stopping = track(watcher.stop());
    await vi.advanceTimersByTimeAsync(100); // far short of the read's expected end
    expect(stopping.done).toBe(true);
    expect(pool.inFlight).toBe(1);
    release();
    await read;
    await pool.idle();
    expect(checks()).toBe(before); // the dropped keep-alive never ran
    expect(t.openSessions).toBe(0);
    pool.stop();
  });

  /** A watcher's first catch-up on a log of `records`, with a request queued behind it: what that request was extended to. */
  async function catchUpWithOneBehind(records: number, transport: "tcp" | "udp") {
    vi.useFakeTimers();
    const t = new FakeTerminal();
    t.transport = transport;
    for (let i = 0; i < records; i++) t.attendance.push({ uid: 1, userId: "1", time: { ...t.time }, status: 1, punch: 0 });
    const pool = new DevicePool({ sessionFactory: t.factory() });
    const device = target({ transport });
    const watcher = new LiveWatcher({ pool, target: device, ...doubles(), logger: silentLogger, keepAliveMs: 60_000 });
    await watcher.start(); // the catch-up is running
    const behind: number[] = [];
    const start = Date.now();
    const queued = pool.run(device, start + 22_000, async () => "ran", { extend: (d) => behind.push(d) });
    await vi.advanceTimersByTimeAsync(1);
    expect(await queued).toBe("ran");
    expect(t.callNames()).toContain("getAttendance");
    await watcher.stop();
    await pool.idle();
    pool.stop();
    return { start, behind };
  }

  it("a catch-up of a log that fits the usual bulk budget does not extend a request queued behind it", async () => {
    expect((await catchUpWithOneBehind(100, "tcp")).behind).toEqual([]);
  });

  it("a catch-up of a log too large for it extends the request behind it, counted from its expected end", async () => {
    const { start, behind } = await catchUpWithOneBehind(20_000, "udp"); // 10 s + 64 s estimated
    expect(behind).toEqual([start + 74_000 + 22_000]);
  });

  it("a stopped watcher does not subscribe to a new session's events", async () => {
    vi.useFakeTimers();
    const t = new FakeTerminal();
    const pool = new DevicePool({ sessionFactory: t.factory() });
    let hooks: LiveHooks | undefined;
    const watch = pool.watch.bind(pool);
    vi.spyOn(pool, "watch").mockImplementation((tg, h) => ((hooks = h), watch(tg, h)));
    const watcher = new LiveWatcher({ pool, target: target(), ...doubles(), logger: silentLogger, keepAliveMs: 1000 });
    await watcher.start();
    await vi.advanceTimersByTimeAsync(1);
    await watcher.stop();
    // The worker hears of a session opened before the unwatch reached it, and tells the hooks it had.
    const onEvent = vi.fn(() => () => {});
    const session = { onEvent, regEvent: async () => {} } as unknown as ZkSession;
    await hooks!.onSession(session);
    expect(onEvent).not.toHaveBeenCalled();
    await pool.idle();
    pool.stop();
  });
});
