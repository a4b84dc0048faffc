import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, eventId, eventKey, EventsFrame, type AgentEvent } from "../../shared/events";
import { parseFrame } from "../../shared/relay";

const punch: AgentEvent = { device_id: "principal", type: "attendance", user_id: "123", uid: 7, timestamp: "2026-12-04 08:00:01", status: 1, punch: 0, catch_up: false };

describe("event ids and cursors", () => {
  it("gives a punch reported live and by a catch-up the same id", async () => {
    expect(await eventId({ ...punch, catch_up: true })).toBe(await eventId(punch));
    expect(await eventId(punch)).toMatch(/^ev_[0-9a-f]{32}$/);
  });

  it("keeps punches that differ in device, user, second, status or punch apart", async () => {
    const ids = new Set(
      await Promise.all([
        punch,
        { ...punch, device_id: "entrada" },
        { ...punch, user_id: "124" },
        { ...punch, timestamp: "2026-12-04 08:00:02" },
        { ...punch, status: 15 },
        { ...punch, punch: 1 },
        { ...punch, type: "enrollment" as const, verify: { finger: 3 } },
      ].map((e) => eventId(e))),
    );
    expect(ids.size).toBe(7);
    expect(eventKey(punch)).toBe("principal|attendance|123|2026-12-04 08:00:01|1|0");
  });

  it("round-trips cursors and refuses foreign ones", () => {
    for (const n of [0, 1, 35, 36, 123_456_789, 2 ** 40]) expect(decodeCursor(encodeCursor(n))).toBe(n);
    for (const bad of ["", "12", "c1.", "c1.-1", "c1.ZZ", "c2.1", "c1.1 OR 1=1", "c1.zzzzzzzzzzzz"]) expect(decodeCursor(bad)).toBeUndefined();
  });

  it("carries events frames across the relay, bounded", () => {
    const frame = { v: 1, type: "events", id: crypto.randomUUID(), events: [punch] };
    expect(parseFrame(JSON.stringify(frame))).toMatchObject({ ok: true, frame: { type: "events" } });
    const tooMany = { ...frame, events: Array.from({ length: 501 }, () => punch) };
    expect(EventsFrame.safeParse(tooMany).success).toBe(false);
    expect(parseFrame(JSON.stringify({ ...frame, events: [{ ...punch, timestamp: "yesterday" }] })).ok).toBe(false);
  });
});
