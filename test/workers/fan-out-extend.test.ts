// A fan-out's total deadline moves with its calls' extensions (docs/relay.md §4, docs/http-api.md §8): devices
// waiting for a slot behind extended reads get their own budget, a silent terminal still fails with RELAY_TIMEOUT,
// and the SiteRelay keeps a fan-out's extensions within its bound.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FAN_OUT_LIMIT } from "../../gateway/fan-out";
import { relayBudgetMs } from "../../gateway/relay/call-agent";
import { message } from "../../shared/messages";
import { RELAY_VERSION, type RequestFrame } from "../../shared/relay";
import { createSite, json } from "./helpers";
import { connectAgent, relayOf, target, type ScriptedAgent } from "./relay-helpers";

const record = (n: number) => ({ user_id: String(100 + n), timestamp: `2026-11-0${1 + n} 08:00:00`, status: 1, punch: 0, uid: 1 + n });

describe("/attendance/all behind extended reads", () => {
  // Sorted by id (the fan-out's order): the silent terminal takes a first-wave slot, and the last three of the
  // eight wait for slots held by reads that outlast the original total deadline.
  const SILENT = "a-muda";
  const EXTENDED = Array.from({ length: 8 }, (_, i) => `ext-${i}`);
  let agent: ScriptedAgent;
  const requests: RequestFrame[] = [];
  const answeredAt = new Map<string, number>();

  beforeAll(async () => {
    const site = await createSite();
    for (const [i, id] of [SILENT, ...EXTENDED].entries()) {
      const r = await json("POST", "/devices", { body: { id, ip: "127.0.0.1", port: 4370 + i, timeout: 0.1, site: site.id } });
      if (r.status !== 201) throw new Error(r.text);
    }
    agent = await connectAgent(site);
    agent.hello();
    // Each extended device: asks at once for 3 s past its deadline, answers 400 ms past it. The silent one: nothing.
    agent.ws.addEventListener("message", (ev) => {
      const frame = JSON.parse(ev.data as string) as RequestFrame;
      if (frame.type !== "request") return;
      requests.push(frame);
      if (frame.device.id === SILENT) return;
      agent.send({ v: RELAY_VERSION, type: "extend", id: frame.id, deadline: frame.deadline + 3000 });
      setTimeout(() => {
        answeredAt.set(frame.device.id, Date.now());
        agent.answer(frame.id, { records: [record(EXTENDED.indexOf(frame.device.id))] });
      }, frame.deadline + 400 - Date.now());
    });
  });
  afterAll(() => agent.close());

  test("all eight extended devices are answered, the silent one alone is in `errors` with RELAY_TIMEOUT", { timeout: 30_000 }, async () => {
    const started = Date.now();
    const total = started + relayBudgetMs("attendance.list", 0.1);
    const r = await json("GET", "/attendance/all", { headers: { "Accept-Language": "en" } });
    expect(r.status).toBe(200);
    expect(r.body.errors).toEqual({ [SILENT]: message("en", "RELAY_TIMEOUT", { device_id: SILENT }) });
    expect([...r.body.data].sort((a: any, b: any) => a.device.localeCompare(b.device))).toEqual(EXTENDED.map((id, n) => ({ ...record(n), device: id })));
    // The case itself: every device was answered after the fan-out's original total deadline.
    expect(EXTENDED.filter((id) => (answeredAt.get(id) ?? 0) <= total)).toEqual([]);
    // Those that waited for a slot were sent with a budget of their own, past the original total deadline.
    const waited = requests.filter((f) => EXTENDED.slice(FAN_OUT_LIMIT - 1).includes(f.device.id));
    expect(waited.map((f) => f.device.id).sort()).toEqual(EXTENDED.slice(FAN_OUT_LIMIT - 1));
    for (const f of waited) expect(f.deadline).toBeGreaterThan(total);
    expect(requests).toHaveLength(1 + EXTENDED.length);
  });
});

describe("SiteRelay: a fan-out's extensions", () => {
  test("are cut at the fan-out's bound (RELAY_TIMEOUT there) and reported to it", { timeout: 10_000 }, async () => {
    const site = await createSite();
    const agent = await connectAgent(site);
    agent.hello();
    const now = Date.now();
    const told: number[] = [];
    const out = relayOf(site.id).relay("attendance.list", target(5, "grande"), {}, now + 300, { latest: now + 1200, onExtend: (d: number) => void told.push(d) });
    const req = await agent.next("request", 5000);
    agent.send({ v: RELAY_VERSION, type: "extend", id: req.id, deadline: now + 60_000 });
    const outcome = await out;
    expect(outcome).toMatchObject({ ok: false, error: { code: "RELAY_TIMEOUT" } });
    expect(told).toHaveLength(1);
    expect(told[0]).toBeGreaterThan(now + 300);
    expect(told[0]).toBeLessThanOrEqual(now + 1200);
    agent.close();
  });

  test("without a bound the agent's deadline is kept, and an answer after the request's own deadline is taken", { timeout: 10_000 }, async () => {
    const site = await createSite();
    const agent = await connectAgent(site);
    agent.hello();
    const now = Date.now();
    const told: number[] = [];
    const out = relayOf(site.id).relay("attendance.list", target(5, "grande"), {}, now + 300, { onExtend: (d: number) => void told.push(d) });
    const req = await agent.next("request", 5000);
    agent.send({ v: RELAY_VERSION, type: "extend", id: req.id, deadline: now + 5000 });
    await new Promise((r) => setTimeout(r, 600));
    agent.answer(req.id, { records: [] });
    expect(await out).toEqual({ ok: true, result: { records: [] } });
    expect(told).toEqual([now + 5000]);
    agent.close();
  });
});
