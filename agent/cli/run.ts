// `zk-relay-agent run`: reads gateway URL and site token (flags or env), wires operations to the relay link, runs.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { createLogger, defaultLogFormat, type LogFormat } from "../log";
import { createDispatcher } from "../ops";
import type { SessionFactory } from "../devices/session-factory";
import { createRequestHandler } from "../relay/requests";
import { RelayLink, redactUrl, type RelayLinkOptions } from "../relay/link";
import { settleOnTerminal } from "../ops/settle";
import { DisabledTerminals } from "../state/disabled-terminals";
import { defaultStateDir } from "../state/files";
import { Outbox } from "../state/outbox";
import { OutboxSettler } from "../state/settle-outbox";
import { join } from "node:path";
import { CursorStore } from "../live/cursor";
import { EventOutbox } from "../live/event-outbox";
import { LiveManager } from "../live/manager";

const USAGE = `usage: zk-relay-agent run --gateway <ws(s)://host[:port]/agent/connect | https://host> --token <site token>
                          [--state-dir <dir>] [--log-format json|pretty]
  env: ZK_RELAY_GATEWAY, ZK_RELAY_TOKEN (prefer the env var for the token: flags show up in process lists),
       ZK_RELAY_STATE_DIR (default: ${defaultStateDir()})`;

/** Test and embedding seams; the CLI uses the defaults. */
export interface RunAgentDeps {
  env?: NodeJS.ProcessEnv;
  /** Log line sink (default stdout). */
  write?: (line: string) => void;
  sessionFactory?: SessionFactory;
  /** Install SIGTERM/SIGINT handlers (default true). */
  handleSignals?: boolean;
  /** Relay timing overrides (tests). */
  link?: Partial<Pick<RelayLinkOptions, "pingIntervalMs" | "pongTimeoutMs" | "drainTimeoutMs" | "backoff" | "stableMs" | "resendMs" | "replacedBackoffMs">>;
  /** Receives the link once started (tests stop it without signals). */
  onLink?: (link: RelayLink) => void;
}

/** Accepts ws(s)://…/agent/connect as is; http(s)://host or a ws URL without the path gets /agent/connect. */
export function gatewayUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new Error(`--gateway is not a URL: '${raw}'`);
  }
  const scheme = { "ws:": "ws:", "wss:": "wss:", "http:": "ws:", "https:": "wss:" }[u.protocol];
  if (!scheme) throw new Error(`--gateway must be ws://, wss://, http:// or https://, got '${u.protocol}'`);
  if (u.username || u.password) throw new Error("--gateway must not carry credentials; use --token");
  const path = u.pathname.replace(/\/+$/, "");
  const pathname = path.endsWith("/agent/connect") ? path : `${path}/agent/connect`;
  return `${scheme}//${u.host}${pathname}`;
}

/**
 * The agent's version, from the package's package.json (the hello frame's `version`): the nearest one above this
 * module, which is agent/cli/ in a checkout and dist-node/ (or its chunks/) in the compiled, installed package.
 */
export function agentVersion(): string {
  for (const up of ["../../package.json", "../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name !== "zk-relay") continue;
      return typeof pkg.version === "string" ? pkg.version.slice(0, 64) : "0.0.0";
    } catch {
      // not there: try the next level
    }
  }
  return "0.0.0";
}

/** Positive integer environment overrides (timing knobs for tests and unusual networks). */
function numericEnv<K extends string>(env: NodeJS.ProcessEnv, names: Record<K, string>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const [key, name] of Object.entries(names) as Array<[K, string]>) {
    const n = Number(env[name]);
    if (env[name] !== undefined && Number.isInteger(n) && n > 0) out[key] = n;
  }
  return out;
}

/** Runs until stopped by a signal (exit code 0) or refused by the gateway (1); bad usage returns 2. */
export async function runAgentCli(argv: string[], deps: RunAgentDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  let values: { gateway?: string; token?: string; "log-format"?: string; "state-dir"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        gateway: { type: "string" },
        token: { type: "string" },
        "log-format": { type: "string" },
        "state-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`zk-relay-agent run: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const rawUrl = values.gateway ?? env.ZK_RELAY_GATEWAY;
  const token = values.token ?? env.ZK_RELAY_TOKEN;
  const format = values["log-format"] ?? defaultLogFormat();
  let url: string;
  try {
    if (!rawUrl) throw new Error("missing --gateway (or ZK_RELAY_GATEWAY)");
    if (!token) throw new Error("missing --token (or ZK_RELAY_TOKEN)");
    if (format !== "json" && format !== "pretty") throw new Error(`--log-format must be json or pretty, got '${format}'`);
    url = gatewayUrl(rawUrl);
  } catch (err) {
    console.error(`zk-relay-agent run: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }

  const logger = createLogger({ format: format as LogFormat, write: deps.write, secrets: [token] });
  // The state dir: the outbox of durable results and the terminals a run may have left disabled (see README).
  const stateDir = values["state-dir"] ?? env.ZK_RELAY_STATE_DIR ?? defaultStateDir(env);
  let outbox: Outbox;
  let disabled: DisabledTerminals;
  let events: EventOutbox;
  let cursors: CursorStore;
  try {
    outbox = await Outbox.open(join(stateDir, "outbox"), logger);
    disabled = await DisabledTerminals.open(stateDir, logger);
    events = await EventOutbox.open(join(stateDir, "events"), logger);
    cursors = await CursorStore.open(stateDir, logger);
  } catch (err) {
    logger.error("cannot use the state dir; give a writable one with --state-dir", { state_dir: stateDir, error: err });
    return 2;
  }
  const dispatcher = createDispatcher({ logger, sessionFactory: deps.sessionFactory, disabledStore: disabled });
  dispatcher.pool.restoreDisabled(disabled.entries());
  let flush = () => {};
  const settler = new OutboxSettler({ outbox, logger, check: (entry) => settleOnTerminal(dispatcher.pool, entry), onDelivered: () => flush() });
  const handler = createRequestHandler({ dispatch: dispatcher.dispatch, logger, outbox });
  const hello = { version: agentVersion(), hostname: hostname().slice(0, 255), capabilities: dispatcher.capabilities };
  const tuning = numericEnv(env, { pingIntervalMs: "ZK_RELAY_PING_INTERVAL_MS", replacedBackoffMs: "ZK_RELAY_REPLACED_BACKOFF_MS", resendMs: "ZK_RELAY_RESEND_MS" });
  // docs/events.md §4: one live session per terminal the gateway lists; ZK_RELAY_LIVE=0 turns watching off.
  const liveTuning = numericEnv(env, { keepAliveMs: "ZK_RELAY_LIVE_KEEPALIVE_MS", baseMs: "ZK_RELAY_LIVE_BACKOFF_MS" });
  const live =
    env.ZK_RELAY_LIVE === "0"
      ? undefined
      : new LiveManager({
          pool: dispatcher.pool,
          cursors,
          outbox: events,
          logger,
          keepAliveMs: liveTuning.keepAliveMs,
          backoff: liveTuning.baseMs === undefined ? undefined : { baseMs: liveTuning.baseMs, maxMs: Math.max(liveTuning.baseMs, 30_000) },
        });
  const link = new RelayLink({
    url,
    token,
    hello,
    handle: async (frame, signal, extend) => {
      const response = await handler(frame, signal, extend);
      // The terminal could not say whether the change happened: settle it against the terminal shortly.
      if (!response.ok && response.error.details?.outcome === "unknown" && outbox.has(frame.id)) setTimeout(() => void settler.kick(), 2_000).unref();
      return response;
    },
    logger,
    outbox,
    events,
    onWatch: (devices) => void live?.setTargets(devices),
    ...tuning,
    ...deps.link,
  });
  flush = () => link.flush();
  events.send = (frame) => link.sendEvents(frame);
  logger.info("agent starting", {
    gateway: redactUrl(url),
    version: hello.version,
    hostname: hello.hostname,
    pid: process.pid,
    state_dir: stateDir,
    outbox: outbox.size,
    event_batches: events.size,
  });
  void settler.kick();

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn(`${signal} again: exiting without waiting for in-flight requests`);
      process.exit(1);
    }
    logger.info(`${signal} received: stopping`);
    void link.stop();
  };
  const handleSignals = deps.handleSignals ?? true;
  if (handleSignals) {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
  try {
    link.start();
    deps.onLink?.(link);
    const exit = await link.done;
    // Watched terminals' sessions are closed (EXIT) and what they heard is written out before the agent goes.
    await live?.stop();
    await events.flush().catch(() => undefined);
    if (exit.reason === "stopped") {
      // Let terminal sessions finish their EXIT so no terminal is left with a half-open session.
      await Promise.race([dispatcher.pool.idle(), new Promise((r) => setTimeout(r, 3_000).unref())]);
    }
    logger.info("agent stopped", { reason: exit.reason, code: exit.code });
    return exit.code;
  } finally {
    // Background re-enables of terminals left disabled end with the agent (the persisted list and the terminal's own
    // DISABLE timeout remain); unsettled outbox entries are settled by the next run.
    dispatcher.pool.stop();
    settler.stop();
    if (handleSignals) {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
  }
}
