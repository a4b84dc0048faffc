// GET /devices/{id}/attendance: the seed's call unchanged, paged and streamed from the stored log of a watched
// terminal, and paged over the relayed log of one that is not watched.
import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../../shared/events";
import { call, createDevice, createKey, createSite, fakeAgent, json } from "./helpers";
import { connectAgent, until } from "./relay-helpers";

const ts = (i: number) => `2026-12-${String(1 + Math.floor(i / 100)).padStart(2, "0")} 08:${String(Math.floor((i % 100) / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}`;
const punch = (device: string, i: number): AgentEvent => ({ device_id: device, type: "attendance", user_id: String(100 + (i % 5)), uid: 1 + (i % 5), timestamp: ts(i), status: 1, punch: i % 2, catch_up: true });

/** A watched device: its agent imported `n` punches and reported a completed catch-up. */
async function watched(n: number) {
  const site = await createSite();
  const dev = await createDevice({ site: site.id, port: 4500 + Math.floor(Math.random() * 1000) });
  const agent = await connectAgent(site);
  agent.hello();
  const events = Array.from({ length: n }, (_, i) => punch(dev, i));
  for (let i = 0; i < n; i += 500) {
    const id = crypto.randomUUID();
    const status = i + 500 >= n ? [{ device_id: dev, state: "live", log_records: n, caught_up_at: new Date().toISOString() }] : undefined;
    agent.send({ v: 1, type: "events", id, events: events.slice(i, i + 500), ...(status ? { status } : {}) });
    await until(() => agent.frames.some((f) => f.type === "ack" && f.id === id), 3000);
  }
  return { site, dev, agent };
}

describe("attendance from the stored log", () => {
  it("pages a watched device's log with after/limit and `next`, with the seed's filters", async () => {
    const { dev, agent } = await watched(230);
    const seen: Array<{ user_id: string; seq: number; cursor: string }> = [];
    let next: string | undefined;
    for (let i = 0; i < 10; i++) {
      const r = await json("GET", `/devices/${dev}/attendance?limit=100${next ? `&after=${next}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.body.success).toBe(true);
      if (r.body.data.length === 0) break;
      seen.push(...r.body.data);
      next = r.body.next;
    }
    expect(seen.map((r) => r.seq)).toEqual(Array.from({ length: 230 }, (_, i) => i + 1));
    expect(seen[0]).toMatchObject({ user_id: "100", timestamp: ts(0), status: 1, punch: 0, uid: 1 });
    const oneDay = await json("GET", `/devices/${dev}/attendance?limit=1000&user_id=101&date=2026-12-02`);
    expect(oneDay.body.data.length).toBe(20);
    expect(oneDay.body.data.every((r: { user_id: string; timestamp: string }) => r.user_id === "101" && r.timestamp.startsWith("2026-12-02 "))).toBe(true);
    // The seed's call (no paging parameter) still goes to the terminal through the agent, which this test is not.
    agent.close();
  });

  it("streams CSV and NDJSON exports of the stored log", { timeout: 30_000 }, async () => {
    const { dev, agent } = await watched(1200);
    const csv = await call("GET", `/devices/${dev}/attendance`, { headers: { Accept: "text/csv" } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    // A stream carries the headers of every answer (docs/http-api.md §12).
    expect(csv.headers.get("x-request-id")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(csv.headers.get("content-language")).toBe("es");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("user_id,timestamp,status,punch,uid,id,seq,cursor,catch_up");
    expect(lines).toHaveLength(1201);
    const nd = await call("GET", `/devices/${dev}/attendance?after=${"c1.0"}&limit=1100`, { headers: { Accept: "application/x-ndjson", "Accept-Language": "en" } });
    expect(nd.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(nd.headers.get("content-language")).toBe("en");
    const items = (await nd.text()).trim().split("\n").map((l) => JSON.parse(l) as { seq: number });
    expect(items).toHaveLength(1100);
    expect(items.at(-1)!.seq).toBe(1100);
    agent.close();
  });

  it("refuses an `after` that is not a cursor, in the seed's envelope", async () => {
    const { dev, agent } = await watched(3);
    const r = await json("GET", `/devices/${dev}/attendance?after=yesterday`, { headers: { "Accept-Language": "en" } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ success: false, code: "VALIDATION_FAILED" });
    const bad = await json("GET", `/devices/${dev}/attendance?limit=0`);
    expect(bad.status).toBe(400);
    agent.close();
  });

  it("keeps site-scoped keys out of other sites' stored logs", async () => {
    const { dev, agent } = await watched(3);
    const other = await createSite();
    const scoped = await createKey("read", [other.id]);
    const r = await json("GET", `/devices/${dev}/attendance?limit=10`, { key: scoped.key });
    expect(r.status).toBe(404);
    expect(r.body.code).toBe("DEVICE_NOT_FOUND");
    agent.close();
  });
});

describe("attendance of a terminal that is not watched", () => {
  it("answers the seed's call as before, and pages the relayed log with `next`", async () => {
    const site = await createSite();
    const dev = await createDevice({ site: site.id, port: 4499 });
    const records = Array.from({ length: 25 }, (_, i) => ({ user_id: "7", timestamp: ts(i), status: 1, punch: 0, uid: 7 }));
    const agent = await fakeAgent(site, { "attendance.list": () => ({ records }) });
    const seed = await json("GET", `/devices/${dev}/attendance`);
    expect(seed.status).toBe(200);
    expect(seed.body).toEqual({ success: true, data: records });
    const first = await json("GET", `/devices/${dev}/attendance?limit=10`);
    expect(first.body.data).toEqual(records.slice(0, 10));
    const second = await json("GET", `/devices/${dev}/attendance?limit=10&after=${first.body.next}`);
    expect(second.body.data).toEqual(records.slice(10, 20));
    const third = await json("GET", `/devices/${dev}/attendance?limit=10&after=${second.body.next}`);
    expect(third.body.data).toEqual(records.slice(20));
    // The agent got the seed's filters only, never the paging parameters.
    expect(agent.calls("attendance.list").every((r) => !("after" in r.args) && !("limit" in r.args))).toBe(true);
    const csv = await call("GET", `/devices/${dev}/attendance`, { headers: { Accept: "text/csv" } });
    expect((await csv.text()).trim().split("\r\n")).toHaveLength(26);
    agent.close();
  });
});
