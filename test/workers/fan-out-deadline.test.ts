// Fan-out routes have one total deadline (case 5): twelve silent devices take one device's budget, not two waves of it.
import { afterAll, beforeAll, expect, test } from "vitest";
import { FAN_OUT_LIMIT } from "../../gateway/fan-out";
import { relayBudgetMs } from "../../gateway/relay/call-agent";
import { createSite, fakeAgent, json, type FakeAgent } from "./helpers";

let agent: FakeAgent;
const DEVICES = Array.from({ length: 2 * FAN_OUT_LIMIT }, (_, i) => `lento-${i}`);

beforeAll(async () => {
  const site = await createSite("fanout");
  for (const id of DEVICES) {
    const r = await json("POST", "/devices", { body: { id, ip: "127.0.0.1", port: 4370 + DEVICES.indexOf(id), timeout: 0.1, site: site.id } });
    if (r.status !== 201) throw new Error(r.text);
  }
  // An agent that takes every request and never answers (its terminals hang).
  agent = await fakeAgent(site, { "attendance.list": () => new Promise(() => {}) });
});
afterAll(() => agent.close());

test("/attendance/all over 12 devices that never answer ends within one device's budget, every device in `errors`", async () => {
  const budget = relayBudgetMs("attendance.list", 0.1);
  const started = Date.now();
  const r = await json("GET", "/attendance/all", { headers: { "Accept-Language": "en" } });
  const took = Date.now() - started;
  expect(r.status).toBe(200);
  expect(Object.keys(r.body.errors).sort()).toEqual([...DEVICES].sort());
  // Two waves of FAN_OUT_LIMIT would take 2 × budget; one total deadline ends at about one budget.
  expect(took).toBeGreaterThanOrEqual(budget - 50);
  expect(took).toBeLessThan(2 * budget - 500);
});
