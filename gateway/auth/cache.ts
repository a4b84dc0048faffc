// Per-isolate cache of API-key and registry rows: hot requests skip D1, every change through this isolate forgets at once.
import type { DeviceRow } from "../db/devices";
import type { KeyRow } from "../db/keys";
import { TtlCache } from "./ttl-cache";

/**
 * How long a cached row is believed. A change made through this isolate forgets the row at once; a change made
 * through another isolate (or straight in D1) is seen at the latest this long after it — so a revoked key is
 * refused everywhere within REGISTRY_CACHE_MS (the README states the bound; test/workers/auth-cache.test.ts checks it).
 */
export const REGISTRY_CACHE_MS = 2000;

/** Entries per table; past it the oldest go first (a key or device seen once does not pin memory). */
export const REGISTRY_CACHE_MAX = 1000;

let ttl = REGISTRY_CACHE_MS;
const ttlMs = () => ttl;

/** Live API keys by SHA-256 hex of the secret. Unknown keys are never cached: a new key works at once. */
export const keyCache = new TtlCache<KeyRow>(ttlMs, REGISTRY_CACHE_MAX);
/** Registry rows by device id; a missing device is not cached either (a new device is visible at once). */
export const deviceCache = new TtlCache<DeviceRow>(ttlMs, REGISTRY_CACHE_MAX);

/** The registry changed `id` (insert, update, delete): this isolate reads it from D1 next time. */
export function forgetDevice(id: string): void {
  deviceCache.delete(id);
}

/** The key with this hash changed (revoked): this isolate refuses or re-reads it at once. */
export function forgetKey(keyHash: string): void {
  keyCache.delete(keyHash);
}

/** last_used_at was just written for key `id`: the cached row says so too, so it is not written again every request. */
export function keyUsed(id: string, at: string): void {
  keyCache.forEach((row) => {
    if (row.id === id) row.last_used_at = at;
  });
}

/** Drops everything (tests that change D1 behind the API's back; a bulk change). */
export function forgetAll(): void {
  keyCache.clear();
  deviceCache.clear();
}

/** Tests and benchmarks: 0 turns the cache off (every request reads D1). Returns the previous value. */
export function setRegistryCacheMs(ms: number): number {
  const before = ttl;
  ttl = Math.max(0, ms);
  forgetAll();
  return before;
}
