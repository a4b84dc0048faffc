// PendingRequests with fake timers: every way a request settles clears its timer and forgets its id.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { PendingRequests } from "../../gateway/relay/pending";
import { CodedError } from "../../shared/errors";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The settled state of `p` after pending microtasks run (without advancing timers). */
async function state<T>(p: Promise<T>): Promise<{ value: T } | { error: unknown } | "pending"> {
  let out: { value: T } | { error: unknown } | "pending" = "pending";
  p.then(
    (value) => (out = { value }),
    (error: unknown) => (out = { error }),
  );
  await Promise.resolve();
  await Promise.resolve();
  return out;
}

describe("PendingRequests", () => {
  test("resolve settles the matching id only, clears its timer and forgets it", async () => {
    const pending = new PendingRequests<string>();
    const a = pending.add("a", 1000);
    const b = pending.add("b", 1000);
    expect(pending.size).toBe(2);
    expect(vi.getTimerCount()).toBe(2);
    expect(pending.resolve("b", "B")).toBe(true);
    expect(await state(b)).toEqual({ value: "B" });
    expect(await state(a)).toBe("pending");
    expect(pending.size).toBe(1);
    expect(pending.has("b")).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
    expect(pending.resolve("b", "again")).toBe(false);
    expect(pending.resolve("a", "A")).toBe(true);
    expect(await a).toBe("A");
    expect(vi.getTimerCount()).toBe(0);
  });

  test("extend gives a waiting id a new deadline from now, with one timer", async () => {
    const pending = new PendingRequests<string>();
    const p = pending.add("slow", 1000);
    vi.advanceTimersByTime(900);
    expect(pending.extend("slow", 5000)).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(4000);
    expect(await state(p)).toBe("pending");
    vi.advanceTimersByTime(1001);
    const out = await state(p);
    expect(out).not.toBe("pending");
    expect((out as { error: CodedError }).error.code).toBe("RELAY_TIMEOUT");
    expect(pending.extend("slow", 1000)).toBe(false);
  });

  test("an extend that would end sooner than the current wait changes nothing", async () => {
    const pending = new PendingRequests<string>();
    const p = pending.add("slow", 5000);
    vi.advanceTimersByTime(1000);
    expect(pending.extend("slow", 1000)).toBe(false);
    vi.advanceTimersByTime(3000);
    expect(await state(p)).toBe("pending");
    vi.advanceTimersByTime(1001);
    expect(await state(p)).not.toBe("pending");
  });

  test("unknown ids are refused with false", () => {
    const pending = new PendingRequests<number>();
    expect(pending.resolve("nope", 1)).toBe(false);
    expect(pending.reject("nope", new Error("x"))).toBe(false);
    expect(pending.size).toBe(0);
  });

  test("reject fails the id with the given error and clears its timer", async () => {
    const pending = new PendingRequests<number>();
    const p = pending.add("x", 500);
    const err = new CodedError("DEVICE_UNREACHABLE", "no route");
    expect(pending.reject("x", err)).toBe(true);
    expect(await state(p)).toEqual({ error: err });
    expect(vi.getTimerCount()).toBe(0);
    expect(pending.size).toBe(0);
  });

  test("the deadline rejects with RELAY_TIMEOUT exactly when it passes, then the id is unknown", async () => {
    const pending = new PendingRequests<number>();
    const p = pending.add("slow", 1000);
    vi.advanceTimersByTime(999);
    expect(await state(p)).toBe("pending");
    vi.advanceTimersByTime(1);
    const out = await state(p);
    expect(out).not.toBe("pending");
    const error = (out as { error: unknown }).error;
    expect(error).toBeInstanceOf(CodedError);
    expect((error as CodedError).code).toBe("RELAY_TIMEOUT");
    expect((error as CodedError).status).toBe(504);
    expect(pending.size).toBe(0);
    expect(pending.resolve("slow", 1)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a per-request timeout error builder is used when given", async () => {
    const pending = new PendingRequests<number>((id) => new CodedError("RELAY_TIMEOUT", `default ${id}`));
    const custom = pending.add("c", 10, () => new CodedError("RELAY_TIMEOUT", "Device 'principal' did not answer in time."));
    const dflt = pending.add("d", 10);
    vi.advanceTimersByTime(10);
    const [c, d] = await Promise.allSettled([custom, dflt]);
    expect(c).toMatchObject({ status: "rejected", reason: { message: "Device 'principal' did not answer in time." } });
    expect(d).toMatchObject({ status: "rejected", reason: { message: "default d" } });
  });

  test("rejectAll fails every waiting request with the same error, clears all timers and counts them", async () => {
    const pending = new PendingRequests<number>();
    const ps = ["1", "2", "3"].map((id) => pending.add(id, 60_000));
    const offline = new CodedError("AGENT_OFFLINE", "The agent of site 'norte' is not connected.");
    expect(pending.rejectAll(offline)).toBe(3);
    expect(await Promise.allSettled(ps)).toEqual(ps.map(() => ({ status: "rejected", reason: offline })));
    expect(pending.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(pending.rejectAll(offline)).toBe(0);
    // Nothing fires later: the timers really are gone.
    vi.advanceTimersByTime(120_000);
  });

  test("an id can be reused once settled; a duplicate while waiting is refused without disturbing the first", async () => {
    const pending = new PendingRequests<string>();
    const first = pending.add("dup", 1000);
    const dup = pending.add("dup", 1000);
    expect(await state(dup)).toMatchObject({ error: expect.objectContaining({ code: "INTERNAL" }) });
    expect(pending.size).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    pending.resolve("dup", "first");
    expect(await first).toBe("first");
    const again = pending.add("dup", 1000);
    pending.resolve("dup", "second");
    expect(await again).toBe("second");
  });

  test("a zero or negative timeout fails on the next timer tick, not synchronously", async () => {
    const pending = new PendingRequests<number>();
    const p = pending.add("late", -5);
    expect(await state(p)).toBe("pending");
    vi.advanceTimersByTime(0);
    expect(await state(p)).toMatchObject({ error: expect.objectContaining({ code: "RELAY_TIMEOUT" }) });
  });
});
