// The simulator's pacer on a fake clock: due times from a schedule (no drift, never early), idle links, end markers.
import { afterEach, describe, expect, test, vi } from "vitest";
import { Pacer, type WireItem } from "../../agent/zk/sim/pacer";

afterEach(() => {
  vi.useRealTimers();
});

/** A sink that notes when each write happened; `slow` holds the done callback of the write with that index. */
function sink(slow: Record<number, number> = {}) {
  const writes: Array<{ at: number; len: number }> = [];
  const sent: number[] = [];
  const finished: string[] = [];
  return {
    writes,
    sent,
    finished,
    sink: {
      write(bytes: Uint8Array, done: (err?: Error | null) => void) {
        const i = writes.length;
        writes.push({ at: performance.now(), len: bytes.length });
        if (slow[i]) setTimeout(() => done(), slow[i]);
        else done();
      },
      finish: (kind: "end" | "reset") => finished.push(kind),
      sent: (packets: number) => sent.push(packets),
    },
  };
}

const item = (bytes: number, packets = 1): WireItem => ({ bytes: new Uint8Array(bytes), packets });

const realImmediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fake timers and clock; setImmediate stays real (the fake one would cost a millisecond of fake time). */
function fakeClock() {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  return performance.now();
}

/** Advances the fake clock millisecond by millisecond, letting real immediates run at each step. */
async function run(ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    await vi.advanceTimersByTimeAsync(1);
    for (let k = 0; k < 4; k++) await realImmediate();
  }
}

// 2 ms per packet and 1000 bytes/s (1 ms per byte): whole-millisecond costs, so every due time is exact.
const TIMING = { latencyMs: 2, bytesPerSecond: 1000, fineMs: 0 };

describe("Pacer", () => {
  test("each item goes out at its due time, never before; a slow write delays only itself, later items keep the schedule", async () => {
    const t0 = fakeClock();
    const s = sink({ 0: 7 }); // the first write takes 7 ms to be handed over
    const pacer = new Pacer(s.sink, TIMING);
    pacer.push([item(3), item(1, 2), item(2)]); // costs 5, 5, 4 → due at 5, 10, 14
    await run(30);
    // B is due at 10 but the sink is busy until 12; C is still due at 14, not 12 + 4 (no drift).
    expect(s.writes.map((w) => w.at - t0)).toEqual([5, 12, 14]);
    expect(s.sent).toEqual([1, 2, 1]);
    expect(pacer.pending).toBe(0);
  });

  test("an item arriving on an idle link is due its cost after its arrival, not after the last due time", async () => {
    const t0 = fakeClock();
    const s = sink();
    const pacer = new Pacer(s.sink, TIMING);
    pacer.push([item(1)]); // due 3
    await run(20);
    pacer.push([item(2), item(1)]); // arrive at 20: due 24, then 27
    await run(10);
    expect(s.writes.map((w) => w.at - t0)).toEqual([3, 24, 27]);
  });

  test("items pushed while others wait join the same schedule (pipelined requests)", async () => {
    const t0 = fakeClock();
    const s = sink();
    const pacer = new Pacer(s.sink, TIMING);
    pacer.push([item(2)]); // due 4
    await run(1);
    pacer.push([item(2)]); // arrives at 1, queued behind: due 4 + 4 = 8
    await run(20);
    expect(s.writes.map((w) => w.at - t0)).toEqual([4, 8]);
  });

  test("an item that arrives while a slow write is being handed over is due its cost after its arrival", async () => {
    const t0 = fakeClock();
    const s = sink({ 0: 10 }); // written at 3, handed over at 13
    const pacer = new Pacer(s.sink, TIMING);
    pacer.push([item(1)]);
    await run(12);
    pacer.push([item(1)]); // arrives at 12: the link cannot have started on it earlier, due 15 (not 3 + 3)
    await run(10);
    expect(s.writes.map((w) => w.at - t0)).toEqual([3, 15]);
  });

  test("an end marker closes after what precedes it; later items are dropped", async () => {
    fakeClock();
    const s = sink();
    const pacer = new Pacer(s.sink, TIMING);
    pacer.push([item(1), { end: true }, item(1)]);
    pacer.push([item(5)]);
    await run(50);
    expect(s.writes).toHaveLength(1);
    expect(s.finished).toEqual(["end"]);
  });

  test("close drops what is queued", async () => {
    fakeClock();
    const s = sink();
    const pacer = new Pacer(s.sink, TIMING);
    pacer.push([item(1), item(1)]);
    await run(3);
    pacer.close();
    await run(50);
    expect(s.writes).toHaveLength(1);
  });
});
