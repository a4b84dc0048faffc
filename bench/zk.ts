// ZK read benchmark (`npm run bench:zk`): 10,000 users and 100,000 records at 1 ms per packet and 100 Mbit/s, TCP and
// UDP, our client beside node-zklib and zkteco-js; median of 3 runs (one session each) per row; prints a table and
// writes bench/results/zk.json. Always terminates.
import { mkdirSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../agent/zk/sim";
import { BENCH_CLIENTS, type BenchClient, type Transport, type What } from "./zk-clients";
import { formatTable, verdicts, type Row } from "./zk-report";

const env = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const USERS = env("ZK_BENCH_USERS", 10_000);
const RECORDS = env("ZK_BENCH_RECORDS", 100_000);
const LATENCY_MS = env("ZK_BENCH_LATENCY_MS", 1);
/** 100 Mbit/s: ZKTeco terminals have 10/100 Mbit Ethernet. 0 = unlimited. */
const BYTES_PER_SEC = env("ZK_BENCH_BYTES_PER_SEC", 12_500_000);
/** Measured runs per row (the median is reported), after unmeasured warm-up runs (JIT, caches) for every client alike. */
const RUNS = Math.max(1, env("ZK_BENCH_RUNS", 3));
const WARMUP = Math.max(0, env("ZK_BENCH_WARMUP", 1));
const ROW_TIMEOUT_MS = env("ZK_BENCH_ROW_TIMEOUT_MS", 120_000);
/** The terminal counts as done with a read once it has sent nothing for this long. */
const QUIET_MS = Math.max(25, 5 * LATENCY_MS);
const OUT = resolve(dirname(fileURLToPath(import.meta.url)), "results/zk.json");

/**
 * A full garbage collection before each measured read, for every client alike: the simulated terminal lives in this
 * process, and its 100,000 records would otherwise make a collection land in some runs and not others.
 */
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

// A hung client must not hang the benchmark: a hard cap on the whole run.
const watchdog = setTimeout(() => {
  console.error("bench/zk: overall time limit reached");
  process.exit(1);
}, ROW_TIMEOUT_MS * 20);
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

/**
 * Waits until the terminal has sent nothing for QUIET_MS, so a row's packets and bytes are everything the read made
 * the terminal send (including what a client did not wait for, such as a trailing FREE_DATA reply), and nothing
 * of the previous read.
 */
async function settle(sim: Simulator): Promise<void> {
  let last = sim.packetsSent;
  let since = performance.now();
  while (performance.now() - since < QUIET_MS) {
    await new Promise((r) => setTimeout(r, 5));
    if (sim.packetsSent !== last) {
      last = sim.packetsSent;
      since = performance.now();
    }
  }
}

interface Run {
  ms: number;
  packets: number;
  bytes: number;
}

/**
 * One read in a session of its own (connect, read, close), timed from the read call to its result; packets and
 * bytes counted at the terminal until it is quiet again. A fresh session per run is what the agent does for each
 * operation, and it keeps one run from paying for another's leftovers (node-zklib adds a socket 'data' listener on
 * every bulk read and never removes it, so its later reads in one session get slower and slower).
 */
async function measure(c: BenchClient, sim: Simulator, transport: Transport, what: What, want: string[]): Promise<Run> {
  const session = await withTimeout(c.open(sim.port, transport), ROW_TIMEOUT_MS, `${c.client} connect`);
  try {
    await settle(sim);
    collectGarbage();
    const p0 = sim.packetsSent;
    const b0 = sim.bytesSent;
    const t0 = performance.now();
    const result = await withTimeout(session.read(what), ROW_TIMEOUT_MS, `${c.client} ${what}`);
    const ms = performance.now() - t0;
    const got = session.normalise(what, result);
    if (got.length !== want.length || got.some((v, k) => v !== want[k])) {
      throw new Error(`wrong data: ${got.length} of ${want.length} entries, first mismatch at ${got.findIndex((v, k) => v !== want[k])}`);
    }
    await settle(sim);
    return { ms, packets: sim.packetsSent - p0, bytes: sim.bytesSent - b0 };
  } finally {
    await withTimeout(session.close(), 5000, "close").catch(() => undefined);
    await settle(sim);
  }
}

async function runClient(c: BenchClient, transport: Transport): Promise<Row[]> {
  const profile = transport === "tcp" ? "tft" : "zk6";
  const base = { client: c.client, transport, profile, variant: c.variant === true } as const;
  const whats = c.whats ?? (["users", "attendance"] as const);
  const blank = { ms: null, runsMs: [], packets: null, bytes: null, lowerBoundMs: null, ratio: null, records: null };
  const reasons = whats.map((w) => c.unsupported(transport, w));
  if (reasons.every((r) => r !== undefined)) {
    return whats.map((what, i) => ({ ...base, what, ...blank, ok: false, unsupported: reasons[i] }));
  }
  // A fresh terminal per client, so one client's state (or a hang) cannot affect the next.
  const sim = await startSimulator({
    profile,
    users: USERS,
    records: RECORDS,
    templates: 0,
    seed: 7,
    latencyMs: LATENCY_MS,
    bytesPerSecond: BYTES_PER_SEC,
  });
  const rows: Row[] = [];
  try {
    for (const [i, what] of whats.entries()) {
      if (reasons[i]) {
        rows.push({ ...base, what, ...blank, ok: false, unsupported: reasons[i] });
        continue;
      }
      try {
        const want = expected(sim, what);
        const runs: Run[] = [];
        for (let r = 0; r < WARMUP + RUNS; r++) {
          const run = await measure(c, sim, transport, what, want);
          if (r >= WARMUP) runs.push(run);
        }
        // The median run, whole: its time, its packets and bytes, and the bound they give.
        const mid = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor((runs.length - 1) / 2)]!;
        const bound = sim.lowerBoundMs(mid.packets, mid.bytes);
        rows.push({
          ...base,
          what,
          ms: round1(mid.ms),
          runsMs: runs.map((r) => round1(r.ms)),
          packets: mid.packets,
          bytes: mid.bytes,
          lowerBoundMs: round1(bound),
          ratio: bound > 0 ? Math.round((mid.ms / bound) * 100) / 100 : null,
          records: want.length,
          ok: true,
        });
      } catch (err) {
        rows.push({ ...base, what, ...blank, ok: false, error: (err as Error).message });
      }
    }
  } finally {
    await sim.close();
  }
  return rows;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;
const link =
  `${LATENCY_MS} ms per packet, ${BYTES_PER_SEC > 0 ? `${(BYTES_PER_SEC * 8) / 1e6} Mbit/s (${BYTES_PER_SEC} bytes/s)` : "unlimited throughput"}`;
console.log(`bench/zk: ${USERS} users, ${RECORDS} records; link ${link}; median of ${RUNS} runs after ${WARMUP} warm-up`);
const rows: Row[] = [];
for (const transport of ["tcp", "udp"] as const) {
  for (const c of BENCH_CLIENTS) {
    const got = await runClient(c, transport);
    rows.push(...got);
    for (const r of got) console.log(`  ${r.client} ${r.transport} ${r.what}: ${r.unsupported ? "unsupported" : r.ok ? `${r.ms} ms (${r.runsMs.join(", ")})` : `failed (${r.error})`}`);
  }
}
console.log(`\n${formatTable(rows)}`);
console.log(
  `\nlower bound = packets × ${LATENCY_MS} ms + bytes ÷ ${BYTES_PER_SEC > 0 ? `${BYTES_PER_SEC} bytes/s` : "∞"}, from the packets and bytes ` +
    "the terminal sent for that read (TCP frame prefixes included); the simulator never sends a packet before that schedule allows.",
);
console.log("zk-relay reads attendance with resolveUids: false (user_id and time, like the others); the variant row resolves uids as the agent does.");
for (const line of verdicts(rows)) console.log(line);
for (const r of rows.filter((x) => x.unsupported)) console.log(`\n${r.client} ${r.transport} ${r.what}: ${r.unsupported}`);
mkdirSync(dirname(OUT), { recursive: true });
const meta = {
  users: USERS,
  records: RECORDS,
  latencyMs: LATENCY_MS,
  bytesPerSecond: BYTES_PER_SEC,
  runs: RUNS,
  warmup: WARMUP,
  node: process.version,
  at: new Date().toISOString(),
};
writeFileSync(OUT, `${JSON.stringify({ meta, rows }, null, 2)}\n`);
console.log(`\nwrote ${OUT}`);
// node-zklib leaves 10 s timers behind after bulk reads; do not wait for them.
process.exit(rows.some((r) => !r.ok && !r.unsupported) ? 1 : 0);
