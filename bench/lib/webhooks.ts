// (d) Punch to webhook: ten terminals punching through agent → gateway (D1, Queue) → signed POST to a local receiver; latency and rate.
import type { Simulator } from "../../agent/zk/sim";
import type { ZkDateTime } from "../../agent/zk/types";
import { waitFor } from "../../scripts/lib/api-client";
import { startReceiver, type WebhookReceiver } from "../../scripts/lib/webhook-receiver";
import { startSystem, type System, type TerminalSetup } from "../../test/e2e/harness/system";
import type { Row } from "./report";
import { round, summarize } from "./stats";

export const PUNCH_TERMINALS = Array.from({ length: 10 }, (_, i) => `w${i}`);
const HOOK = "/hooks/bench";

export interface Phase {
  name: string;
  /** Each terminal punches once every this many ms. */
  everyMs: number;
  seconds: number;
}

/** A steady site (one punch per terminal every 300 ms) and a rush (every 50 ms: 200 punches/s offered). */
export const PHASES: Phase[] = [
  { name: "steady", everyMs: 300, seconds: 15 },
  { name: "rush", everyMs: 50, seconds: 10 },
];

const pad = (n: number) => String(n).padStart(2, "0");
const fmt = (t: ZkDateTime) => `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
const key = (device: string, user: string, ts: string, punch: number) => `${device}|${user}|${ts}|${punch}`;

async function startPunchSystem(): Promise<{ sys: System; receiver: WebhookReceiver }> {
  const receiver = await startReceiver();
  const terminals: Record<string, TerminalSetup> = {};
  PUNCH_TERMINALS.forEach((id, i) => {
    const udp = i % 5 === 4;
    terminals[id] = { transport: udp ? "udp" : "tcp", timeout: 5, sim: { profile: udp ? "zk6" : "tft", seed: 60 + i, users: 60, records: 0, templates: 0 } };
  });
  const sys = await startSystem({
    site: "punches",
    terminals,
    gateway: { bindings: { WEBHOOK_ALLOW_LOOPBACK: "1" } },
    // Live sessions on, as under `npm start` (the harness turns them off for the single-operation tests).
    agentEnv: { ZK_RELAY_LIVE: "1" },
  });
  const created = await sys.api.post("/admin/webhooks", { url: `${receiver.url}${HOOK}`, events: ["attendance"] });
  if (created.status !== 201) throw new Error(`POST /admin/webhooks answered ${created.status}: ${created.text}`);
  receiver.configure(HOOK, { secret: created.body.data.secret });
  let states = "";
  try {
    await waitFor(
      "every terminal live",
      async () => {
        const r = await sys.api.get("/events/devices");
        const devices: { device_id?: string; state?: string }[] = r.body?.data ?? [];
        states = devices.map((d) => `${d.device_id}:${d.state}`).join(" ") || `${r.status} ${r.text.slice(0, 200)}`;
        return devices.filter((d) => d.state === "live").length === PUNCH_TERMINALS.length ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (err) {
    await Promise.allSettled([sys.close(), receiver.close()]);
    throw new Error(`${(err as Error).message}; last seen: ${states}`);
  }
  return { sys, receiver };
}

async function runPhase(sys: System, receiver: WebhookReceiver, phase: Phase, progress: (line: string) => void): Promise<Row[]> {
  const madeAt = new Map<string, number>();
  const before = receiver.accepted(HOOK).length;
  const timers = PUNCH_TERMINALS.map((id, i) => {
    const sim: Simulator = sys.sims[id]!;
    const users = sim.state.users();
    let turn = 0;
    // Terminals start out of step, as people do not punch in unison.
    const start = (phase.everyMs * i) / PUNCH_TERMINALS.length;
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      const who = users[turn % users.length]!;
      const rec = sim.emitAttendance({ uid: who.uid, userId: who.userId, status: 1, punch: turn % 2 });
      turn += 1;
      if (rec) madeAt.set(key(id, rec.userId, fmt(rec.time), rec.punch), Date.now());
    };
    const first = setTimeout(() => {
      tick();
      timer = setInterval(tick, phase.everyMs);
    }, start);
    return () => (clearTimeout(first), clearInterval(timer));
  });
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, phase.seconds * 1000));
  for (const stop of timers) stop();
  const offered = madeAt.size;
  // Drain: everything made must arrive; what has not after 30 s counts as lost.
  const arrived = new Map<string, number>();
  const storedAt = new Map<string, number>();
  let seenUpTo = before;
  try {
    await waitFor(
      `${offered} punches delivered`,
      async () => {
        // Only what arrived since the last look: this process also hosts the receiver and the terminals.
        const all = receiver.accepted(HOOK);
        const fresh = all.slice(seenUpTo);
        seenUpTo = all.length;
        for (const r of fresh) {
          const e = JSON.parse(r.body) as { device_id: string; user_id: string; timestamp: string; punch: number; received_at: string };
          const k = key(e.device_id, e.user_id, e.timestamp, e.punch);
          if (!arrived.has(k)) arrived.set(k, r.at);
          if (!storedAt.has(k)) storedAt.set(k, Date.parse(e.received_at));
        }
        return arrived.size >= madeAt.size && [...madeAt.keys()].every((k) => arrived.has(k)) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch {
    // Reported as lost below.
  }
  const latencies = [...madeAt].flatMap(([k, at]) => (arrived.has(k) ? [arrived.get(k)! - at] : []));
  const lost = offered - latencies.length;
  const lastArrival = Math.max(t0 + 1, ...arrived.values());
  const s = summarize(latencies);
  // Where the time goes: punch → stored in D1 (terminal, agent, relay, ingest) against the whole way.
  const toStore = summarize([...madeAt].flatMap(([k, at]) => (storedAt.has(k) ? [storedAt.get(k)! - at] : [])));
  // Delivered per second from the first punch to the last delivery (the drain included: what the pipeline sustained).
  const rate = round((latencies.length * 1000) / (lastArrival - t0));
  progress(
    `webhooks ${phase.name}: ${offered} punches, p50 ${s.median_ms} ms, p99 ${s.p99_ms} ms, ${rate} delivered/s, lost ${lost}` +
      ` (punch → stored: p50 ${toStore.median_ms} ms, p99 ${toStore.p99_ms} ms)`,
  );
  const perSecond = round((PUNCH_TERMINALS.length * 1000) / phase.everyMs);
  return [
    {
      bench: "webhook",
      what: `punch → signed webhook: 10 terminals, ${perSecond} punches/s offered for ${phase.seconds} s (${phase.name}); errors = punches lost`,
      median_ms: s.median_ms,
      p90_ms: s.p90_ms,
      p99_ms: s.p99_ms,
      rps: rate,
      n: latencies.length,
      errors: lost,
    },
    {
      bench: "webhook",
      what: `  of which punch → stored in D1 (terminal event, agent, relay, ingest), ${phase.name}`,
      median_ms: toStore.median_ms,
      p90_ms: toStore.p90_ms,
      p99_ms: toStore.p99_ms,
      n: toStore.n,
    },
  ];
}

/** Runs both phases on a system of its own (stopped before returning). */
export async function benchWebhooks(progress: (line: string) => void): Promise<Row[]> {
  progress("webhooks: starting gateway (workerd), 10 punching terminals, agent, receiver");
  const { sys, receiver } = await startPunchSystem();
  try {
    const rows: Row[] = [];
    for (const phase of PHASES) rows.push(...(await runPhase(sys, receiver, phase, progress)));
    const bad = receiver.received(HOOK).filter((r) => r.verified !== true).length;
    if (bad > 0) throw new Error(`${bad} deliveries failed signature verification`);
    return rows;
  } finally {
    await sys.close();
    await receiver.close();
  }
}
