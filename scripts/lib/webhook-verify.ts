// Verifying a zk-relay webhook delivery in Node: the ZK-Relay-Signature check receivers run (docs/webhooks.md §2).
import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * True when `header` (`t=<unix seconds>,v1=<hex>`) is the HMAC-SHA256 of `"<t>.<rawBody>"` under `secret`
 * and `t` is within `toleranceS` of now (an old delivery replayed by someone else is refused).
 */
export function verifySignature(secret: string, rawBody: string, header: string | undefined, toleranceS = 300, nowMs = Date.now()): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(",").map((kv) => kv.trim().split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowMs / 1000 - t) > toleranceS) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
