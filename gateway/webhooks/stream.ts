// Delivering one (webhook, device) stream under its lease: oldest first, stop at the first failure and back off (docs/webhooks.md §4).
import type { Env } from "../env";
import { retryDelayS, windowClosed } from "./backoff";
import { leaseMs, webhookConfig, type WebhookConfig } from "./config";
import { secretOf } from "./crypto";
import { attemptDelivery } from "./deliver";
import { dropLease, openStream, recordAttempts, releaseStream, type AttemptRecord, type DeliveryRow } from "./deliveries";

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

/** Deliveries per turn: read, sent one after the other, and recorded in one D1 batch. */
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
  const head = opened.head;
  const recs: AttemptRecord[] = [];
  let leaseUntil = now() + leaseMs(cfg);
  for (const row of head) {
    const rec = await attempt(cfg, webhook.url, secret, row, now);
    recs.push(rec);
    if (rec.nextAt !== null) break;
    // A slow receiver: keep the lease alive before it could lapse under us.
    if (now() > leaseUntil - leaseMs(cfg) / 2) {
      leaseUntil = now() + leaseMs(cfg);
      if (!(await recordAttempts(db, { ...stream, leaseUntil }, recs.splice(0)))) return { next: "done" };
    }
  }
  const last = recs[recs.length - 1];
  if (recs.length > 0 && !(await recordAttempts(db, { ...stream, leaseUntil: now() + leaseMs(cfg) }, recs))) return { next: "done" };
  if (last !== undefined && last.nextAt !== null) {
    return { next: "again", delayS: Math.max(1, Math.round((last.nextAt - last.at) / 1000)), retry: true };
  }
  // One page per turn: the stream goes on in a new message, so a batch ends soon and no stream waits long behind
  // another. The release succeeds only when nothing was published since the version read with this page, and the
  // page was not full: then nothing is left behind (docs/webhooks.md §7).
  if (head.length < PAGE && (await releaseStream(db, msg.w, msg.d, leaseId, claim.version))) return { next: "done" };
  await dropLease(db, msg.w, msg.d, leaseId);
  return { next: "again", delayS: 0, retry: false };
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
