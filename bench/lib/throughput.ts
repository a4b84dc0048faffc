// (b) Throughput: concurrent callers issuing mixed read operations over ten terminals through the whole stack.
import { prng } from "../../agent/zk/sim";
import type { ApiClient } from "../../scripts/lib/api-client";
import { LOAD_TERMINALS, type BenchSystem } from "./setup";
import { round, summarize } from "./stats";
import type { Row } from "./report";

export const CALLERS = 50;
export const REQUESTS = 2000;
const WARMUP = 100;

/** Read mix, in tenths: user lists dominate (HR sync), then clock and attendance reads, info and ping. */
const MIX: Array<[weight: number, path: (id: string) => string]> = [
  [4, (id) => `/devices/${id}/users`],
  [2, (id) => `/devices/${id}/attendance?user_id=1001`],
  [2, (id) => `/devices/${id}/time`],
  [1, (id) => `/devices/${id}/info`],
  [1, (id) => `/devices/${id}/ping`],
];

function plan(n: number, seed: number): string[] {
  const rng = prng(seed);
  const deck = MIX.flatMap(([w, path]) => Array.from({ length: w }, () => path));
  return Array.from({ length: n }, () => {
    const terminal = LOAD_TERMINALS[Math.floor(rng() * LOAD_TERMINALS.length)]!;
    return deck[Math.floor(rng() * deck.length)]!(terminal);
  });
}

/** `callers` loops that each take the next path until none is left; latency per request, failures counted. */
async function drive(api: ApiClient, paths: readonly string[], callers: number) {
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        const start = performance.now();
        try {
          const answer = await api.get(path);
          if (answer.status !== 200 || answer.body?.success !== true) failures.push(`${path}: ${answer.status} ${answer.text.slice(0, 120)}`);
        } catch (err) {
          failures.push(`${path}: ${(err as Error).message}`);
        }
        latencies.push(performance.now() - start);
      }
    }),
  );
  return { latencies, failures, seconds: (performance.now() - t0) / 1000 };
}

export async function benchThroughput(b: BenchSystem, progress: (line: string) => void): Promise<Row[]> {
  await drive(b.api, plan(WARMUP, 7), 10);
  const run = await drive(b.api, plan(REQUESTS, 1127), CALLERS);
  const s = summarize(run.latencies);
  const rps = round(REQUESTS / run.seconds);
  progress(`throughput: ${REQUESTS} requests in ${run.seconds.toFixed(2)} s = ${rps} req/s, ${run.failures.length} failed`);
  for (const f of run.failures.slice(0, 5)) progress(`  failed: ${f}`);
  return [
    {
      bench: "throughput",
      what: `${CALLERS} callers, ${LOAD_TERMINALS.length} terminals (8 TCP, 2 UDP), mixed reads (users/attendance/time/info/ping)`,
      rps,
      median_ms: s.median_ms,
      p90_ms: s.p90_ms,
      p99_ms: s.p99_ms,
      ms: round(run.seconds * 1000),
      n: REQUESTS,
      errors: run.failures.length,
    },
  ];
}
