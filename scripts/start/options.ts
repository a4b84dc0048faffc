// Command line of `npm start`: which parts to run, where, and the admin key.
import { randomBytes } from "node:crypto";

export type StartMode = "all" | "sim-only" | "no-sim";

export interface StartOptions {
  mode: StartMode;
  /** Gateway port on 127.0.0.1 (8787; other values are for tests and side-by-side runs). */
  port: number;
  /** wrangler's local state directory (D1, Durable Objects). */
  persistTo: string;
  help: boolean;
}

export const USAGE = `usage: npm start [-- --sim-only | --no-sim] [--port 8787] [--persist-to .wrangler/state]

  (default)      gateway (wrangler dev, local D1) + simulated terminals principal and entrada + an agent
  --sim-only     only the two simulated terminals (print their ports)
  --no-sim       gateway + agent, no simulators (devices you registered earlier keep their addresses)
  --port N       gateway port on 127.0.0.1 (default 8787)
  --persist-to D local state directory for D1 and Durable Objects (default .wrangler/state)

environment: ZK_RELAY_ADMIN_KEY fixes the admin API key (otherwise a new one is generated each run)`;

export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "USAGE";
}

/** Parses `npm start -- …` arguments; throws UsageError on anything unknown. */
export function parseStartArgs(argv: string[]): StartOptions {
  const out: StartOptions = { mode: "all", port: 8787, persistTo: ".wrangler/state", help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--sim-only" || arg === "--no-sim") {
      const mode = arg.slice(2) as StartMode;
      if (out.mode !== "all" && out.mode !== mode) throw new UsageError("--sim-only and --no-sim exclude each other");
      out.mode = mode;
    } else if (arg === "--port") {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError("--port must be 1-65535");
      out.port = port;
    } else if (arg === "--persist-to") out.persistTo = value();
    else if (arg === "--help" || arg === "-h") out.help = true;
    else throw new UsageError(`unknown option '${arg}'`);
  }
  return out;
}

/** The admin key: ZK_RELAY_ADMIN_KEY when set, else a fresh random one. */
export function resolveAdminKey(env: NodeJS.ProcessEnv = process.env): { key: string; generated: boolean } {
  const given = env.ZK_RELAY_ADMIN_KEY;
  if (given !== undefined && given !== "") {
    // It goes into a dotenv file in single quotes (literal), so those and line breaks cannot be represented.
    if (!/^[\x20-\x7e]+$/.test(given) || given.includes("'")) {
      throw new UsageError("ZK_RELAY_ADMIN_KEY must be printable ASCII without single quotes");
    }
    return { key: given, generated: false };
  }
  return { key: `zkr_admin_${randomBytes(24).toString("base64url")}`, generated: true };
}
