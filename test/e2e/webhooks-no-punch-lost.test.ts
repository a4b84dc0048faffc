// No punch lost: 10 terminals punching through agent → gateway → Queue → webhook receiver, while the agent is killed, the gateway restarted, the receiver stopped and a terminal dropped.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Simulator } from "../../agent/zk/sim";
import type { ZkAttendance, ZkDateTime } from "../../agent/zk/types";
import { waitFor } from "../../scripts/lib/api-client";
import { startReceiver, type Received, type WebhookReceiver } from "../../scripts/lib/webhook-receiver";
import { startSystem, type System, type TerminalSetup } from "./harness/system";

const TERMINALS = Array.from({ length: 10 }, (_, i) => `p${i}`);
const HOOK = "/hooks/no-punch-lost";
/** The receiver answers 503 to this many first POSTs (retries with backoff are part of every run). */
const FAIL_FIRST = 3;

let sys: System;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startReceiver();
  const terminals: Record<string, TerminalSetup> = {};
  TERMINALS.forEach((id, i) => {
    // Every fifth an older UDP-only terminal, as on a real site; no stored log, so every event is a punch of this test.
    const udp = i % 5 === 4;
    terminals[id] = { transport: udp ? "udp" : "tcp", timeout: 1, sim: { profile: udp ? "zk6" : "tft", seed: 40 + i, users: 40, records: 0, templates: 0 } };
  });
  sys = await startSystem({
    site: "nopunchlost",
    terminals,
    gateway: {
      // docs/webhooks.md §3, §4: loopback receiver, short backoff (1-2 s) and POST timeout so the test stays short.
      bindings: { WEBHOOK_ALLOW_LOOPBACK: "1", WEBHOOK_RETRY_BASE_S: "1", WEBHOOK_RETRY_MAX_S: "2", WEBHOOK_TIMEOUT_MS: "2000" },
    },
    // Dead terminal sessions noticed within a second, and redialled quickly (docs/events.md §4).
    agentEnv: { ZK_RELAY_LIVE: "1", ZK_RELAY_LIVE_KEEPALIVE_MS: "1000", ZK_RELAY_LIVE_BACKOFF_MS: "200" },
  });
  const created = await sys.api.post("/admin/webhooks", { url: `${receiver.url}${HOOK}`, events: ["attendance"] });
  expect(created.status).toBe(201);
  receiver.configure(HOOK, { secret: created.body.data.secret, failFirst: FAIL_FIRST, failStatus: 503 });
  // Every terminal watched with a live session before the first punch.
  await waitFor(
    "every terminal live",
    async () => {
      const r = await sys.api.get("/events/devices");
      const live = (r.body?.data ?? []).filter((d: { state?: string }) => d.state === "live").length;
      return live === TERMINALS.length ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}, 90_000);

afterAll(async () => {
  await sys?.close();
  await receiver?.close();
});

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const fmt = (t: ZkDateTime) => `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
const keyOf = (device: string, p: { user_id: string; timestamp: string; status?: number; punch?: number }) =>
  `${device}|${p.user_id}|${p.timestamp}|${p.status}|${p.punch}`;

/** People punching at one terminal every 0.2-0.5 s, each user in turn (no two punches of one user in one second). */
function punchAt(id: string, sim: Simulator, made: string[]): () => void {
  const users = sim.state.users();
  let turn = 0;
  let timer: NodeJS.Timeout;
  const next = () => {
    const who = users[turn % users.length]!;
    const rec: ZkAttendance | undefined = sim.emitAttendance({ uid: who.uid, userId: who.userId, status: 1, punch: turn % 2 });
    turn += 1;
    if (rec) made.push(keyOf(id, { user_id: rec.userId, timestamp: fmt(rec.time), status: rec.status, punch: rec.punch }));
    timer = setTimeout(next, 200 + Math.random() * 300);
  };
  timer = setTimeout(next, Math.random() * 300);
  return () => clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Delivered {
  id: string;
  device_id: string;
  seq: number;
  user_id: string;
  timestamp: string;
  status?: number;
  punch?: number;
}

test(
  "every punch is delivered, signed, in order per device; duplicates only with the same event id",
  async () => {
    const made: string[] = [];
    const stops = TERMINALS.map((id) => punchAt(id, sys.sims[id]!, made));

    await sleep(2500);
    // The agent dies without a goodbye and comes back: its event outbox and catch-up cursors are on disk.
    await sys.agent!.kill();
    await sleep(1500);
    await sys.startAgent();
    await sleep(1500);
    // The gateway goes down and up on the same port and data: queue messages in flight are gone, D1 stays.
    await sys.gateway.restart();
    await sleep(2500);
    // The receiver is unreachable for a while (connection refused), and a terminal stops answering meanwhile.
    await receiver.stop();
    const dropped = sys.sims.p3!;
    dropped.faults.set({ kind: "silence" });
    await sleep(3000);
    dropped.faults.set(null);
    await receiver.start();
    await sleep(2000);
    for (const stop of stops) stop();

    const expected = new Set(made);
    expect(expected.size).toBe(made.length); // each punch is its own event (distinct user or second)
    expect(made.length).toBeGreaterThan(TERMINALS.length * 15);

    const accepted = () => receiver.accepted(HOOK).map((r) => ({ r, e: JSON.parse(r.body) as Delivered }));
    await waitFor(
      `all ${expected.size} punches delivered`,
      async () => {
        const got = new Set(accepted().map(({ e }) => keyOf(e.device_id, e)));
        return [...expected].every((k) => got.has(k)) ? true : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 200 },
    ).catch(async (err) => {
      const got = new Set(accepted().map(({ e }) => keyOf(e.device_id, e)));
      const missing = [...expected].filter((k) => !got.has(k));
      const stored = (await sys.api.get("/events?limit=1000")).body?.data ?? [];
      const storedKeys = new Set(stored.map((e: Delivered) => keyOf(e.device_id, e)));
      const hooks = (await sys.api.get("/admin/webhooks")).body?.data;
      throw new Error(
        `${(err as Error).message}: ${missing.length} missing (${missing.filter((k) => storedKeys.has(k)).length} of them stored), e.g. ${missing.slice(0, 5).join(", ")}; ` +
          `stored ${stored.length}; webhook counts ${JSON.stringify(hooks?.[0]?.deliveries)}; receiver got ${receiver.received(HOOK).length} POSTs`,
      );
    });

    const all = receiver.received(HOOK);
    const ok = accepted();
    // Every POST was signed with the webhook's secret.
    expect(all.every((r: Received) => r.verified === true)).toBe(true);
    // Retries happened: the receiver's first answers were failures.
    expect(all.slice(0, FAIL_FIRST).map((r) => r.status)).toEqual(Array(FAIL_FIRST).fill(503));

    // Nothing but the punches made, and each punch under exactly one event id.
    const idsByPunch = new Map<string, Set<string>>();
    const bodyById = new Map<string, string>();
    for (const { r, e } of ok) {
      const k = keyOf(e.device_id, e);
      expect(expected.has(k)).toBe(true);
      idsByPunch.set(k, (idsByPunch.get(k) ?? new Set()).add(e.id));
      expect(r.eventId).toBe(e.id);
      // A duplicate is the same delivery again: same id, same bytes.
      if (bodyById.has(e.id)) expect(r.body).toBe(bodyById.get(e.id));
      bodyById.set(e.id, r.body);
    }
    expect([...idsByPunch.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(idsByPunch.size).toBe(expected.size);

    // In order per device: first deliveries of each device come in seq order 1, 2, 3… with no gap.
    for (const id of TERMINALS) {
      const firsts: number[] = [];
      const seen = new Set<string>();
      for (const { e } of ok) {
        if (e.device_id !== id || seen.has(e.id)) continue;
        seen.add(e.id);
        firsts.push(e.seq);
      }
      expect(firsts.length).toBeGreaterThan(0);
      expect(firsts).toEqual(firsts.map((_, i) => i + 1));
    }

    // The admin API agrees: nothing pending or dead once everything arrived.
    await waitFor(
      "no delivery pending",
      async () => {
        const hooks = await sys.api.get("/admin/webhooks");
        const counts = hooks.body.data[0].deliveries;
        return counts.pending === 0 ? counts : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const counts = (await sys.api.get("/admin/webhooks")).body.data[0].deliveries;
    expect(counts).toEqual({ pending: 0, delivered: expected.size, dead: 0 });
  },
  120_000,
);
