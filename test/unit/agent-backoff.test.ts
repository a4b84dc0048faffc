// Reconnect backoff: doubling ceiling from 1 s, capped at 30 s, equal jitter from the injected random source.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Backoff, backoffDelay } from "../../agent/relay/backoff";

describe("backoffDelay", () => {
  it("doubles the ceiling from 1 s and caps it at 30 s (random = 1 → the ceiling)", () => {
    const delays = Array.from({ length: 8 }, (_, i) => backoffDelay(i, { random: () => 1 }));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it("never waits less than half the ceiling (random = 0)", () => {
    const delays = Array.from({ length: 7 }, (_, i) => backoffDelay(i, { random: () => 0 }));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000]);
  });

  it("stays within [ceiling/2, ceiling] for any attempt and random value", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, { random: () => r });
        const ceiling = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 52));
        expect(d).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(d).toBeLessThanOrEqual(ceiling);
      }),
    );
  });

  it("honours custom base and cap, and treats negative attempts as the first", () => {
    expect(backoffDelay(0, { baseMs: 10, maxMs: 40, random: () => 1 })).toBe(10);
    expect(backoffDelay(5, { baseMs: 10, maxMs: 40, random: () => 1 })).toBe(40);
    expect(backoffDelay(-3, { random: () => 1 })).toBe(1000);
  });
});

describe("Backoff", () => {
  it("advances per failure and starts over after reset", () => {
    const b = new Backoff({ random: () => 1 });
    expect([b.next(), b.next(), b.next()]).toEqual([1000, 2000, 4000]);
    expect(b.attempts).toBe(3);
    b.reset();
    expect(b.next()).toBe(1000);
  });
});
