// The gateway's TTL cache (auth/cache.ts) and the delete's choice of template read (agent/ops/templates.ts), as pure units.
import { describe, expect, it } from "vitest";
import { TtlCache } from "../../gateway/auth/ttl-cache";
import { bulkIsCheaper } from "../../agent/ops/templates";

describe("TtlCache", () => {
  it("answers until the TTL has passed, then forgets", () => {
    let now = 1000;
    const c = new TtlCache<string>(() => 2000, 10, () => now);
    c.set("k", "v");
    now += 1999;
    expect(c.get("k")).toBe("v");
    now += 1;
    expect(c.get("k")).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it("a TTL of 0 caches nothing; delete and clear forget at once", () => {
    let now = 0;
    const off = new TtlCache<number>(() => 0, 10, () => now);
    off.set("a", 1);
    expect(off.get("a")).toBeUndefined();
    const c = new TtlCache<number>(() => 5000, 10, () => now);
    c.set("a", 1);
    c.set("b", 2);
    c.delete("a");
    expect([c.get("a"), c.get("b")]).toEqual([undefined, 2]);
    c.clear();
    expect(c.get("b")).toBeUndefined();
    now += 1;
  });

  it("keeps at most `max` entries, dropping the oldest first", () => {
    const c = new TtlCache<number>(() => 60_000, 3, () => 0);
    for (let i = 0; i < 5; i++) c.set(`k${i}`, i);
    expect(c.size).toBe(3);
    expect([c.get("k0"), c.get("k1"), c.get("k2"), c.get("k4")]).toEqual([undefined, undefined, 2, 4]);
  });
});

describe("bulkIsCheaper (packets from the terminal)", () => {
  it("a small template table over TCP: one chunk beats ten single reads", () => {
    expect(bulkIsCheaper("tcp", { fingers: 40, users: 20 })).toBe(true);
  });

  it("3,000 templates: ten single reads for one user, the bulk table for a burst of 20", () => {
    const plan = { fingers: 3000, users: 3000 };
    expect(bulkIsCheaper("tcp", plan)).toBe(false);
    expect(bulkIsCheaper("tcp", { ...plan, burst: 5 })).toBe(false);
    expect(bulkIsCheaper("tcp", { ...plan, burst: 20 })).toBe(true);
  });

  it("over UDP a chunk is ~66 datagrams: single reads unless the burst is long", () => {
    expect(bulkIsCheaper("udp", { fingers: 40, users: 20 })).toBe(false);
    expect(bulkIsCheaper("udp", { fingers: 40, users: 20, burst: 10 })).toBe(true);
  });
});
