// Large attendance logs over the relay: an agent extends a request's wait (budget from size), and a response larger
// than one frame arrives in parts and is answered whole.
import { describe, expect, it } from "vitest";
import { createSite, json } from "./helpers";
import { connectAgent } from "./relay-helpers";

const record = (i: number) => ({ user_id: String(10_000 + (i % 3000)), timestamp: `2026-11-${String(1 + (i % 28)).padStart(2, "0")} 08:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}`, status: 1, punch: i % 2, uid: 1 + (i % 3000) });

async function deviceWithTimeout(site: { id: string }, id: string, timeout: number): Promise<void> {
  const r = await json("POST", "/devices", { body: { id, ip: "127.0.0.1", port: 4370, timeout, site: site.id } });
  expect(r.status).toBe(201);
}

describe("large logs over the relay", () => {
  it("waits past the usual deadline when the agent asks for more time", { timeout: 20_000 }, async () => {
    const site = await createSite();
    await deviceWithTimeout(site, "lento", 0.1); // bulk budget: 12 × 0.1 s + 2 s
    const agent = await connectAgent(site);
    agent.hello();
    const answer = json("GET", "/devices/lento/attendance");
    const req = await agent.next("request", 5000);
    expect(req.op).toBe("attendance.list");
    agent.send({ v: 1, type: "extend", id: req.id, deadline: Date.now() + 10_000 });
    await new Promise((r) => setTimeout(r, 4500)); // past the original deadline
    agent.answer(req.id, { records: [record(1)] });
    const r = await answer;
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual([record(1)]);
    agent.close();
  });

  it("without an extension the usual deadline still holds (504 RELAY_TIMEOUT)", { timeout: 20_000 }, async () => {
    const site = await createSite();
    await deviceWithTimeout(site, "lento2", 0.1);
    const agent = await connectAgent(site);
    agent.hello();
    const answer = json("GET", "/devices/lento2/attendance");
    await agent.next("request", 5000);
    const r = await answer;
    expect(r.status).toBe(504);
    expect(r.body.code).toBe("RELAY_TIMEOUT");
    agent.close();
  });

  it("joins a response sent in parts (over 8 MiB of JSON) and answers every record", { timeout: 60_000 }, async () => {
    const site = await createSite();
    await deviceWithTimeout(site, "grande", 5);
    const agent = await connectAgent(site);
    agent.hello();
    const answer = json("GET", "/devices/grande/attendance");
    const req = await agent.next("request", 5000);
    const records = Array.from({ length: 120_000 }, (_, i) => record(i));
    const text = JSON.stringify({ v: 1, type: "response", id: req.id, ok: true, result: { records } });
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
    const size = 1_000_000;
    const count = Math.ceil(text.length / size);
    // Out of order on purpose: parts are placed by index.
    for (const index of [...Array.from({ length: count }, (_, i) => i)].reverse()) {
      agent.send({ v: 1, type: "part", id: req.id, index, count, data: text.slice(index * size, (index + 1) * size) });
    }
    const r = await answer;
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(120_000);
    expect(r.body.data[119_999]).toEqual(record(119_999));
    agent.close();
  });
});
