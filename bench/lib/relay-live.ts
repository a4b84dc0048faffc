// (a') Relay overhead as deployed: the agent keeps a live session per terminal (docs/events.md §4) and runs the op
// through it, so the baseline is the same op on an open session in this process, to a twin of the terminal.
import { OPS, type OpName } from "../../shared/ops";
import { connectZk } from "../../agent/zk";
import { runOp, type OpInput } from "../../agent/ops";
import { silentLogger } from "../../agent/log";
import { waitFor } from "../../scripts/lib/api-client";
import { startTerminal } from "../../scripts/lib/terminals";
import { CLOCK_SIM, CLOCK_TERMINAL, type BenchSystem } from "./setup";
import { CALLS, WARMUP, samplePairs } from "./relay-overhead";
import { summarize } from "./stats";
import type { Row } from "./report";

const CASES: { op: OpName; path: string }[] = [
  { op: "time.get", path: `/devices/${CLOCK_TERMINAL}/time` },
  { op: "users.list", path: `/devices/${CLOCK_TERMINAL}/users` },
];

/**
 * Restarts the agent with live sessions on (the default outside the test harness) and measures each op relayed
 * through the terminal's live session against the op alone on an open session, call by call. Leaves the agent live.
 */
export async function benchRelayLive(b: BenchSystem, progress: (line: string) => void): Promise<Row[]> {
  const agent = await b.sys.startAgent({ ZK_RELAY_LIVE: "1" });
  await waitFor(
    `'${CLOCK_TERMINAL}' live`,
    async () => {
      const r = await b.sys.api.get("/events/devices");
      return (r.body?.data ?? []).some((d: { device_id?: string; state?: string }) => d.device_id === CLOCK_TERMINAL && d.state === "live") ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  // The agent holds the clock terminal's one TCP session now: the in-process baseline talks to an identical twin.
  const twin = await startTerminal(CLOCK_SIM);
  const session = await connectZk({ host: "127.0.0.1", port: twin.port, transport: "tcp", timeoutMs: 5000 });
  const ctx = { now: () => new Date(), logger: silentLogger };
  const rows: Row[] = [];
  try {
    for (const c of CASES) {
      const args = OPS[c.op].args.parse({}) as OpInput<OpName>;
      const log0 = agent.logs.length;
      const pairs = await samplePairs(
        async () => {
          const answer = await b.api.get(c.path);
          if (answer.status !== 200) throw new Error(`GET ${c.path} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
        },
        async () => void (await runOp(c.op, session, args, ctx)),
      );
      const relayed = summarize(pairs.a);
      const overhead = summarize(pairs.a.map((x, i) => x - pairs.b[i]!));
      const agentMs = agent.logs
        .slice(log0)
        .filter((l) => l.op === c.op && typeof l.duration_ms === "number")
        .map((l) => l.duration_ms as number);
      const hops = agentMs.length === WARMUP + CALLS ? summarize(pairs.a.map((x, i) => x - agentMs[WARMUP + i]!)) : undefined;
      progress(
        `relay ${c.op} through the live session: median ${relayed.median_ms} ms; overhead over the op on an open session ${overhead.median_ms} ms` +
          (hops ? `; hops alone ${hops.median_ms} ms` : ""),
      );
      const pick = (s: typeof relayed) => ({ median_ms: s.median_ms, p90_ms: s.p90_ms, p99_ms: s.p99_ms, n: s.n });
      rows.push(
        { bench: "relay", what: `${c.op} with live sessions on (the default): HTTP → gateway → WS → agent → the terminal's open session`, ...pick(relayed) },
        {
          bench: "relay",
          what: `${c.op}, live: relay overhead = relayed − the op on an open session in-process, call by call (median of ${pairs.a.length} paired differences)`,
          ...pick(overhead),
        },
        ...(hops ? [{ bench: "relay" as const, what: `${c.op}, live: relay hops alone = relayed − the agent's own time for that call`, ...pick(hops) }] : []),
      );
    }
  } finally {
    await session.close();
    await twin.close();
  }
  return rows;
}
