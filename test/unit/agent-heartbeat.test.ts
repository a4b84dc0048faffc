// Heartbeat with fake timers: ping every interval, a silent peer is reported once, any inbound frame keeps it alive.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Heartbeat } from "../../agent/relay/heartbeat";

describe("Heartbeat", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("pings every 15 s by default and reports silence 10 s after an unanswered ping", () => {
    const pings: number[] = [];
    let silent = 0;
    const hb = new Heartbeat({ sendPing: () => pings.push(Date.now()), onSilent: () => silent++ });
    hb.start();
    vi.advanceTimersByTime(14_999);
    expect(pings).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(pings).toHaveLength(1);
    vi.advanceTimersByTime(9_999);
    expect(silent).toBe(0);
    vi.advanceTimersByTime(1);
    expect(silent).toBe(1);
    // Stopped after reporting: no more pings, no second report.
    vi.advanceTimersByTime(60_000);
    expect(pings).toHaveLength(1);
    expect(silent).toBe(1);
  });

  it("any inbound frame after a ping cancels the silence deadline", () => {
    let silent = 0;
    let pings = 0;
    const hb = new Heartbeat({ intervalMs: 1000, timeoutMs: 500, sendPing: () => pings++, onSilent: () => silent++ });
    hb.start();
    vi.advanceTimersByTime(1000);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(400); // ping sent, deadline pending
      hb.seen(); // the gateway answered
      vi.advanceTimersByTime(600); // next ping
    }
    expect(pings).toBe(11);
    expect(silent).toBe(0);
    hb.stop();
  });

  it("a later ping does not push back the deadline of an earlier unanswered one", () => {
    let silent = 0;
    const hb = new Heartbeat({ intervalMs: 100, timeoutMs: 250, sendPing: () => {}, onSilent: () => silent++ });
    hb.start();
    vi.advanceTimersByTime(100 + 250);
    expect(silent).toBe(1);
  });

  it("stop() clears everything", () => {
    let pings = 0;
    const hb = new Heartbeat({ intervalMs: 100, timeoutMs: 50, sendPing: () => pings++, onSilent: () => {} });
    hb.start();
    hb.stop();
    vi.advanceTimersByTime(1000);
    expect(pings).toBe(0);
  });
});
