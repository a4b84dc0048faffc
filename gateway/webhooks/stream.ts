// Delivering one (webhook, device) stream under its lease: oldest first, stop at the first failure and back off (docs/webhooks.md §4).
import type { Env } from "../env";
import { retryDelayS, windowClosed } from "./backoff";
import { leaseMs, webhookConfig, type WebhookConfig } from "./config";
import { secretOf } from "./crypto";
import { attemptDelivery } from "./deliver";
import { dropLease, nextPage, openStream, recordAttempts, releaseStream, type AttemptRecord, type DeliveryRow } from "./deliveries";

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
/** Deliveries read, sent one after the other, and recorded in one D1 batch. */
const PAGE = 25;

export async function runStream(env: Env, msg: StreamMessage, now = Date.now): Promise<StreamResult> {
  const cfg = webhookConfig(env);
  const db = env.DB;
  const leaseId = crypto.randomUUID();
  const opened = await openStream(db, msg.w, msg.d, leaseId, now(), leaseMs(cfg), PAGE);
  const { claim, webhook } = opened;
  // Someone holds the stream: they deliver what is pending, and they see any publish through its version. Only a
  // message ending a backoff must not vanish here (the holder may be one that is just leaving the stream).
  if (!claim) return msg.retry ? { next: "again", delayS: 1, retry: true } : { next: "done" };
  if (claim.next_at !== "" && Date.parse(claim.next_at) > now()) {
    await dropLease(db, msg.w, msg.d, leaseId);
    // A message that was meant to end the backoff but came early waits the rest; other messages go (one is enough).
    const rest = Math.ceil((Date.parse(claim.next_at) - now()) / 1000);
    return msg.retry ? { next: "again", delayS: Math.max(1, rest), retry: true } : { next: "done" };
  }
  if (!webhook) return { next: "done" }; // deleted: its deliveries and streams went with it
  const secret = await secretOf(env, webhook.id, webhook.secret_enc);
  const stream = { w: msg.w, d: msg.d, leaseId };
  // The version is always read before the head it goes with: a publish after that bumps it, so a release with
  // an old version fails and the loop looks again instead of leaving new rows behind.
  let version = claim.version;
  let head = opened.head;
  let sent = 0;
  for (;;) {
    if (head.length === 0) {
      if (await releaseStream(db, msg.w, msg.d, leaseId, version)) return { next: "done" };
      ({ version, head } = await nextPage(db, msg.w, msg.d, PAGE));
      continue;
    }
    const recs: AttemptRecord[] = [];
    let leaseUntil = now() + leaseMs(cfg);
    for (const row of head) {
      const rec = await attempt(cfg, webhook.url, secret, row, now);
      recs.push(rec);
      if (rec.nextAt !== null) break;
      // A slow receiver: keep the lease alive before it could lapse under us.
      if (now() > leaseUntil - leaseMs(cfg) / 2) {
        leaseUntil = now() + leaseMs(cfg);
        if (!(await recordAttempts(db, { ...stream, leaseUntil }, recs.splice(0))).held) return { next: "done" };
      }
    }
    const last = recs[recs.length - 1];
    const failed = last !== undefined && last.nextAt !== null;
    sent += head.length;
    const more = !failed && sent < TURN;
    const recorded = await recordAttempts(db, { ...stream, leaseUntil: now() + leaseMs(cfg) }, recs, more ? PAGE : 0);
    if (!recorded.held) return { next: "done" };
    if (failed) return { next: "again", delayS: Math.max(1, Math.round((last.nextAt! - last.at) / 1000)), retry: true };
    if (!more) {
      // A long backlog: hand back so the batch's other streams are not kept waiting; a message resumes this one.
      await dropLease(db, msg.w, msg.d, leaseId);
      return { next: "again", delayS: 0, retry: false };
    }
    ({ version, head } = recorded);
  }
}

/** One attempt and what to record: delivered, dead (the window closed: the stream goes on), or pending with a backoff. */
async function attempt(cfg: WebhookConfig, url: string, secret: string | null, row: DeliveryRow, now: () => number): Promise<AttemptRecord> {
  const outcome = secret
    ? await attemptDelivery(
        { url, secret, eventId: row.event_id, deliveryId: row.id, attempt: row.attempts + 1, body: row.payload, timeoutMs: cfg.timeoutMs },
        now(),
      )
    : { ok: false, status: null, error: "signing secret unreadable (was WEBHOOK_SECRET_KEY changed?)" };
  const at = now();
  const base = { row, at, httpStatus: outcome.status, error: outcome.error };
  if (outcome.ok) return { ...base, status: "delivered", nextAt: null };
  if (windowClosed(row.window_start, at, cfg)) return { ...base, status: "dead", nextAt: null };
  return { ...base, status: "pending", nextAt: at + retryDelayS(row.attempts + 1, cfg) * 1000 };
}
