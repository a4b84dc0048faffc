// Hand-off from the event store to webhook delivery: one row per matching (webhook, event), then one queue message per (webhook, device).
import type { StoredEvent } from "../../shared/events";
import type { Env } from "../env";
import { insertDeliveries, type NewDelivery } from "./deliveries";
import { listWebhooks, matches } from "./store";
import type { StreamMessage } from "./stream";
import { maybeSweep } from "./sweep";

/** What publishing reads of a stored event; the whole event is the delivery's body. */
export type PublishableEvent = Pick<StoredEvent, "id" | "type" | "device_id" | "seq"> & { site_id?: string };

/**
 * Called by the event store once per newly stored batch, after the D1 commit (never with duplicates). The
 * deliveries are written to D1 before any message is sent, so a lost message only delays them (sweep.ts); a
 * failure here is retried, then logged — it must not fail the ingest of events that are already stored.
 */
export async function publishStoredEvents(env: Env, events: readonly PublishableEvent[]): Promise<void> {
  if (events.length === 0 || !env.WEBHOOK_QUEUE) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await publishOnce(env, events);
      break;
    } catch (err) {
      if (attempt >= 3) {
        console.error(`webhooks: ${events.length} event(s) not queued for delivery: ${(err as Error).message}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
  await maybeSweep(env);
}

async function publishOnce(env: Env, events: readonly PublishableEvent[]): Promise<void> {
  const hooks = await listWebhooks(env.DB);
  if (hooks.length === 0) return;
  const sites = hooks.some((h) => h.sites !== null) ? await sitesOf(env.DB, events) : new Map<string, string>();
  const rows: NewDelivery[] = [];
  for (const ev of events) {
    const site = ev.site_id ?? sites.get(ev.device_id) ?? null;
    const payload = JSON.stringify(ev);
    for (const h of hooks) {
      if (!matches(h, ev.type, site)) continue;
      rows.push({ webhookId: h.id, eventId: ev.id, deviceId: ev.device_id, seq: ev.seq, type: ev.type, payload });
    }
  }
  if (rows.length === 0) return;
  await insertDeliveries(env.DB, rows, Date.now());
  const streams = new Map<string, StreamMessage>();
  for (const r of rows) streams.set(`${r.webhookId}\u0000${r.deviceId}`, { w: r.webhookId, d: r.deviceId });
  await env.WEBHOOK_QUEUE!.sendBatch([...streams.values()].map((body) => ({ body })));
}

/** Site of each event's device from the registry, for events that do not carry it (webhooks limited to sites). */
async function sitesOf(db: D1Database, events: readonly PublishableEvent[]): Promise<Map<string, string>> {
  const ids = [...new Set(events.filter((e) => !e.site_id).map((e) => e.device_id))];
  if (ids.length === 0) return new Map();
  const { results } = await db
    .prepare(`SELECT id, site_id FROM devices WHERE id IN (${ids.map(() => "?").join(",")})`)
    .bind(...ids)
    .all<{ id: string; site_id: string }>();
  return new Map(results.map((r) => [r.id, r.site_id]));
}
