// webhook_deliveries and webhook_streams repository: one row per (webhook, event), one lease per (webhook, device).
import { hexBytes, type WebhookRow } from "./store";

export type DeliveryStatus = "pending" | "delivered" | "dead";

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  device_id: string;
  seq: number;
  event_type: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  window_start: string;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** A delivery as the admin API lists it: everything but the body (GET /events serves the events). */
export type PublicDelivery = Omit<DeliveryRow, "payload" | "window_start">;

export function toPublicDelivery(row: DeliveryRow): PublicDelivery {
  const { payload: _p, window_start: _w, ...rest } = row;
  return rest;
}

export interface NewDelivery {
  webhookId: string;
  eventId: string;
  deviceId: string;
  seq: number;
  type: string;
  payload: string;
}

export const newDeliveryId = () => `dlv_${hexBytes(10)}`;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The statements that insert the deliveries (a (webhook, event) pair already there is left alone, so publishing
 * twice sends once) and bump the version of every stream they belong to; the caller runs them in one batch.
 */
export function deliveryStatements(db: D1Database, rows: NewDelivery[], now: number): D1PreparedStatement[] {
  if (rows.length === 0) return [];
  const at = iso(now);
  const insert = db.prepare(
    "INSERT OR IGNORE INTO webhook_deliveries (id, webhook_id, event_id, device_id, seq, event_type, payload, window_start, created_at)" +
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const bump = db.prepare(
    "INSERT INTO webhook_streams (webhook_id, device_id, version) VALUES (?, ?, 1)" +
      " ON CONFLICT (webhook_id, device_id) DO UPDATE SET version = version + 1",
  );
  const streams = new Map(rows.map((r) => [`${r.webhookId}\u0000${r.deviceId}`, r]));
  return [
    ...rows.map((r) => insert.bind(newDeliveryId(), r.webhookId, r.eventId, r.deviceId, r.seq, r.type, r.payload, at, at)),
    ...[...streams.values()].map((r) => bump.bind(r.webhookId, r.deviceId)),
  ];
}

export interface Claim {
  version: number;
  next_at: string;
}

export interface Opened {
  /** null: someone else holds a live lease on the stream. */
  claim: Claim | null;
  webhook: WebhookRow | null;
  head: DeliveryRow[];
}

/**
 * Takes the stream's lease when nobody holds a live one, and reads its webhook and oldest pending deliveries, in
 * one round trip (one batch; the reads are only used when the lease was taken).
 */
export async function openStream(db: D1Database, w: string, d: string, leaseId: string, now: number, leaseMs: number, page: number): Promise<Opened> {
  const [claim, hook, head] = await db.batch([
    db
      .prepare(
        "UPDATE webhook_streams SET lease_id = ?, lease_until = ? WHERE webhook_id = ? AND device_id = ?" +
          " AND (lease_until IS NULL OR lease_until < ?) RETURNING version, next_at",
      )
      .bind(leaseId, iso(now + leaseMs), w, d, iso(now)),
    db.prepare("SELECT * FROM webhooks WHERE id = ?").bind(w),
    headStatement(db, w, d, page),
  ]);
  return {
    claim: ((claim?.results ?? []) as Claim[])[0] ?? null,
    webhook: ((hook?.results ?? []) as WebhookRow[])[0] ?? null,
    head: (head?.results ?? []) as DeliveryRow[],
  };
}

const headStatement = (db: D1Database, w: string, d: string, limit: number) =>
  db
    .prepare("SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND device_id = ? AND status = 'pending' ORDER BY seq, rowid LIMIT ?")
    .bind(w, d, limit);

/**
 * Lets the stream go, but only if nothing was published since `version` was read: otherwise the caller goes on
 * (a publish that saw our lease relies on us to deliver what it added). True when released.
 */
export async function releaseStream(db: D1Database, w: string, d: string, leaseId: string, version: number): Promise<boolean> {
  const r = await db
    .prepare(
      "UPDATE webhook_streams SET lease_id = NULL, lease_until = NULL WHERE webhook_id = ? AND device_id = ? AND lease_id = ? AND version = ?",
    )
    .bind(w, d, leaseId, version)
    .run();
  return r.meta.changes === 1;
}

/** Lets the stream go whatever was published meanwhile (the caller makes sure a message will come back to it). */
export async function dropLease(db: D1Database, w: string, d: string, leaseId: string): Promise<void> {
  await db
    .prepare("UPDATE webhook_streams SET lease_id = NULL, lease_until = NULL WHERE webhook_id = ? AND device_id = ? AND lease_id = ?")
    .bind(w, d, leaseId)
    .run();
}

export interface AttemptRecord {
  row: DeliveryRow;
  status: DeliveryStatus;
  at: number;
  httpStatus: number | null;
  error: string | null;
  /** Set on a failure to retry: the stream backs off until then. */
  nextAt: number | null;
}

/**
 * Records attempts on their deliveries and, in the same batch, the stream's lease: extended, or released with the
 * backoff of the last record when it failed. False when the lease was no longer ours (it expired and another
 * consumer took the stream): the caller stops.
 */
export async function recordAttempts(
  db: D1Database,
  stream: { w: string; d: string; leaseId: string; leaseUntil: number },
  recs: readonly AttemptRecord[],
): Promise<boolean> {
  const update = db.prepare(
    "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ?," +
      " next_attempt_at = ?, delivered_at = ? WHERE id = ?",
  );
  const rows = recs.map((r) => {
    const at = iso(r.at);
    return update.bind(r.status, at, r.httpStatus, r.error, r.nextAt === null ? null : iso(r.nextAt), r.status === "delivered" ? at : null, r.row.id);
  });
  const backoff = recs[recs.length - 1]?.nextAt ?? null;
  // Backing off releases the lease (the delayed queue message resumes the stream); else the lease is extended.
  const streamSql =
    backoff === null
      ? db
          .prepare("UPDATE webhook_streams SET lease_until = ? WHERE webhook_id = ? AND device_id = ? AND lease_id = ?")
          .bind(iso(stream.leaseUntil), stream.w, stream.d, stream.leaseId)
      : db
          .prepare("UPDATE webhook_streams SET next_at = ?, lease_id = NULL, lease_until = NULL WHERE webhook_id = ? AND device_id = ? AND lease_id = ?")
          .bind(iso(backoff), stream.w, stream.d, stream.leaseId);
  const results = await db.batch([...rows, streamSql]);
  return results[rows.length]?.meta.changes === 1;
}

/** Streams with pending deliveries that nobody works on and whose backoff is over (their queue message was lost). */
export async function idleStreams(db: D1Database, now: number, limit: number): Promise<Array<{ webhook_id: string; device_id: string }>> {
  const { results } = await db
    .prepare(
      "SELECT s.webhook_id, s.device_id FROM webhook_streams s WHERE s.next_at <= ? AND (s.lease_until IS NULL OR s.lease_until < ?)" +
        " AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = s.webhook_id AND d.device_id = s.device_id AND d.status = 'pending')" +
        " LIMIT ?",
    )
    .bind(iso(now), iso(now), limit)
    .all<{ webhook_id: string; device_id: string }>();
  return results;
}

/** One page of a webhook's deliveries, newest first; `cursor` is the last row's position from the previous page. */
export async function listDeliveries(
  db: D1Database,
  webhookId: string,
  q: { status?: DeliveryStatus; limit: number; cursor?: string },
): Promise<{ rows: DeliveryRow[]; next: string | null }> {
  const where = ["webhook_id = ?"];
  const binds: unknown[] = [webhookId];
  if (q.status) where.push("status = ?"), binds.push(q.status);
  if (q.cursor) where.push("rowid < ?"), binds.push(Number(q.cursor));
  const { results } = await db
    .prepare(`SELECT rowid AS pos, * FROM webhook_deliveries WHERE ${where.join(" AND ")} ORDER BY rowid DESC LIMIT ?`)
    .bind(...binds, q.limit + 1)
    .all<DeliveryRow & { pos: number }>();
  const page = results.slice(0, q.limit);
  const next = results.length > q.limit ? String(page[page.length - 1]!.pos) : null;
  return { rows: page.map(({ pos: _pos, ...r }) => r), next };
}

/**
 * Puts a delivery back in line now (dead, delivered or backing off): pending, a fresh retry window, and its
 * stream's backoff lifted. Null when the webhook has no such delivery.
 */
export async function requeueDelivery(db: D1Database, webhookId: string, deliveryId: string, now: number): Promise<DeliveryRow | null> {
  const at = iso(now);
  const [res] = await db.batch([
    db
      .prepare(
        "UPDATE webhook_deliveries SET status = 'pending', window_start = ?, next_attempt_at = NULL, delivered_at = NULL" +
          " WHERE id = ? AND webhook_id = ? RETURNING *",
      )
      .bind(at, deliveryId, webhookId),
    db
      .prepare(
        "UPDATE webhook_streams SET next_at = '', version = version + 1 WHERE (webhook_id, device_id) IN" +
          " (SELECT webhook_id, device_id FROM webhook_deliveries WHERE id = ? AND webhook_id = ?)",
      )
      .bind(deliveryId, webhookId),
  ]);
  return ((res?.results ?? []) as DeliveryRow[])[0] ?? null;
}

export function getDelivery(db: D1Database, webhookId: string, deliveryId: string): Promise<DeliveryRow | null> {
  return db.prepare("SELECT * FROM webhook_deliveries WHERE id = ? AND webhook_id = ?").bind(deliveryId, webhookId).first<DeliveryRow>();
}
