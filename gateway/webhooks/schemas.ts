// zod schemas of the webhook admin API: the subscription body, what is listed (never the secret), deliveries.
import { z } from "zod";
import { EVENT_TYPES, EventType } from "../../shared/events";
import { SiteId } from "../schemas";

/** Event types a webhook may subscribe to: the `type` of an event (docs/webhooks.md §1). */
export const WEBHOOK_EVENT_TYPES = EVENT_TYPES;
export const WebhookEventType = EventType;

export const WebhookId = z.string().regex(/^whk_[0-9a-f]{16}$/, "a webhook id (whk_…)");
export const DeliveryId = z.string().regex(/^dlv_[0-9a-f]{20}$/, "a delivery id (dlv_…)");

/** POST /admin/webhooks */
export const CreateWebhookBody = z
  .object({
    url: z.string().min(1).max(2048),
    events: z.array(WebhookEventType).min(1).max(WEBHOOK_EVENT_TYPES.length),
    sites: z.array(SiteId).min(1).max(50).optional(),
  })
  .strict();

export const DeliveryCounts = z.object({ pending: z.number().int(), delivered: z.number().int(), dead: z.number().int() });

/** A webhook as the admin API shows it: never its secret. */
export const Webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventType),
  sites: z.array(z.string()).nullable(),
  created_at: z.string(),
  deliveries: DeliveryCounts,
});

/** The answer to POST /admin/webhooks: the only time the secret is shown. */
export const WebhookWithSecret = Webhook.omit({ deliveries: true }).extend({ secret: z.string() });

export const DeliveryStatus = z.enum(["pending", "delivered", "dead"]);

export const Delivery = z.object({
  id: z.string(),
  webhook_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  device_id: z.string(),
  seq: z.number().int(),
  status: DeliveryStatus,
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  delivered_at: z.string().nullable(),
});

/** GET /admin/webhooks/{id}/deliveries: newest first, filtered by status, cursor-paginated. */
export const DeliveriesQuery = z.object({
  status: DeliveryStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, "a next_cursor value").optional(),
});
