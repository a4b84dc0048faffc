// System benchmark (`npm run bench`): relay overhead, throughput and the delete flow through the whole stack on
// 127.0.0.1; prints a table and writes bench/results/system.json. Stops everything it started, always terminates.
import { dirname, resolve } from "node:path";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { measureBareRelay } from "./lib/bare-relay";
import { benchDeletes } from "./lib/delete-flows";
import { benchGatewayAlone } from "./lib/gateway-alone";
import { benchRelayLive } from "./lib/relay-live";
import { benchRelayOverhead, CALLS, WARMUP } from "./lib/relay-overhead";
import { formatTable, machine, writeResults, type Row } from "./lib/report";
import { startBenchSystem, type BenchSystem } from "./lib/setup";
import { benchThroughput, CALLERS, REQUESTS } from "./lib/throughput";
import { benchWebhooks, PHASES } from "./lib/webhooks";

const OUT = resolve(dirname(fileURLToPath(import.meta.url)), "results/system.json");
/** Whole-run cap: about three minutes for (a)-(c), one more for the webhook phases (d). */
const LIMIT_MS = 260_000;

const started = performance.now();
const progress = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

let system: BenchSystem | undefined;
let closing: Promise<void> | undefined;
/** Stops the agent process, the simulators and workerd; at most once, and never for longer than 15 s. */
function shutdown(): Promise<void> {
  closing ??= Promise.race([
    system?.sys.close() ?? Promise.resolve(),
    new Promise<void>((r) => setTimeout(r, 15_000).unref()),
  ]);
  return closing;
}

async function abort(why: string): Promise<never> {
  console.error(`bench/system: ${why}; stopping everything`);
  await shutdown();
  process.exit(1);
}

setTimeout(() => void abort(`time limit of ${LIMIT_MS / 1000} s reached`), LIMIT_MS).unref();
process.once("SIGINT", () => void abort("interrupted"));
process.once("SIGTERM", () => void abort("terminated"));

async function main(): Promise<void> {
  const m = machine();
  // Other work on the machine skews every figure: the load averages at start and end go into the results.
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  progress(`machine: ${m.cpus} cpus (${m.cpu_model}), node ${m.node}, load average ${loadBefore.join(" ")}; starting gateway (workerd), 12 simulated terminals, agent process`);
  system = await startBenchSystem();
  progress(`gateway at ${system.sys.gateway.url}, agent connected`);
  const rows: Row[] = [];
  rows.push(...(await benchRelayOverhead(system, progress)));
  rows.push(...(await benchThroughput(system, progress)));
  rows.push(...(await benchDeletes(system, progress)));
  // Last on this system: it restarts the agent with live sessions on, which the packet counts above must not see.
  rows.push(...(await benchRelayLive(system, progress)));
  const loadAfter = loadavg().map((x) => Math.round(x * 100) / 100);
  await shutdown();
  rows.push(...(await benchGatewayAlone(progress)));
  rows.push(...(await benchWebhooks(progress)));
  const bare = await measureBareRelay(CALLS, WARMUP);
  progress(`bare relay (HTTP → Worker → DO → WS → Node echo): median ${bare.median_ms} ms`);
  rows.push({
    bench: "relay",
    what: "bare relay floor: HTTP → Worker → Durable Object → WebSocket → Node echo and back (no auth, registry, schemas, terminal)",
    median_ms: bare.median_ms,
    p90_ms: bare.p90_ms,
    p99_ms: bare.p99_ms,
    n: bare.n,
  });
  progress(`everything stopped; load average ${loadAfter.join(" ")}`);

  console.log(`\n${formatTable(rows)}\n`);
  writeResults(OUT, rows, {
    relay: { calls: CALLS, warmup: WARMUP },
    throughput: { callers: CALLERS, requests: REQUESTS },
    webhooks: { terminals: 10, phases: PHASES },
    at: new Date().toISOString(),
    loadavg_1_5_15: { before: loadBefore, after: loadAfter },
    total_s: Math.round((performance.now() - started) / 100) / 10,
  });
  console.log(`wrote ${OUT}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => abort(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
);
