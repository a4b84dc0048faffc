-- Webhooks: subscriptions (secret encrypted at rest), one delivery row per (webhook, event), one stream per (webhook, device).
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,                 -- whk_<hex>
  url TEXT NOT NULL,
  events TEXT NOT NULL,                -- JSON array of event types
  sites TEXT,                          -- JSON array of site ids; NULL: every site
  secret_enc TEXT NOT NULL,            -- AES-GCM of the signing secret (docs/webhooks.md §5), never shown again
  events_pos INTEGER NOT NULL DEFAULT 0,  -- events (0004) up to this pos have their deliveries: publishing resumes after it
  created_at TEXT NOT NULL,
  created_by TEXT
);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,                 -- dlv_<hex>
  webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,                -- the event's per-device sequence: the delivery order of the stream
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,               -- the JSON body, byte for byte what is signed and sent
  status TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | dead
  attempts INTEGER NOT NULL DEFAULT 0,
  window_start TEXT NOT NULL,          -- retries stop this long after it (24 h); a manual retry restarts it
  next_attempt_at TEXT,
  last_attempt_at TEXT,
  last_status INTEGER,                 -- HTTP status of the last attempt (NULL: no answer)
  last_error TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT,
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_stream ON webhook_deliveries(webhook_id, device_id, status, seq);
CREATE INDEX webhook_deliveries_list ON webhook_deliveries(webhook_id, created_at, id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(status, webhook_id, device_id);

-- One per (webhook, device): the lease that keeps one consumer at a time on it, so deliveries go out in order.
CREATE TABLE webhook_streams (
  webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 0,  -- bumped by every publish: a consumer releases only what it has seen
  lease_id TEXT,
  lease_until TEXT,
  next_at TEXT NOT NULL DEFAULT '',    -- backing off until then ('' : not backing off)
  PRIMARY KEY (webhook_id, device_id)
);
