// The Worker's bindings (wrangler.toml) as one type.
import type { SiteRelay } from "./relay/site-relay";
import type { StreamMessage } from "./webhooks/stream";

export interface Env {
  DB: D1Database;
  SITE_RELAY: DurableObjectNamespace<SiteRelay>;
  /** Bootstrap admin key: `wrangler secret put ADMIN_API_KEY`, or `.dev.vars` locally. */
  ADMIN_API_KEY?: string;
  /** How long API-key and registry rows are cached per isolate, ms (auth/cache.ts); "0" turns it off. */
  REGISTRY_CACHE_MS?: string;
  /** "1": answers carry Server-Timing for the key and registry lookups (benchmarks). */
  SERVER_TIMING?: string;
  /** Days audit rows are kept (default 400). */
  AUDIT_RETENTION_DAYS?: string;
  /** An agent silent this long (ms) counts as offline (default 30000): requests fail fast, /admin/sites says so. */
  AGENT_SILENCE_MS?: string;
  /** "1": the console's session cookie without Secure/__Host- (plain-http dev hosts other than localhost only; docs/console.md §2). */
  CONSOLE_INSECURE_COOKIE?: string;
  /** Webhook deliveries (docs/webhooks.md): producer and consumer are this worker. */
  WEBHOOK_QUEUE?: Queue<StreamMessage>;
  /** Secret the webhook signing secrets are encrypted with at rest (falls back to ADMIN_API_KEY; docs/webhooks.md §5). */
  WEBHOOK_SECRET_KEY?: string;
  /** Dev setting, off by default: "1" lets webhooks use http:// and loopback URLs (tests, `npm start`). */
  WEBHOOK_ALLOW_LOOPBACK?: string;
  /** Retry schedule of failed deliveries, seconds: first delay (5), longest delay (3600), retry window (86400). */
  WEBHOOK_RETRY_BASE_S?: string;
  WEBHOOK_RETRY_MAX_S?: string;
  WEBHOOK_RETRY_WINDOW_S?: string;
  /** How long one delivery POST may take, ms (10000). */
  WEBHOOK_TIMEOUT_MS?: string;
  /** CORS allow-list: exact browser origins, comma-separated; unset or empty = CORS off (http/cors.ts). */
  CORS_ORIGINS?: string;
}
