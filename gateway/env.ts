// The Worker's bindings (wrangler.toml) as one type.
import type { SiteRelay } from "./relay/site-relay";

export interface Env {
  DB: D1Database;
  SITE_RELAY: DurableObjectNamespace<SiteRelay>;
  /** Bootstrap admin key: `wrangler secret put ADMIN_API_KEY`, or `.dev.vars` locally. */
  ADMIN_API_KEY?: string;
}
