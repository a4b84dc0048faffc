// Catch-up planning (docs/events.md §4, §5): resume after the cursor, restart on a cleared or refilled log; the cursor store.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CursorStore, cursorFile, fingerprint, planCatchUp } from "../../agent/live/cursor";
import { silentLogger } from "../../agent/log";
import type { AttendanceRecord } from "../../shared/ops";

const rec = (i: number, user = `${100 + (i % 3)}`): AttendanceRecord => ({ user_id: user, timestamp: `2026-12-04 08:${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}`, status: 1, punch: i % 2, uid: 1 });
const log = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => rec(i + offset));
const cursorAt = (l: AttendanceRecord[], n: number) => ({ device_id: "d", count: n, ...(n > 0 ? { last: fingerprint(l[n - 1]!) } : {}) });

describe("planCatchUp", () => {
  it("imports the whole log when there is no cursor", () => {
    expect(planCatchUp(undefined, log(5))).toEqual({ from: 0 });
  });

  it("resumes right after the cursor when the log grew", () => {
    const l = log(10);
    expect(planCatchUp(cursorAt(l, 7), l)).toEqual({ from: 7 });
    expect(planCatchUp(cursorAt(l, 10), l)).toEqual({ from: 10 });
    expect(planCatchUp(cursorAt(l, 0), l)).toEqual({ from: 0 });
  });

  it("reports a shrunken log and reads it from the start", () => {
    const l = log(10);
    expect(planCatchUp(cursorAt(l, 8), l.slice(0, 3))).toEqual({ from: 0, reset: { previous: 8, now: 3 } });
    expect(planCatchUp(cursorAt(l, 8), [])).toEqual({ from: 0, reset: { previous: 8, now: 0 } });
  });

  it("reports a log cleared and refilled past the cursor (the record at the cursor is another one)", () => {
    const before = log(4);
    const refilled = log(6, 500);
    expect(planCatchUp(cursorAt(before, 4), refilled)).toEqual({ from: 0, reset: { previous: 4, now: 6 } });
  });

  it("fingerprints by user, time, status and punch (the dedupe key's fields), not by uid", () => {
    expect(fingerprint(rec(1))).toBe(fingerprint({ ...rec(1), uid: 99 }));
    expect(fingerprint(rec(1))).not.toBe(fingerprint({ ...rec(1), punch: 5 }));
  });
});

describe("CursorStore", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("persists one file per terminal and reads it back in the next run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zk-relay-cursor-"));
    dirs.push(dir);
    const one = await CursorStore.open(dir, silentLogger);
    await one.set("principal", "127.0.0.1:4370", { count: 12, last: "x" });
    await one.set("entrada", "[::1]:4370", { count: 3 });
    expect(await readdir(join(dir, "live"))).toEqual([cursorFile("entrada", "[::1]:4370"), cursorFile("principal", "127.0.0.1:4370")].sort());
    const two = await CursorStore.open(dir, silentLogger);
    expect(two.get("principal", "127.0.0.1:4370")).toMatchObject({ count: 12, last: "x" });
    expect(two.get("entrada", "[::1]:4370")).toMatchObject({ count: 3 });
    expect(two.get("principal", "127.0.0.1:4371")).toBeUndefined();
    expect(cursorFile("a/../b", "[::1]:1")).not.toContain("/");
  });
});
