// The real gateway in workerd through the Miniflare API on dist/index.js, restartable on the same port and data.
import { Log, LogLevel, Miniflare } from "miniflare";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { apiClient, type ApiClient } from "../../../scripts/lib/api-client";
import { ensureBundle, ROOT } from "./bundle";
import { applyMigrations, type D1Like } from "./migrations";

export interface GatewayOptions {
  /** Bootstrap admin key (binding ADMIN_API_KEY); a random one when omitted. */
  adminKey?: string;
  /** Directory for D1 and Durable Object data; a fresh temp dir (removed on stop) when omitted. */
  persistDir?: string;
  /** Extra text bindings (e.g. REGISTRY_CACHE_MS, SERVER_TIMING for benchmarks). */
  bindings?: Record<string, string>;
}

export interface Gateway {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** ws://127.0.0.1:<port>/agent/connect */
  readonly agentUrl: string;
  readonly adminKey: string;
  /** A client authenticated with the admin key. */
  readonly admin: ApiClient;
  /** Recent workerd output (console.log of the worker, runtime warnings). */
  logs(): string[];
  /** Stops workerd and starts it again on the same port with the same data (a gateway redeploy/crash). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The bindings of wrangler.toml, repeated by hand (Miniflare does not read wrangler.toml): D1 `DB`,
 * Durable Object `SITE_RELAY` = class SiteRelay on SQLite storage, the webhook queue (producer and consumer,
 * docs/webhooks.md §7), secret ADMIN_API_KEY.
 */
function options(script: string, port: number, adminKey: string, dir: string, sink: string[], extra: Record<string, string> = {}) {
  const capture = (stream: Readable) => stream.on("data", (chunk: Buffer) => pushLines(sink, chunk.toString()));
  return {
    host: "127.0.0.1",
    port,
    modules: true,
    scriptPath: script,
    compatibilityDate: "2026-04-26",
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: { DB: "registry" },
    durableObjects: { SITE_RELAY: { className: "SiteRelay", useSQLite: true } },
    queueProducers: { WEBHOOK_QUEUE: { queueName: "zk-relay-webhooks" } },
    queueConsumers: { "zk-relay-webhooks": { maxBatchSize: 100, maxBatchTimeout: 0, maxRetries: 10 } },
    bindings: { ...extra, ADMIN_API_KEY: adminKey },
    d1Persist: join(dir, "d1"),
    durableObjectsPersist: join(dir, "do"),
    log: new Log(LogLevel.WARN),
    // No https://workers.cloudflare.com/cf.json fetch (vitest sets NODE_ENV=test, which skips it; scripts do not).
    cf: false,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      capture(stdout);
      capture(stderr);
    },
  };
}

function pushLines(sink: string[], text: string) {
  for (const line of text.split("\n")) if (line.trim()) sink.push(line);
  if (sink.length > 500) sink.splice(0, sink.length - 500);
}

async function boot(script: string, port: number, adminKey: string, dir: string, sink: string[], extra?: Record<string, string>) {
  // After a restart the old listener may take a moment to release the port.
  for (let attempt = 0; ; attempt++) {
    const mf = new Miniflare(options(script, port, adminKey, dir, sink, extra));
    try {
      const url = await mf.ready;
      return { mf, port: Number(url.port) };
    } catch (err) {
      await mf.dispose().catch(() => {});
      if (attempt >= 20 || port === 0) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Starts the gateway on 127.0.0.1 (port 0), with migrations applied. */
export async function startGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const script = await ensureBundle();
  const adminKey = opts.adminKey ?? `test-admin-${crypto.randomUUID()}`;
  const ownDir = opts.persistDir === undefined;
  const dir = opts.persistDir ?? (await mkdtemp(join(tmpdir(), "zk-relay-e2e-")));
  const sink: string[] = [];
  let { mf, port } = await boot(script, 0, adminKey, dir, sink, opts.bindings);
  const migrate = async () =>
    applyMigrations((await mf.getD1Database("DB")) as unknown as D1Like, join(ROOT, "gateway/migrations"));
  await migrate();
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  return {
    port,
    url,
    agentUrl: `ws://127.0.0.1:${port}/agent/connect`,
    adminKey,
    admin: apiClient(url, adminKey),
    logs: () => [...sink],
    async restart() {
      await mf.dispose();
      ({ mf } = await boot(script, port, adminKey, dir, sink, opts.bindings));
      await migrate();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await mf.dispose().catch(() => {});
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
