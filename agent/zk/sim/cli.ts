// zk-relay-sim: runs a simulated terminal until SIGINT/SIGTERM (bin/zk-relay-sim.mjs imports this file).
import { parseArgs } from "node:util";
import { SimError } from "./errors";
import { startSimulator } from "./simulator";
import type { SimulatorOptions } from "./types";

const USAGE = `usage: zk-relay-sim --port <p> [--host 127.0.0.1] [--profile tft|zk6] [--tcp] [--comm-key N]
       [--users N] [--records N] [--templates N] [--latency-ms N] [--data file.json] [--seed N] [--verbose]
       [--punch-every <seconds>] [--event-form 10|12|14|32|36|37|52]
--punch-every makes a random user punch at that interval (logged, and sent as a realtime event).
--latency-ms defaults to 1 here: node-zklib in another process takes one TCP frame per read and
needs frames spaced (docs/protocol.md §7.7).`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw new SimError("SIM_INVALID_OPTIONS", `--${name} must be a number, got '${v}'`);
  return n;
}

/** Parses argv into simulator options; throws SimError on bad input. */
export function parseSimArgs(argv: string[]): SimulatorOptions & { help?: boolean; verbose?: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      profile: { type: "string" },
      "comm-key": { type: "string" },
      users: { type: "string" },
      records: { type: "string" },
      templates: { type: "string" },
      "latency-ms": { type: "string" },
      data: { type: "string" },
      seed: { type: "string" },
      tcp: { type: "boolean" },
      "punch-every": { type: "string" },
      "event-form": { type: "string" },
      verbose: { type: "boolean", short: "v" },
      help: { type: "boolean", short: "h" },
    },
  });
  const profile = values.profile;
  if (profile !== undefined && profile !== "tft" && profile !== "zk6") {
    throw new SimError("SIM_INVALID_OPTIONS", `--profile must be tft or zk6, got '${profile}'`);
  }
  const eventForm = int("event-form", values["event-form"]);
  if (eventForm !== undefined && ![10, 12, 14, 32, 36, 37, 52].includes(eventForm)) {
    throw new SimError("SIM_INVALID_OPTIONS", `--event-form must be 10, 12, 14, 32, 36, 37 or 52, got '${values["event-form"]}'`);
  }
  return {
    help: values.help,
    verbose: values.verbose,
    port: int("port", values.port),
    host: values.host,
    profile,
    ...(values.tcp ? { tcp: true } : {}),
    commKey: int("comm-key", values["comm-key"]),
    users: int("users", values.users),
    records: int("records", values.records),
    templates: int("templates", values.templates),
    latencyMs: int("latency-ms", values["latency-ms"]) ?? 1,
    dataFile: values.data,
    seed: int("seed", values.seed),
    ...(values["punch-every"] !== undefined ? { punchEverySec: int("punch-every", values["punch-every"]) } : {}),
    ...(eventForm !== undefined ? { eventForm: eventForm as SimulatorOptions["eventForm"] } : {}),
  };
}

/** Starts the simulator, prints one ready line, and exits 0 on SIGINT/SIGTERM. Returns the exit code on failure. */
export async function runSimCli(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseSimArgs>;
  try {
    args = parseSimArgs(argv);
  } catch (err) {
    console.error(`zk-relay-sim: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const { help: _h, verbose, ...options } = args;
  if (verbose) options.log = (line) => console.log(`zk-relay-sim: ${line}`);
  let sim;
  try {
    sim = await startSimulator(options);
  } catch (err) {
    const code = err instanceof SimError ? ` [${err.code}]` : "";
    console.error(`zk-relay-sim: ${(err as Error).message}${code}`);
    return 1;
  }
  // The signal handlers go in before the ready line: whoever reads that line may signal at once, and a signal
  // arriving before them would kill the process with the default action instead of a clean exit 0.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  const s = sim.state;
  const transports = sim.tcp ? "tcp+udp" : "udp";
  console.log(
    `zk-relay-sim: ${sim.profile} profile on ${transports} ${sim.host}:${sim.port} ` +
      `(${s.users().length} users, ${s.attendance().length} records, ${s.templates().length} templates)`,
  );
  await stopped;
  await sim.close();
  return 0;
}

// Run when loaded as the program (the bin shim imports this module); importing it from tests does nothing.
const entry = process.argv[1] ?? "";
if (/zk-relay-sim(\.mjs)?$|sim[\\/]cli\.ts$/.test(entry)) {
  process.exitCode = await runSimCli(process.argv.slice(2));
}
