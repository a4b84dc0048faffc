// The CLI's progress line: only on a TTY, only after a second of silence, erased before the answer prints.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { startProgress } from "../../agent/cli/progress";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (t: string) => void writes.push(t) };
}

describe("startProgress", () => {
  test("a TTY gets the line after 1 s, refreshed, then erased", () => {
    const s = stream(true);
    let now = 0;
    const stop = startProgress(s, "users.list from 10.0.0.1:4370", { now: () => now });
    now = 900;
    vi.advanceTimersByTime(900);
    expect(s.writes).toEqual([]);
    now = 1000;
    vi.advanceTimersByTime(100);
    expect(s.writes).toEqual(["\rusers.list from 10.0.0.1:4370… 1.0 s\x1b[K"]);
    now = 1250;
    vi.advanceTimersByTime(250);
    expect(s.writes.at(-1)).toBe("\rusers.list from 10.0.0.1:4370… 1.3 s\x1b[K");
    stop();
    expect(s.writes.at(-1)).toBe("\r\x1b[K");
    const n = s.writes.length;
    vi.advanceTimersByTime(5000);
    expect(s.writes).toHaveLength(n);
  });

  test("a quick read on a TTY prints nothing at all", () => {
    const s = stream(true);
    const stop = startProgress(s, "x");
    vi.advanceTimersByTime(999);
    stop();
    vi.advanceTimersByTime(5000);
    expect(s.writes).toEqual([]);
  });

  test("a pipe or a file never gets it (scripts read stderr)", () => {
    const s = stream(false);
    const stop = startProgress(s, "x");
    vi.advanceTimersByTime(10_000);
    stop();
    expect(s.writes).toEqual([]);
  });
});
