// `npm start`: the whole system on one machine (docs/development.md §1) — gateway in wrangler dev, demo terminals, an agent.
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";
import type { Simulator } from "../agent/zk/sim/types";
import { apiClient, waitFor } from "./lib/api-client";
import { spawnGroup } from "./lib/processes";
import { agentStatus, ensureSite, upsertDevice } from "./lib/registry";
import { DEMO_TERMINALS, startTerminal } from "./lib/terminals";
import { readyBanner } from "./start/banner";
import { checkPortFree, migrateLocal, startDevGateway, StartError, writeDevEnv } from "./start/gateway-dev";
import { parseStartArgs, resolveAdminKey, USAGE, type StartOptions } from "./start/options";
import { Supervisor } from "./start/supervisor";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SITE = "demo";
const say = (line: string) => console.log(`[zk-relay] ${line}`);
const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
  const t0 = Date.now();
  say(`${what}…`);
  const value = await work();
  say(`${what}: done (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return value;
};

interface RunningTerminal {
  sim: Simulator;
  transport: "tcp" | "udp";
  commKey: number;
}

/** Seconds between the demo terminals' punches (a random person each time), so a newcomer sees live events. */
const DEMO_PUNCH_EVERY_SEC = 10;

/** Starts the demo terminals in this process; they close with it. */
async function startTerminals(supervisor: Supervisor): Promise<Record<string, RunningTerminal>> {
  const out: Record<string, RunningTerminal> = {};
  for (const [id, spec] of Object.entries(DEMO_TERMINALS)) {
    const sim = await startTerminal({ ...spec.sim, punchEverySec: DEMO_PUNCH_EVERY_SEC });
    supervisor.onClose(`simulator ${id}`, () => sim.close());
    const commKey = "commKey" in spec.sim ? spec.sim.commKey : 0;
    out[id] = { sim, transport: spec.transport, commKey };
    // The key itself is a secret even in the demo: say where it is set, never print it.
    const key = commKey ? ", comm key set in scripts/lib/terminals.ts" : "";
    say(`terminal ${id}: 127.0.0.1:${sim.port} (${sim.profile}, ${spec.transport}${key}, ${sim.state.users().length} users, a punch about every ${DEMO_PUNCH_EVERY_SEC} s)`);
  }
  return out;
}

async function main(opts: StartOptions, supervisor: Supervisor): Promise<void> {
  if (opts.mode === "sim-only") {
    const terminals = await startTerminals(supervisor);
    say("simulators ready (Ctrl-C stops them). Register them with POST /devices, e.g.:");
    for (const [id, t] of Object.entries(terminals)) {
      const device = { id, ip: "127.0.0.1", port: t.sim.port, transport: t.transport, password: t.commKey };
      say(`  ${JSON.stringify(device)}`);
    }
    return;
  }

  const { key: adminKey, generated } = resolveAdminKey();
  await checkPortFree(opts.port);
  const persistTo = resolve(ROOT, opts.persistTo);
  await timed("applying D1 migrations (local)", () =>
    migrateLocal(ROOT, persistTo, (proc) => supervisor.track(proc)),
  );

  const envFile = await writeDevEnv(ROOT, adminKey);
  supervisor.onClose("gateway env file", envFile.remove);
  let ready = false;
  const gateway = await timed(`starting the gateway (wrangler dev) on http://127.0.0.1:${opts.port}`, () =>
    startDevGateway({
      root: ROOT,
      port: opts.port,
      persistTo,
      envFile: envFile.path,
      onLine: (line) => ready && console.log(`gateway | ${line}`),
      onWaiting: (s) => say(`still waiting for the gateway (${s} s)…`),
      onSpawn: (proc) => supervisor.track(proc),
    }),
  );
  supervisor.adopt(gateway);

  const api = apiClient(`http://127.0.0.1:${opts.port}`, adminKey);
  const token = await ensureSite(api, SITE, "Demo site");
  say(`site '${SITE}': agent token issued`);

  const registered: Record<string, string> = {};
  if (opts.mode === "all") {
    const terminals = await startTerminals(supervisor);
    for (const [id, { sim, transport, commKey }] of Object.entries(terminals)) {
      await upsertDevice(api, { id, ip: "127.0.0.1", port: sim.port, transport, password: commKey, site: SITE });
      registered[id] = `127.0.0.1:${sim.port} (${sim.profile}, ${transport}${commKey ? ", comm key" : ""})`;
    }
    say(`devices registered: ${Object.keys(registered).join(", ")}`);
  }

  // The token travels in the environment, not on the command line (ps shows arguments to every user).
  const agent = spawnGroup("agent", process.execPath, [join(ROOT, "bin/zk-relay-agent.mjs"), "run", "--log-format", "pretty"], {
    cwd: ROOT,
    // The demo's own state dir (outbox, terminals left disabled), beside its local D1, not the user's default one.
    env: {
      ...process.env,
      ZK_RELAY_GATEWAY: `ws://127.0.0.1:${opts.port}/agent/connect`,
      ZK_RELAY_TOKEN: token,
      ZK_RELAY_STATE_DIR: process.env.ZK_RELAY_STATE_DIR ?? join(ROOT, ".wrangler", "demo-agent-state"),
    },
    onLine: (line) => ready && console.log(`agent   | ${line}`),
  });
  supervisor.adopt(agent);
  await timed("waiting for the agent to connect", () =>
    waitFor("the agent to connect", async () => ((await agentStatus(api, SITE))?.connected ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
    }).catch((err: Error) => {
      throw new StartError("AGENT_FAILED", `${err.message}\n${agent.tail.slice(-10).join("\n")}`);
    }),
  );

  ready = true;
  console.log(
    readyBanner({ baseUrl: `http://localhost:${opts.port}`, adminKey, keyGenerated: generated, site: SITE, terminals: registered }),
  );
}

let options: StartOptions;
try {
  options = parseStartArgs(process.argv.slice(2));
} catch (err) {
  console.error(`[zk-relay] ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
} else {
  const supervisor = new Supervisor(say);
  supervisor.installSignalHandlers();
  supervisor.stopWhenOrphaned();
  main(options, supervisor).catch((err: Error) => {
    if (supervisor.stoppingNow) return; // a signal arrived during start-up; its stop is under way
    console.error(`[zk-relay] cannot start: ${err.message}`);
    void supervisor.shutdown(1);
  });
}
