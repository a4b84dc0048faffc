// webhooks repository: subscriptions with their encrypted secret; the admin API's shape never carries it.
import { parseSites } from "../db/keys";

export interface WebhookRow {
  id: string;
  url: string;
  events: string;
  sites: string | null;
  secret_enc: string;
  /** Events up to this pos have their deliveries (publish.ts). */
  events_pos: number;
  created_at: string;
  created_by: string | null;
}

export interface PublicWebhook {
  id: string;
  url: string;
  events: string[];
  sites: string[] | null;
  created_at: string;
  deliveries: { pending: number; delivered: number; dead: number };
}

type Counts = PublicWebhook["deliveries"];
const NO_COUNTS: Counts = { pending: 0, delivered: 0, dead: 0 };

export function newWebhookId(): string {
  return `whk_${hexBytes(8)}`;
}

export function hexBytes(n: number): string {
  return [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function toPublicWebhook(row: Omit<WebhookRow, "events_pos">, counts: Counts = NO_COUNTS): PublicWebhook {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    sites: parseSites(row.sites),
    created_at: row.created_at,
    deliveries: counts,
  };
}

/** Inserts a webhook whose cursor starts at the newest stored event: it gets the events stored from now on. */
export async function insertWebhook(db: D1Database, row: Omit<WebhookRow, "events_pos">): Promise<void> {
  await db
    .prepare(
      "INSERT INTO webhooks (id, url, events, sites, secret_enc, events_pos, created_at, created_by)" +
        " SELECT ?, ?, ?, ?, ?, COALESCE((SELECT MAX(pos) FROM events), 0), ?, ?",
    )
    .bind(row.id, row.url, row.events, row.sites, row.secret_enc, row.created_at, row.created_by)
    .run();
}

export function getWebhook(db: D1Database, id: string): Promise<WebhookRow | null> {
  return db.prepare("SELECT * FROM webhooks WHERE id = ?").bind(id).first<WebhookRow>();
}

export async function listWebhooks(db: D1Database): Promise<WebhookRow[]> {
  return (await db.prepare("SELECT * FROM webhooks ORDER BY created_at, id").all<WebhookRow>()).results;
}

/** Deletes the webhook, its deliveries and streams (ON DELETE CASCADE); the row as it was, or null. */
export function deleteWebhook(db: D1Database, id: string): Promise<WebhookRow | null> {
  return db.prepare("DELETE FROM webhooks WHERE id = ? RETURNING *").bind(id).first<WebhookRow>();
}

/** Delivery counts by status, per webhook id (`only`: one webhook). */
export async function deliveryCounts(db: D1Database, only?: string): Promise<Map<string, Counts>> {
  const sql =
    "SELECT webhook_id, status, COUNT(*) AS n FROM webhook_deliveries" +
    (only ? " WHERE webhook_id = ?" : "") +
    " GROUP BY webhook_id, status";
  const stmt = only ? db.prepare(sql).bind(only) : db.prepare(sql);
  const out = new Map<string, Counts>();
  for (const r of (await stmt.all<{ webhook_id: string; status: keyof Counts; n: number }>()).results) {
    const c = out.get(r.webhook_id) ?? { ...NO_COUNTS };
    c[r.status] = r.n;
    out.set(r.webhook_id, c);
  }
  return out;
}

/** Webhooks subscribed to `type` events of `site` (a webhook without sites gets every site). */
export function matches(row: WebhookRow, type: string, site: string | null): boolean {
  if (!(JSON.parse(row.events) as string[]).includes(type)) return false;
  const sites = parseSites(row.sites);
  return sites === null || (site !== null && sites.includes(site));
}
