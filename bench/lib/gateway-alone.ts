// (a') Where the gateway's own time goes: GET /devices/{id} answered by the gateway alone, with the key and registry
// cache (as deployed), without it (every request reads D1 twice), and the floor of a request that reads nothing.
import { startGateway } from "../../test/e2e/harness/gateway";
import { apiClient, type ApiClient } from "../../scripts/lib/api-client";
import { CALLS, WARMUP } from "./relay-overhead";
import type { Row } from "./report";
import { round, sampleSequential, summarize } from "./stats";

const DEVICE = "solo";

/** Server-Timing entries of one answer, by name (ms). */
function serverTiming(headers: Headers): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (headers.get("server-timing") ?? "").split(",")) {
    const m = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

async function sample(api: ApiClient, path: string, status: number, timings?: Array<Record<string, number>>): Promise<number[]> {
  return sampleSequential(CALLS, WARMUP, async () => {
    const answer = await api.get(path);
    if (answer.status !== status) throw new Error(`GET ${path} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    timings?.push(serverTiming(answer.headers));
  });
}

function pick(samples: number[]): Pick<Row, "median_ms" | "p90_ms" | "p99_ms" | "n"> {
  const s = summarize(samples);
  return { median_ms: s.median_ms, p90_ms: s.p90_ms, p99_ms: s.p99_ms, n: s.n };
}

/**
 * Runs on a gateway of its own (workerd through Miniflare, same bundle as the system benchmark) with the cache
 * turned off (REGISTRY_CACHE_MS=0) and Server-Timing on, so the two D1 round trips can be told apart. The cached
 * figure (the default) comes from the system benchmark's gateway (relay-overhead.ts).
 */
export async function benchGatewayAlone(progress: (line: string) => void): Promise<Row[]> {
  const gw = await startGateway({ bindings: { REGISTRY_CACHE_MS: "0", SERVER_TIMING: "1" } });
  try {
    const site = await gw.admin.post("/admin/sites", { id: "solo" });
    const dev = await gw.admin.post("/devices", { id: DEVICE, ip: "127.0.0.1", port: 4370, site: "solo" });
    const created = await gw.admin.post("/admin/keys", { name: "bench", role: "read" });
    if (site.status !== 201 || dev.status !== 201 || created.status !== 201) throw new Error("could not set up the bare gateway");
    const api = apiClient(gw.url, created.body.data.key as string);
    const timings: Array<Record<string, number>> = [];
    const uncached = await sample(api, `/devices/${DEVICE}`, 200, timings);
    // workerd's clock moves in whole milliseconds (and only across I/O): the mean of 500 readings resolves below that.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const key = mean(timings.map((t) => t.key ?? Number.NaN));
    const registry = mean(timings.map((t) => t.registry ?? Number.NaN));
    // No key: the API-key middleware answers 401 before any D1 read — HTTP, workerd and Hono alone.
    const floor = await sample(api.withKey(undefined), `/devices/${DEVICE}`, 401);
    const u = summarize(uncached);
    const f = summarize(floor);
    progress(`gateway alone without cache: median ${u.median_ms} ms (key lookup ${key} ms, registry read ${registry} ms); floor (401, no D1) ${f.median_ms} ms`);
    return [
      { bench: "relay", what: "GET /devices/{id}: gateway alone, cache off (API key + registry read in D1 every request)", ...pick(uncached) },
      { bench: "relay", what: "  of which: API key lookup in D1 (Server-Timing, mean)", ms: round(key) },
      { bench: "relay", what: "  of which: registry row read in D1 (Server-Timing, mean)", ms: round(registry) },
      { bench: "relay", what: "GET /devices/{id} without a key (401): HTTP + workerd + Hono, no D1 — the floor", ...pick(floor) },
    ];
  } finally {
    await gw.stop();
  }
}
