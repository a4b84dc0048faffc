// Punches through the whole system: simulators punching → agent live sessions → gateway → GET /events; the agent
// SIGKILLed mid-punching and restarted: no punch lost, none stored twice, each device's seq gapless.
import { afterAll, beforeAll, expect, test } from "vitest";
import { waitFor } from "../../scripts/lib/api-client";
import type { StoredEvent } from "../../shared/events";
import { allEvents, loggedPunches, punchKey } from "./harness/events";
import { startSystem, type System } from "./harness/system";

let sys: System;

beforeAll(async () => {
  sys = await startSystem({
    site: "events",
    terminals: {
      reloj: { transport: "tcp", sim: { profile: "tft", users: 12, records: 30, templates: 0, punchEverySec: 0.25 } },
      puerta: { transport: "udp", sim: { profile: "zk6", users: 8, records: 15, templates: 0, seed: 3, punchEverySec: 0.4 } },
    },
    agentEnv: { ZK_RELAY_LIVE: "1", ZK_RELAY_LIVE_KEEPALIVE_MS: "500", ZK_RELAY_LIVE_BACKOFF_MS: "200", ZK_RELAY_RESEND_MS: "2000" },
  });
}, 120_000);

afterAll(async () => {
  await sys?.close();
}, 60_000);

/** Waits until every record each simulator logged so far is stored as an event of its device. */
async function everyLoggedPunchStored(what: string): Promise<StoredEvent[]> {
  const want = Object.fromEntries(Object.entries(sys.sims).map(([id, sim]) => [id, loggedPunches(sim)]));
  return waitFor(
    what,
    async () => {
      const events = await allEvents(sys.api, "&type=attendance");
      for (const [id, keys] of Object.entries(want)) {
        const stored = new Set(events.filter((e) => e.device_id === id).map(punchKey));
        if (!keys.every((k) => stored.has(k))) return undefined;
      }
      return events;
    },
    { timeoutMs: 60_000, intervalMs: 300 },
  );
}

function expectNoDuplicates(events: StoredEvent[]): void {
  const ids = events.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  const keys = events.map((e) => `${e.device_id}|${punchKey(e)}`);
  expect(new Set(keys).size).toBe(keys.length);
  for (const id of Object.keys(sys.sims)) {
    const seqs = events.filter((e) => e.device_id === id).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  }
}

test("the logs are imported, then live punches arrive, in order, each once", async () => {
  const events = await everyLoggedPunchStored("the import and the first live punches");
  expect(events.some((e) => e.catch_up)).toBe(true);
  await waitFor("live punches", async () => ((await allEvents(sys.api, "&type=attendance")).filter((e) => !e.catch_up).length >= 6 ? true : undefined), { timeoutMs: 30_000 });
  const after = await everyLoggedPunchStored("every punch so far");
  expectNoDuplicates(after);
  // Cursor order is storing order: a second read after the last cursor sees only newer events.
  const last = after.at(-1)!;
  const newer = await sys.api.get(`/events?after=${last.cursor}&limit=1000`);
  expect((newer.body.data as StoredEvent[]).every((e) => e.cursor !== last.cursor && !after.some((a) => a.id === e.id))).toBe(true);
  const status = await sys.api.get("/events/devices");
  expect(status.body.data.map((w: { device_id: string; state: string }) => [w.device_id, w.state]).sort()).toEqual([
    ["puerta", "live"],
    ["reloj", "live"],
  ]);
}, 120_000);

test("SIGKILL of the agent while terminals punch: after a restart every punch is there, none twice", async () => {
  const before = (await allEvents(sys.api)).length;
  await sys.agent!.kill();
  await sys.waitAgent(false);
  // The terminals keep punching while nobody listens: those punches are only in their logs.
  const logged = Object.values(sys.sims).map((s) => s.state.attendance().length);
  await waitFor("punches while the agent is down", async () => (Object.values(sys.sims).every((s, i) => s.state.attendance().length >= logged[i]! + 2) ? true : undefined), { timeoutMs: 20_000 });
  await sys.startAgent();
  const events = await everyLoggedPunchStored("every punch, those of the outage included");
  expect(events.length).toBeGreaterThan(before);
  expectNoDuplicates(events);
  expect(events.slice(before).some((e) => e.catch_up)).toBe(true);
  // The stored log answers the attendance route too, paged.
  const page = await sys.api.get("/devices/reloj/attendance?limit=5");
  expect(page.status).toBe(200);
  expect(page.body.data).toHaveLength(5);
  expect(typeof page.body.next).toBe("string");
}, 180_000);
