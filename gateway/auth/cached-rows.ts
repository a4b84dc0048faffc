// The two D1 reads every authenticated device request makes (API key, registry row), answered from the isolate cache when fresh.
import type { Context } from "hono";
import { getDevice, type DeviceRow } from "../db/devices";
import { findActiveKeyByHash, type KeyRow } from "../db/keys";
import type { Env } from "../env";
import type { AppEnv } from "../http/app-env";
import { deviceCache, keyCache, setRegistryCacheMs } from "./cache";

let configured: string | undefined;

/** Applies the REGISTRY_CACHE_MS binding once per value (benchmarks turn the cache off with "0"). */
function configure(env: Env): void {
  const want = env.REGISTRY_CACHE_MS;
  if (want === undefined || want === configured) return;
  configured = want;
  const ms = Number(want);
  if (Number.isFinite(ms)) setRegistryCacheMs(ms);
}

/** The live key with this hash: from the cache when read less than REGISTRY_CACHE_MS ago, else from D1. */
export async function activeKeyByHash(env: Env, hash: string): Promise<KeyRow | null> {
  configure(env);
  const hit = keyCache.get(hash);
  if (hit) return hit;
  const row = await findActiveKeyByHash(env.DB, hash);
  if (row) keyCache.set(hash, row);
  return row;
}

/** The registry row of `id`, same rule. */
export async function deviceById(env: Env, id: string): Promise<DeviceRow | null> {
  configure(env);
  const hit = deviceCache.get(id);
  if (hit) return hit;
  const row = await getDevice(env.DB, id);
  if (row) deviceCache.set(id, row);
  return row;
}

/**
 * With the SERVER_TIMING binding set to "1", answers carry `Server-Timing: <name>;dur=<ms>` for these lookups,
 * which is how `npm run bench` splits the gateway's own time. workerd's clock only moves across I/O, so a
 * duration is the D1 round trip (0 on a cache hit).
 */
export async function timed<T>(c: Context<AppEnv>, name: string, work: () => Promise<T>): Promise<T> {
  if (c.env?.SERVER_TIMING !== "1") return work();
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    c.header("Server-Timing", `${name};dur=${(performance.now() - t0).toFixed(2)}`, { append: true });
  }
}
