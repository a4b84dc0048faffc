// Clock difference from the upgrade response's Date header (one-second resolution).
import { describe, expect, it } from "vitest";
import { clockSkewMs } from "../../agent/relay/clock-skew";

describe("clockSkewMs", () => {
  const now = Date.parse("2024-03-15T08:00:00.000Z");
  it("agent ahead → positive, behind → negative", () => {
    expect(clockSkewMs("Fri, 15 Mar 2024 07:59:00 GMT", now)).toBe(60_000);
    expect(clockSkewMs("Fri, 15 Mar 2024 08:05:00 GMT", now)).toBe(-300_000);
  });
  it("ignores differences within the header's resolution, and missing or junk headers", () => {
    expect(clockSkewMs("Fri, 15 Mar 2024 07:59:59 GMT", now + 900)).toBe(0);
    expect(clockSkewMs(undefined, now)).toBe(0);
    expect(clockSkewMs("yesterday-ish", now)).toBe(0);
  });
});
