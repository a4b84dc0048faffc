import { afterAll, beforeAll, expect, test } from "vitest";
import { waitFor } from "../../scripts/lib/api-client";
import { startSystem, type System } from "./harness/system";
let sys: System;
beforeAll(async () => {
  sys = await startSystem({ site: "scr", terminals: {
    lenta: { transport: "udp", timeout: 0.25, sim: { profile: "zk6", users: 60, records: 50_000, templates: 0, seed: 11, latencyMs: 10 } },
    reloj: { transport: "tcp", sim: { profile: "tft", users: 80, records: 120_000, templates: 0, seed: 12 } },
  }, agentEnv: { ZK_RELAY_LIVE: "1", ZK_RELAY_LIVE_BACKOFF_MS: "200" } });
}, 120_000);
afterAll(async () => { console.log("GWLOGS", sys?.gateway.logs().slice(-40).join("\n")); console.log("AGENT", sys?.agent?.logs.slice(-30).map((l) => JSON.stringify(l)).join("\n")); await sys?.close(); }, 60_000);
const o = { timeoutMs: 170_000, freshConnection: true };
test("x", async () => {
  const t = Date.now();
  const early = await sys.api.get("/devices/lenta/attendance", o);
  console.log("early lenta", Date.now() - t, early.status, early.text.length, early.text.slice(0, 200));
  const early2 = await sys.api.get("/devices/reloj/attendance?limit=5", o);
  console.log("early reloj paged", Date.now() - t, early2.status, early2.text.slice(0, 300));
  await waitFor("caught up", async () => {
    const r = await sys.api.get("/events/devices", o);
    const rows = r.body.data as { device_id: string; last_seq: number; caught_up_at: string | null }[];
    console.log(Date.now() - t, JSON.stringify(rows.map((w) => [w.device_id, w.last_seq, w.caught_up_at])));
    return rows.length === 2 && rows.every((w) => w.caught_up_at) ? true : undefined;
  }, { timeoutMs: 150_000, intervalMs: 2000 });
  console.log("caught up", Date.now() - t);
  for (const p of ["/devices/lenta/attendance", "/devices/reloj/attendance", "/attendance/all"]) {
    const t1 = Date.now();
    const r = await sys.api.get(p, o);
    console.log(p, Date.now() - t1, r.status, r.text.length, r.text.slice(0, 150), r.body?.data?.length);
  }
}, 300_000);
