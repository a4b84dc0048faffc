// (a) Relay overhead: one op through HTTP → gateway (workerd, D1, DO) → WebSocket → agent process → terminal,
// against the same op run by the agent's own dispatcher in this process, and on an already open session.
import { OPS, type OpName } from "../../shared/ops";
import { connectZk } from "../../agent/zk";
import { createDispatcher, runOp, type OpInput } from "../../agent/ops";
import { silentLogger } from "../../agent/log";
import type { ApiClient } from "../../scripts/lib/api-client";
import { CLOCK_TERMINAL, type BenchSystem } from "./setup";
import { sampleSequential, summarize } from "./stats";
import type { Row } from "./report";

export const CALLS = 500;
export const WARMUP = 50;

interface Case {
  op: OpName;
  label: string;
  path: string;
}

const CASES: Case[] = [
  { op: "time.get", label: "GET /devices/{id}/time (time.get)", path: `/devices/${CLOCK_TERMINAL}/time` },
  { op: "users.list", label: "GET /devices/{id}/users (users.list, 20 users)", path: `/devices/${CLOCK_TERMINAL}/users` },
];

async function expectOk(api: ApiClient, path: string): Promise<void> {
  const answer = await api.get(path);
  if (answer.status !== 200 || answer.body?.success !== true) throw new Error(`GET ${path} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
}

export async function benchRelayOverhead(b: BenchSystem, progress: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const target = b.target(CLOCK_TERMINAL);
  // The agent's operation layer as the agent process builds it (agent/cli/run.ts), minus the relay link.
  const dispatcher = createDispatcher({ logger: silentLogger });
  const ctx = { now: () => new Date(), logger: silentLogger };
  // The gateway's share alone: same key check and D1 registry read, answered without the relay.
  const registry = summarize(await sampleSequential(CALLS, WARMUP, () => expectOk(b.api, `/devices/${CLOCK_TERMINAL}`)));
  progress(`gateway only GET /devices/{id}: median ${registry.median_ms} ms`);
  rows.push({ bench: "relay", what: "GET /devices/{id}: gateway alone (API key + registry row, from the isolate cache; no relay, no terminal)", ...pick(registry) });
  for (const c of CASES) {
    const args = OPS[c.op].args.parse({}) as OpInput<OpName>;
    // Relayed and in-process calls take turns (which goes first alternates), so both see the same load on the
    // shared cores; the overhead is the median of the paired differences.
    const agentLog0 = b.sys.agent?.logs.length ?? 0;
    const pairs = await samplePairs(
      () => expectOk(b.api, c.path),
      async () => void (await dispatcher.dispatch({ op: c.op, device: target, args, deadline: Date.now() + 30_000 })),
    );
    const relayed = summarize(pairs.a);
    const direct = summarize(pairs.b);
    const overhead = summarize(pairs.a.map((x, i) => x - pairs.b[i]!));
    progress(`relay ${c.op}: median ${relayed.median_ms} ms; in-process: ${direct.median_ms} ms; paired overhead ${overhead.median_ms} ms`);
    // The agent's own time for each relayed call (its request log, in call order: calls are one at a time), so the
    // relay's hops alone are relayed − agent. The in-process baseline above also differs in where the terminal
    // is: in this process, while the agent reaches it across processes.
    const agentMs = (b.sys.agent?.logs ?? [])
      .slice(agentLog0)
      .filter((l) => l.op === c.op && typeof l.duration_ms === "number")
      .map((l) => l.duration_ms as number);
    const hops = agentMs.length === WARMUP + CALLS ? summarize(pairs.a.map((x, i) => x - agentMs[WARMUP + i]!)) : undefined;
    if (hops) progress(`relay ${c.op}: the relay's hops alone (relayed − agent's own time) median ${hops.median_ms} ms`);
    // The op alone, on a session kept open: what connect + EXIT add to the in-process figure.
    await dispatcher.pool.idle();
    const session = await connectZk({ host: target.ip, port: target.port, transport: "tcp", timeoutMs: 5000 });
    let open;
    try {
      open = summarize(await sampleSequential(CALLS, WARMUP, async () => void (await runOp(c.op, session, args, ctx))));
    } finally {
      await session.close();
    }
    rows.push(
      { bench: "relay", what: `${c.label}: HTTP → gateway → WS → agent process → terminal`, ...pick(relayed) },
      { bench: "relay", what: `${c.op}: agent dispatcher in-process (connect + op + EXIT, no relay)`, ...pick(direct) },
      { bench: "relay", what: `${c.op}: op alone on an open session (no connect, no relay)`, ...pick(open) },
      ...(hops
        ? [
            {
              bench: "relay" as const,
              what: `${c.op}: relay hops alone = relayed − the agent's own time for that call (its request log)`,
              median_ms: hops.median_ms,
              p90_ms: hops.p90_ms,
              p99_ms: hops.p99_ms,
              n: hops.n,
            },
          ]
        : []),
      {
        bench: "relay",
        what: `${c.op}: relay overhead = relayed − in-process dispatcher, call by call (median of ${pairs.a.length} paired differences)`,
        median_ms: overhead.median_ms,
        p90_ms: overhead.p90_ms,
        p99_ms: overhead.p99_ms,
        n: overhead.n,
      },
    );
  }
  await dispatcher.pool.idle();
  return rows;
}

/** CALLS pairs of calls after WARMUP unmeasured pairs; within a pair the order alternates. */
export async function samplePairs(fa: () => Promise<void>, fb: () => Promise<void>): Promise<{ a: number[]; b: number[] }> {
  const a: number[] = [];
  const b: number[] = [];
  const time = async (fn: () => Promise<void>, into: number[] | undefined) => {
    const t0 = performance.now();
    await fn();
    into?.push(performance.now() - t0);
  };
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const measured = i >= WARMUP;
    if (i % 2 === 0) {
      await time(fa, measured ? a : undefined);
      await time(fb, measured ? b : undefined);
    } else {
      await time(fb, measured ? b : undefined);
      await time(fa, measured ? a : undefined);
    }
  }
  return { a, b };
}

function pick(s: ReturnType<typeof summarize>): Pick<Row, "median_ms" | "p90_ms" | "p99_ms" | "n"> {
  return { median_ms: s.median_ms, p90_ms: s.p90_ms, p99_ms: s.p99_ms, n: s.n };
}
