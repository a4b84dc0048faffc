// A fan-out's total deadline (gateway/fan-out.ts; docs/http-api.md §8): the slowest budget, moved by extensions, bounded.
import { describe, expect, it } from "vitest";
import { FAN_OUT_MAX_MS, FanOutDeadline, fanOutDeadline } from "../../gateway/fan-out";
import { MAX_EXTENDED_WAIT_MS } from "../../shared/budget";

describe("FanOutDeadline", () => {
  it("starts as the slowest single budget (plus a lead), bounded at FAN_OUT_MAX_MS", () => {
    const d = fanOutDeadline([3000, 62_000, 14_000], 1_000);
    expect(d.at).toBe(63_000);
    expect(d.latest).toBe(1_000 + FAN_OUT_MAX_MS);
    expect(fanOutDeadline([5000], 1_000, 2000).at).toBe(8_000);
    expect(fanOutDeadline([], 1_000).at).toBe(1_000);
    expect(FAN_OUT_MAX_MS).toBeGreaterThanOrEqual(MAX_EXTENDED_WAIT_MS);
  });

  it("moves to an extended call's deadline plus the slowest budget, only ever later, never past its bound", () => {
    const d = new FanOutDeadline([3000, 5000], 0, { maxMs: 60_000 });
    expect(d.at).toBe(5000);
    d.extended(20_000);
    expect(d.at).toBe(25_000);
    d.extended(10_000); // an earlier extension of another call moves nothing back
    expect(d.at).toBe(25_000);
    d.extended(58_000);
    expect(d.at).toBe(60_000);
    expect(d.latest).toBe(60_000);
  });
});
