// /admin/webhooks: subscriptions (secret shown once, kept encrypted), their deliveries, and retrying one (docs/webhooks.md).
import { Hono } from "hono";
import { requireRole } from "../auth/roles";
import { noteAudit } from "../audit";
import { listSiteIds } from "../db/sites";
import type { AppEnv } from "../http/app-env";
import { validBody, validParam, validQuery } from "../http/body";
import { ok, okMessage } from "../http/envelope";
import { apiError, validationFailed } from "../http/errors";
import { message } from "../../shared/messages";
import { webhookConfig } from "../webhooks/config";
import { encryptSecret, newWebhookSecret } from "../webhooks/crypto";
import { getDelivery, listDeliveries, requeueDelivery, toPublicDelivery } from "../webhooks/deliveries";
import { CreateWebhookBody, DeliveriesQuery, DeliveryId, WebhookId } from "../webhooks/schemas";
import { deleteWebhook, deliveryCounts, getWebhook, insertWebhook, listWebhooks, newWebhookId, toPublicWebhook } from "../webhooks/store";
import { urlProblem } from "../webhooks/url-policy";
import type { StreamMessage } from "../webhooks/stream";

async function webhookOr404(db: D1Database, id: string) {
  const row = await getWebhook(db, id);
  if (!row) throw apiError("WEBHOOK_NOT_FOUND", { webhook_id: id });
  return row;
}

export const webhooks = new Hono<AppEnv>()
  // Webhooks see every site's events unless limited: like keys, only an unscoped admin may manage them.
  .use("*", requireRole("admin", { allSites: true }))
  .post("/", async (c) => {
    if (!c.env.WEBHOOK_QUEUE) throw apiError("WEBHOOKS_UNAVAILABLE", { missing: "WEBHOOK_QUEUE" });
    const input = await validBody(c, CreateWebhookBody);
    const problem = urlProblem(input.url, webhookConfig(c.env).allowLoopback);
    if (problem) throw validationFailed([{ path: ["url"], message: problem }]);
    const sites = input.sites ? [...new Set(input.sites)].sort() : null;
    if (sites) {
      const known = new Set(await listSiteIds(c.env.DB));
      const missing = sites.find((s) => !known.has(s));
      if (missing !== undefined) throw apiError("SITE_NOT_FOUND", { site_id: missing });
    }
    const events = [...new Set(input.events)].sort();
    const id = newWebhookId();
    const secret = newWebhookSecret();
    const row = {
      id,
      url: new URL(input.url).toString(),
      events: JSON.stringify(events),
      sites: sites === null ? null : JSON.stringify(sites),
      secret_enc: await encryptSecret(c.env, id, secret),
      created_at: new Date().toISOString(),
      created_by: c.var.principal.keyId,
    };
    await insertWebhook(c.env.DB, row);
    // The audit row names the webhook and where it points; the secret is never recorded.
    noteAudit(c, { detail: { webhook_id: id, url: row.url, events, sites } });
    const { deliveries: _d, ...pub } = toPublicWebhook(row);
    return ok(c, { ...pub, secret }, 201);
  })
  .get("/", async (c) => {
    const counts = await deliveryCounts(c.env.DB);
    return ok(c, (await listWebhooks(c.env.DB)).map((r) => toPublicWebhook(r, counts.get(r.id))));
  })
  .get("/:id", async (c) => {
    const id = validParam(c, "id", WebhookId);
    const row = await webhookOr404(c.env.DB, id);
    return ok(c, toPublicWebhook(row, (await deliveryCounts(c.env.DB, id)).get(id)));
  })
  .delete("/:id", async (c) => {
    const id = validParam(c, "id", WebhookId);
    const counts = (await deliveryCounts(c.env.DB, id)).get(id);
    const row = await deleteWebhook(c.env.DB, id);
    if (!row) throw apiError("WEBHOOK_NOT_FOUND", { webhook_id: id });
    noteAudit(c, { detail: { webhook_id: id, url: row.url } });
    return okMessage(c, message(c.var.lang, "WEBHOOK_DELETED", { webhook_id: id }), toPublicWebhook(row, counts));
  })
  .get("/:id/deliveries", async (c) => {
    const id = validParam(c, "id", WebhookId);
    const q = validQuery(c, DeliveriesQuery);
    await webhookOr404(c.env.DB, id);
    const page = await listDeliveries(c.env.DB, id, q);
    return c.json({ success: true, data: page.rows.map(toPublicDelivery), next_cursor: page.next });
  })
  .post("/:id/deliveries/:delivery_id/retry", async (c) => {
    const id = validParam(c, "id", WebhookId);
    const deliveryId = validParam(c, "delivery_id", DeliveryId);
    if (!c.env.WEBHOOK_QUEUE) throw apiError("WEBHOOKS_UNAVAILABLE", { missing: "WEBHOOK_QUEUE" });
    await webhookOr404(c.env.DB, id);
    const before = await getDelivery(c.env.DB, id, deliveryId);
    const row = before && (await requeueDelivery(c.env.DB, id, deliveryId, Date.now()));
    if (!before || !row) throw apiError("DELIVERY_NOT_FOUND", { delivery_id: deliveryId });
    await c.env.WEBHOOK_QUEUE.send({ w: id, d: row.device_id } satisfies StreamMessage);
    noteAudit(c, {
      device: row.device_id,
      before: { status: before.status, attempts: before.attempts },
      detail: { webhook_id: id, delivery_id: deliveryId, event_id: row.event_id },
    });
    return ok(c, toPublicDelivery(row));
  });
