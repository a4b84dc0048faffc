// Catch-up after an agent outage of two real minutes: the terminal punches throughout; once the agent is back,
// every punch made meanwhile is stored, marked catch_up. Mostly idle waiting, so it has a file of its own.
import { afterAll, beforeAll, expect, test } from "vitest";
import { waitFor } from "../../scripts/lib/api-client";
import { allEvents, loggedPunches, punchKey } from "./harness/events";
import { startSystem, type System } from "./harness/system";

const OUTAGE_MS = 120_000;
let sys: System;

beforeAll(async () => {
  sys = await startSystem({
    site: "outage",
    terminals: { reloj: { transport: "tcp", sim: { profile: "tft", users: 10, records: 5, templates: 0, punchEverySec: 2 } } },
    agentEnv: { ZK_RELAY_LIVE: "1", ZK_RELAY_LIVE_KEEPALIVE_MS: "1000", ZK_RELAY_LIVE_BACKOFF_MS: "200" },
  });
}, 120_000);

afterAll(async () => {
  await sys?.close();
}, 60_000);

test("two minutes without the agent: every punch made meanwhile arrives, marked catch_up", async () => {
  const sim = sys.sims.reloj!;
  await waitFor("the log imported", async () => ((await allEvents(sys.api)).length >= loggedPunches(sim).length ? true : undefined), { timeoutMs: 30_000 });
  await sys.agent!.stop();
  await sys.waitAgent(false);
  const before = new Set(loggedPunches(sim));
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  const during = loggedPunches(sim).filter((k) => !before.has(k));
  expect(during.length).toBeGreaterThanOrEqual(40);
  await sys.startAgent();
  const events = await waitFor(
    "the outage's punches",
    async () => {
      const all = await allEvents(sys.api);
      const stored = new Set(all.map(punchKey));
      return during.every((k) => stored.has(k)) ? all : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const outage = events.filter((e) => during.includes(punchKey(e)));
  expect(outage).toHaveLength(during.length);
  expect(outage.every((e) => e.catch_up)).toBe(true);
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
}, 300_000);
