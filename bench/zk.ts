// ZK read benchmark (`npm run bench:zk`): 10,000 users and 100,000 records at 1 ms per packet, TCP and UDP, our
// client beside node-zklib and zkteco-js; prints a table and writes bench/results/zk.json. Always terminates.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../agent/zk/sim";
import { BENCH_CLIENTS, type BenchClient, type BenchSession, type Transport, type What } from "./zk-clients";

const env = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const USERS = env("ZK_BENCH_USERS", 10_000);
const RECORDS = env("ZK_BENCH_RECORDS", 100_000);
const LATENCY_MS = env("ZK_BENCH_LATENCY_MS", 1);
const ROW_TIMEOUT_MS = env("ZK_BENCH_ROW_TIMEOUT_MS", 120_000);
const OUT = resolve(dirname(fileURLToPath(import.meta.url)), "results/zk.json");

interface Row {
  client: string;
  transport: Transport;
  what: What;
  /** Terminal profile: TCP rows read a TFT terminal (72/40-byte records), UDP rows a ZK6 one (28/16 bytes). */
  profile: "tft" | "zk6";
  ms: number | null;
  /** Packets the terminal sent during the read. */
  packets: number | null;
  bytes: number | null;
  /** packets × latency + bytes ÷ throughput: the fastest any client could be on this link. */
  lowerBoundMs: number | null;
  records: number | null;
  ok: boolean;
  error?: string;
  unsupported?: string;
}

// A hung client must not hang the benchmark: a hard cap on the whole run.
const watchdog = setTimeout(() => {
  console.error("bench/zk: overall time limit reached");
  process.exit(1);
}, ROW_TIMEOUT_MS * 14);
watchdog.unref();

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function expected(sim: Simulator, what: What): string[] {
  if (what === "users") return sim.state.users().map((u) => u.userId);
  return sim.state.attendance().map((a) => {
    const t = a.time;
    return `${a.userId}@${new Date(t.year, t.month - 1, t.day, t.hour, t.minute, t.second).getTime()}`;
  });
}

async function runClient(c: BenchClient, transport: Transport): Promise<Row[]> {
  const profile = transport === "tcp" ? "tft" : "zk6";
  const base = { client: c.client, transport, profile } as const;
  const whats: What[] = ["users", "attendance"];
  const blank = { ms: null, packets: null, bytes: null, lowerBoundMs: null, records: null };
  const reasons = whats.map((w) => c.unsupported(transport, w));
  if (reasons.every((r) => r !== undefined)) {
    return whats.map((what, i) => ({ ...base, what, ...blank, ok: false, unsupported: reasons[i] }));
  }
  // A fresh terminal per client: a client that hangs cannot block the next one's single TCP session.
  const sim = await startSimulator({ profile, users: USERS, records: RECORDS, templates: 0, seed: 7, latencyMs: LATENCY_MS });
  const rows: Row[] = [];
  let session: BenchSession | undefined;
  try {
    session = await withTimeout(c.open(sim.port, transport), ROW_TIMEOUT_MS, `${c.client} connect`);
    for (const [i, what] of whats.entries()) {
      if (reasons[i]) {
        rows.push({ ...base, what, ...blank, ok: false, unsupported: reasons[i] });
        continue;
      }
      const p0 = sim.packetsSent;
      const b0 = sim.bytesSent;
      const t0 = performance.now();
      try {
        const got = await withTimeout(session.read(what), ROW_TIMEOUT_MS, `${c.client} ${what}`);
        const ms = performance.now() - t0;
        const packets = sim.packetsSent - p0;
        const bytes = sim.bytesSent - b0;
        const want = expected(sim, what);
        const ok = got.length === want.length && got.every((v, k) => v === want[k]);
        const error = ok ? undefined : `wrong data: ${got.length} of ${want.length} entries, first mismatch at ${got.findIndex((v, k) => v !== want[k])}`;
        rows.push({ ...base, what, ms: Math.round(ms), packets, bytes, lowerBoundMs: Math.round(sim.lowerBoundMs(packets, bytes)), records: got.length, ok, error });
      } catch (err) {
        rows.push({ ...base, what, ...blank, ok: false, error: (err as Error).message });
      }
    }
  } catch (err) {
    for (const what of whats.slice(rows.length)) rows.push({ ...base, what, ...blank, ok: false, error: (err as Error).message });
  } finally {
    if (session) await withTimeout(session.close(), 5000, "close").catch(() => undefined);
    await sim.close();
  }
  return rows;
}

function table(rows: Row[]): string {
  const head = ["client", "transport", "what", "ms", "packets", "lower bound ms", "result"];
  const body = rows.map((r) => [
    r.client,
    `${r.transport} (${r.profile})`,
    r.what,
    r.ms === null ? "-" : String(r.ms),
    r.packets === null ? "-" : String(r.packets),
    r.lowerBoundMs === null ? "-" : String(r.lowerBoundMs),
    r.unsupported ? "unsupported" : r.ok ? `ok (${r.records})` : `FAILED: ${r.error}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

const rows: Row[] = [];
console.log(`bench/zk: ${USERS} users, ${RECORDS} records, ${LATENCY_MS} ms per packet`);
for (const transport of ["tcp", "udp"] as const) {
  for (const c of BENCH_CLIENTS) {
    const got = await runClient(c, transport);
    rows.push(...got);
    for (const r of got) console.log(`  ${r.client} ${r.transport} ${r.what}: ${r.unsupported ? "unsupported" : r.ok ? `${r.ms} ms` : `failed (${r.error})`}`);
  }
}
console.log(`\n${table(rows)}`);
for (const r of rows.filter((x) => x.unsupported)) console.log(`\n${r.client} ${r.transport} ${r.what}: ${r.unsupported}`);
mkdirSync(dirname(OUT), { recursive: true });
const meta = { users: USERS, records: RECORDS, latencyMs: LATENCY_MS, node: process.version, at: new Date().toISOString() };
writeFileSync(OUT, `${JSON.stringify({ meta, rows }, null, 2)}\n`);
console.log(`\nwrote ${OUT}`);
// node-zklib leaves 10 s timers behind after bulk reads; do not wait for them.
process.exit(rows.some((r) => !r.ok && !r.unsupported) ? 1 : 0);
