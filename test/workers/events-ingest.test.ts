// Event ingest in the SiteRelay (dedupe, per-device seq, acks, site scope) and the pull API (paging, streaming).
import { describe, expect, it } from "vitest";
import type { AgentEvent, StoredEvent } from "../../shared/events";
import { createDevice, createKey, createSite, json, call } from "./helpers";
import { connectAgent, until, type ScriptedAgent } from "./relay-helpers";

function punch(device: string, user: string, second: number, extra: Partial<AgentEvent> = {}): AgentEvent {
  const s = String(second % 60).padStart(2, "0");
  const m = String(Math.floor(second / 60) % 60).padStart(2, "0");
  return { device_id: device, type: "attendance", user_id: user, uid: Number(user) || 1, timestamp: `2026-12-04 09:${m}:${s}`, status: 1, punch: 0, catch_up: false, ...extra };
}

async function sendBatch(agent: ScriptedAgent, events: AgentEvent[], status?: unknown[]): Promise<string> {
  const id = crypto.randomUUID();
  agent.send({ v: 1, type: "events", id, events, ...(status ? { status } : {}) });
  await until(() => agent.frames.some((f) => f.type === "ack" && f.id === id), 500);
  return id;
}

async function allEvents(query: string, key?: string): Promise<StoredEvent[]> {
  const r = await json("GET", `/events?${query}`, key ? { key } : {});
  expect(r.status).toBe(200);
  return r.body.data;
}

describe("event ingest", () => {
  it("tells a connected agent which terminals to watch, on hello and on every registry change", async () => {
    const site = await createSite();
    const dev = await createDevice({ site: site.id, port: 4371 });
    const agent = await connectAgent(site);
    agent.hello();
    const first = await agent.next("watch");
    expect(first.devices.map((d) => d.id)).toEqual([dev]);
    expect(first.devices[0]).toMatchObject({ ip: "127.0.0.1", port: 4371 });
    const other = await createDevice({ site: site.id, port: 4372 });
    const second = await agent.next("watch");
    expect(second.devices.map((d) => d.id).sort()).toEqual([dev, other].sort());
    expect((await json("DELETE", `/devices/${dev}`)).status).toBe(200);
    const third = await agent.next("watch");
    expect(third.devices.map((d) => d.id)).toEqual([other]);
    agent.close();
  });

  it("stores each event once, with per-device seqs, and acknowledges every batch", async () => {
    const site = await createSite();
    const a = await createDevice({ site: site.id, port: 4381 });
    const b = await createDevice({ site: site.id, port: 4382 });
    const agent = await connectAgent(site);
    agent.hello();
    await sendBatch(agent, [punch(a, "1", 1), punch(b, "2", 2), punch(a, "3", 3)]);
    // Re-sent (a lost ack) and re-reported by a catch-up: same ids, nothing new.
    await sendBatch(agent, [punch(a, "1", 1), punch(a, "3", 3, { catch_up: true }), punch(a, "4", 4, { catch_up: true })]);
    const stored = await allEvents(`device_id=${a}`);
    expect(stored.map((e) => [e.user_id, e.seq, e.catch_up])).toEqual([["1", 1, false], ["3", 2, false], ["4", 3, true]]);
    expect(new Set(stored.map((e) => e.id)).size).toBe(3);
    const onB = await allEvents(`device_id=${b}`);
    expect(onB.map((e) => e.seq)).toEqual([1]);
    expect(onB[0]).toMatchObject({ site_id: site.id, type: "attendance", status: 1, punch: 0, timestamp: "2026-12-04 09:00:02" });
    agent.close();
  });

  it("drops events of devices that are not the site's, and still acknowledges", async () => {
    const mine = await createSite();
    const theirs = await createSite();
    const foreign = await createDevice({ site: theirs.id, port: 4391 });
    const agent = await connectAgent(mine);
    agent.hello();
    await sendBatch(agent, [punch(foreign, "9", 9)]);
    expect(await allEvents(`device_id=${foreign}`)).toEqual([]);
    agent.close();
  });

  it("pages with `next` in order and at least once, and streams CSV and NDJSON", async () => {
    const site = await createSite();
    const dev = await createDevice({ site: site.id, port: 4401 });
    const agent = await connectAgent(site);
    agent.hello();
    const batch = Array.from({ length: 250 }, (_, i) => punch(dev, String(100 + (i % 7)), i));
    await sendBatch(agent, batch.slice(0, 200));
    await sendBatch(agent, batch.slice(200));
    const seen: StoredEvent[] = [];
    let after = "";
    for (let page = 0; page < 10; page++) {
      const r = await json("GET", `/events?device_id=${dev}&limit=60${after ? `&after=${after}` : ""}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.data);
      if (r.body.data.length === 0) {
        expect(r.body.next).toBe(after);
        break;
      }
      after = r.body.next;
    }
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    const csv = await call("GET", `/events?device_id=${dev}`, { headers: { Accept: "text/csv" } });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^id,seq,cursor,device_id,type,user_id/);
    expect(lines).toHaveLength(251);
    const nd = await call("GET", `/events?device_id=${dev}&after=${seen[99]!.cursor}`, { headers: { Accept: "application/x-ndjson" } });
    const items = (await nd.text()).trim().split("\n").map((l) => JSON.parse(l) as StoredEvent);
    expect(items.map((e) => e.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 101));
    agent.close();
  });

  it("refuses cursors it did not give, and keeps site-scoped keys to their sites", async () => {
    const bad = await json("GET", "/events?after=12345");
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("VALIDATION_FAILED");
    const one = await createSite();
    const two = await createSite();
    const d1 = await createDevice({ site: one.id, port: 4411 });
    const d2 = await createDevice({ site: two.id, port: 4412 });
    for (const [site, dev] of [[one, d1], [two, d2]] as const) {
      const agent = await connectAgent(site);
      agent.hello();
      await sendBatch(agent, [punch(dev, "5", 5)]);
      agent.close();
    }
    const scoped = await createKey("read", [one.id]);
    const visible = await allEvents("limit=1000", scoped.key);
    expect(visible.some((e) => e.device_id === d1)).toBe(true);
    expect(visible.some((e) => e.device_id === d2)).toBe(false);
    expect(await allEvents(`device_id=${d2}`, scoped.key)).toEqual([]);
  });

  it("keeps the watch status the agent reports, a cleared log counted once however often it is re-sent", async () => {
    const site = await createSite();
    const dev = await createDevice({ site: site.id, port: 4421 });
    const agent = await connectAgent(site);
    agent.hello();
    // Events stored first (the gateway's clock) must not make the agent's status reports look old.
    await sendBatch(agent, [punch(dev, "1", 1)]);
    const reset = { at: "2026-12-04T09:00:00.000Z", previous: 40, now: 2 };
    const status = { device_id: dev, state: "live", log_records: 2, caught_up_at: "2026-12-04T09:00:01.000Z", log_reset: reset, at: "2026-12-04T09:00:01.000Z" };
    await sendBatch(agent, [], [status]);
    await sendBatch(agent, [], [status]);
    // An older report arriving late changes nothing.
    await sendBatch(agent, [], [{ device_id: dev, state: "connecting", at: "2026-12-04T08:00:00.000Z" }]);
    const r = await json("GET", "/events/devices");
    const row = r.body.data.find((w: { device_id: string }) => w.device_id === dev);
    expect(row).toMatchObject({ state: "live", agent_connected: true, log_records: 2, log_resets: 1, last_log_reset: reset, caught_up_at: "2026-12-04T09:00:01.000Z" });
    agent.close();
    // A killed agent never reports "stopped": once it is gone the last report is not shown as current.
    await until(async () => {
      const after = await json("GET", "/events/devices");
      return after.body.data.find((w: { device_id: string }) => w.device_id === dev)?.agent_connected === false;
    });
    const gone = (await json("GET", "/events/devices")).body.data.find((w: { device_id: string }) => w.device_id === dev);
    expect(gone).toMatchObject({ state: "agent_offline", agent_connected: false, log_records: 2, caught_up_at: "2026-12-04T09:00:01.000Z" });
  });
});
