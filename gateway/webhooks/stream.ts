// Delivering one (webhook, device) stream under its lease: oldest first, stop at the first failure and back off (docs/webhooks.md §4).
import type { Env } from "../env";
import { retryDelayS, windowClosed } from "./backoff";
import { leaseMs, webhookConfig, type WebhookConfig } from "./config";
import { decryptSecret } from "./crypto";
import { attemptDelivery } from "./deliver";
import { claimStream, dropLease, pendingHead, recordAttempt, releaseStream, streamVersion, type DeliveryRow } from "./deliveries";
import { getWebhook } from "./store";

/** A queue message: "stream (w, d) may have work". `retry` marks the one message that ends a backoff. */
export interface StreamMessage {
  w: string;
  d: string;
  retry?: true;
}

/** What the consumer should do with the message once the stream was worked on. */
export type StreamResult =
  | { next: "done" }
  /** Send a message for the stream again after `delayS` (a backoff, or a fair share of the consumer used up). */
  | { next: "again"; delayS: number; retry: boolean };

/** Deliveries per turn before the stream yields to others (a long backlog must not hold the consumer). */
const TURN = 100;
const PAGE = 25;

export async function runStream(env: Env, msg: StreamMessage, now = Date.now): Promise<StreamResult> {
  const cfg = webhookConfig(env);
  const db = env.DB;
  const leaseId = crypto.randomUUID();
  const claim = await claimStream(db, msg.w, msg.d, leaseId, now(), leaseMs(cfg));
  // Someone holds the stream: they deliver what is pending, and they see any publish through its version. Only a
  // message ending a backoff must not vanish here (the holder may be one that is just leaving the stream).
  if (!claim) return msg.retry ? { next: "again", delayS: 1, retry: true } : { next: "done" };
  if (claim.next_at !== "" && Date.parse(claim.next_at) > now()) {
    await dropLease(db, msg.w, msg.d, leaseId);
    // A message that was meant to end the backoff but came early waits the rest; other messages go (one is enough).
    const rest = Math.ceil((Date.parse(claim.next_at) - now()) / 1000);
    return msg.retry ? { next: "again", delayS: Math.max(1, rest), retry: true } : { next: "done" };
  }
  const hook = await getWebhook(db, msg.w);
  if (!hook) return { next: "done" }; // deleted: its deliveries and streams went with it
  const secret = await decryptSecret(env, hook.id, hook.secret_enc);
  let version = claim.version;
  let sent = 0;
  for (;;) {
    const head = await pendingHead(db, msg.w, msg.d, PAGE);
    if (head.length === 0) {
      if (await releaseStream(db, msg.w, msg.d, leaseId, version)) return { next: "done" };
      version = await streamVersion(db, msg.w, msg.d);
      continue;
    }
    for (const row of head) {
      const step = await deliverOne(env, cfg, hook.url, secret, row, leaseId, now);
      if (step === "lost") return { next: "done" };
      if (typeof step === "number") return { next: "again", delayS: step, retry: true };
      sent += 1;
    }
    // Read before the next head: a publish after this point bumps it, so the release below cannot miss its rows.
    version = await streamVersion(db, msg.w, msg.d);
    if (sent >= TURN) {
      await dropLease(db, msg.w, msg.d, leaseId);
      return { next: "again", delayS: 0, retry: false };
    }
  }
}

/**
 * One attempt and its record: "ok" (delivered, or dead-lettered: the stream goes on), a number (failed: back off
 * that many seconds; the lease is released), or "lost" (our lease expired and another consumer has the stream).
 */
async function deliverOne(
  env: Env,
  cfg: WebhookConfig,
  url: string,
  secret: string | null,
  row: DeliveryRow,
  leaseId: string,
  now: () => number,
): Promise<"ok" | "lost" | number> {
  const outcome = secret
    ? await attemptDelivery({
        url,
        secret,
        eventId: row.event_id,
        deliveryId: row.id,
        attempt: row.attempts + 1,
        body: row.payload,
        timeoutMs: cfg.timeoutMs,
      }, now())
    : { ok: false, status: null, error: "signing secret unreadable (was WEBHOOK_SECRET_KEY changed?)" };
  const at = now();
  const lease = { leaseId, leaseUntil: at + leaseMs(cfg) };
  const base = { at, httpStatus: outcome.status, error: outcome.error };
  if (outcome.ok) return (await recordAttempt(env.DB, row, { ...base, status: "delivered", nextAt: null }, lease)) ? "ok" : "lost";
  if (windowClosed(row.window_start, at, cfg)) {
    return (await recordAttempt(env.DB, row, { ...base, status: "dead", nextAt: null }, lease)) ? "ok" : "lost";
  }
  const delayS = retryDelayS(row.attempts + 1, cfg);
  const kept = await recordAttempt(env.DB, row, { ...base, status: "pending", nextAt: at + delayS * 1000 }, lease);
  return kept ? delayS : "lost";
}
