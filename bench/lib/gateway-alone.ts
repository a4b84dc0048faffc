// (a') Where the gateway's own time goes: GET /devices/{id} answered by the gateway alone, with the key and registry
// cache (as deployed) and without it (two D1 reads per request), and the floor of a request that reads nothing.
import { startGateway, type Gateway } from "../../test/e2e/harness/gateway";
import { apiClient, type ApiClient } from "../../scripts/lib/api-client";
import { CALLS, WARMUP } from "./relay-overhead";
import type { Row } from "./report";
import { round, summarize } from "./stats";

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

/** A bare gateway (no agent) with one site, one device and a stored read key; the client uses that key. */
async function bareGateway(cacheMs: string | undefined): Promise<{ gw: Gateway; api: ApiClient }> {
  const bindings: Record<string, string> = { SERVER_TIMING: "1" };
  if (cacheMs !== undefined) bindings.REGISTRY_CACHE_MS = cacheMs;
  const gw = await startGateway({ bindings });
  const site = await gw.admin.post("/admin/sites", { id: "solo" });
  const dev = await gw.admin.post("/devices", { id: DEVICE, ip: "127.0.0.1", port: 4370, site: "solo" });
  const created = await gw.admin.post("/admin/keys", { name: "bench", role: "read" });
  if (site.status !== 201 || dev.status !== 201 || created.status !== 201) throw new Error("could not set up a bare gateway");
  return { gw, api: apiClient(gw.url, created.body.data.key as string) };
}

function pick(samples: number[]): Pick<Row, "median_ms" | "p90_ms" | "p99_ms" | "n"> {
  const s = summarize(samples);
  return { median_ms: s.median_ms, p90_ms: s.p90_ms, p99_ms: s.p99_ms, n: s.n };
}

/**
 * Two gateways of their own (workerd through Miniflare, the same bundle as the system benchmark), one with the
 * cache (the default) and one without (REGISTRY_CACHE_MS=0), both with Server-Timing on. Their requests take turns,
 * with the floor (no key: 401 before any D1 read) as a third, so all three see the same load on the shared cores.
 */
export async function benchGatewayAlone(progress: (line: string) => void): Promise<Row[]> {
  const [on, off] = await Promise.all([bareGateway(undefined), bareGateway("0")]);
  try {
    const path = `/devices/${DEVICE}`;
    const cached: number[] = [];
    const uncached: number[] = [];
    const floor: number[] = [];
    const timings: Array<Record<string, number>> = [];
    const call = async (api: ApiClient, status: number, into: number[] | undefined, onHeaders?: (h: Headers) => void) => {
      const t0 = performance.now();
      const answer = await api.get(path);
      const ms = performance.now() - t0;
      if (answer.status !== status) throw new Error(`GET ${path} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
      into?.push(ms);
      onHeaders?.(answer.headers);
    };
    const calls = [
      (m: boolean) => call(on.api, 200, m ? cached : undefined),
      (m: boolean) => call(off.api, 200, m ? uncached : undefined, (h) => m && timings.push(serverTiming(h))),
      (m: boolean) => call(on.api.withKey(undefined), 401, m ? floor : undefined),
    ];
    for (let i = 0; i < WARMUP + CALLS; i++) {
      for (let j = 0; j < calls.length; j++) await calls[(i + j) % calls.length]!(i >= WARMUP);
    }
    // workerd's clock moves in whole milliseconds (and only across I/O): the mean of 500 readings resolves below that.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const key = mean(timings.map((t) => t.key ?? Number.NaN));
    const registry = mean(timings.map((t) => t.registry ?? Number.NaN));
    progress(
      `gateway alone: cached ${summarize(cached).median_ms} ms, cache off ${summarize(uncached).median_ms} ms ` +
        `(key lookup ${round(key)} ms, registry read ${round(registry)} ms), floor (401, no D1) ${summarize(floor).median_ms} ms`,
    );
    return [
      { bench: "relay", what: "GET /devices/{id}: bare gateway alone, key and registry row cached (the default)", ...pick(cached) },
      { bench: "relay", what: "GET /devices/{id}: bare gateway alone, cache off (API key + registry read in D1 every request)", ...pick(uncached) },
      { bench: "relay", what: "  of which: API key lookup in D1 (Server-Timing, mean)", ms: round(key) },
      { bench: "relay", what: "  of which: registry row read in D1 (Server-Timing, mean)", ms: round(registry) },
      { bench: "relay", what: "GET /devices/{id} without a key (401): HTTP + workerd + Hono, no D1 — the floor", ...pick(floor) },
    ];
  } finally {
    await Promise.all([on.gw.stop(), off.gw.stop()]);
  }
}
