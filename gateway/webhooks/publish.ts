// Hand-off from the event store to webhook delivery: each webhook's cursor over the events table, moved with its delivery rows.
import type { StoredEvent } from "../../shared/events";
import type { Env } from "../env";
import { toStoredEvent, type EventRow } from "../events/store";
import { deliveryStatements, type NewDelivery } from "./deliveries";
import { listWebhooks, matches, type WebhookRow } from "./store";
import type { StreamMessage } from "./stream";
import { maybeSweep } from "./sweep";

/** Events read per round; a longer backlog takes several rounds. */
const PAGE = 500;

/**
 * Called by the event store once per newly stored batch, after the D1 commit. The batch itself is only the
 * trigger: what gets published is every stored event after each webhook's cursor (docs/webhooks.md §7), so events
 * whose publishing was cut short (the gateway stopped right after storing them) go out with the next batch or
 * sweep. A failure is logged, never thrown: the events are stored, and the next call publishes them.
 */
export async function publishStoredEvents(env: Env, _events?: readonly StoredEvent[]): Promise<void> {
  if (!env.WEBHOOK_QUEUE) return;
  try {
    await publishPending(env);
  } catch (err) {
    console.error(`webhooks: publishing stored events failed (the next batch or sweep retries): ${(err as Error).message}`);
  }
  await maybeSweep(env);
}

/**
 * Publishes the events stored after each webhook's cursor: delivery rows, stream versions and the moved cursor in
 * one batch (all or nothing), then one queue message per touched stream. Concurrent callers are harmless: a
 * (webhook, event) pair is inserted once and a cursor only moves forward. Returns the deliveries written.
 */
export async function publishPending(env: Env): Promise<number> {
  let total = 0;
  for (;;) {
    const hooks = await listWebhooks(env.DB);
    if (hooks.length === 0) return total;
    const from = Math.min(...hooks.map((h) => h.events_pos));
    const { results } = await env.DB.prepare("SELECT * FROM events WHERE pos > ? ORDER BY pos LIMIT ?").bind(from, PAGE).all<EventRow>();
    if (results.length === 0) return total;
    const upTo = results[results.length - 1]!.pos;
    const rows = deliveriesFor(hooks, results);
    const moves = hooks
      .filter((h) => h.events_pos < upTo)
      .map((h) => env.DB.prepare("UPDATE webhooks SET events_pos = MAX(events_pos, ?) WHERE id = ?").bind(upTo, h.id));
    await env.DB.batch([...deliveryStatements(env.DB, rows, Date.now()), ...moves]);
    total += rows.length;
    const streams = new Map<string, StreamMessage>();
    for (const r of rows) streams.set(`${r.webhookId}\u0000${r.deviceId}`, { w: r.webhookId, d: r.deviceId });
    // Sent after the commit: a message lost here only delays its stream until the sweep (sweep.ts).
    if (streams.size > 0) await env.WEBHOOK_QUEUE!.sendBatch([...streams.values()].map((body) => ({ body })));
    if (results.length < PAGE) return total;
  }
}

function deliveriesFor(hooks: readonly WebhookRow[], events: readonly EventRow[]): NewDelivery[] {
  const rows: NewDelivery[] = [];
  for (const row of events) {
    let payload: string | undefined;
    for (const h of hooks) {
      if (row.pos <= h.events_pos || !matches(h, row.type, row.site_id)) continue;
      // The body is the event exactly as GET /events serves it.
      payload ??= JSON.stringify(toStoredEvent(row));
      rows.push({ webhookId: h.id, eventId: row.id, deviceId: row.device_id, seq: row.seq, type: row.type, payload });
    }
  }
  return rows;
}
