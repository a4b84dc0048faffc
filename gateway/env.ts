// The Worker's bindings (wrangler.toml) as one type.
import type { SiteRelay } from "./relay/site-relay";

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
}
