// Worker entry: the Hono app answers HTTP, the queue consumer delivers webhooks; SiteRelay is the per-site Durable Object.
import { app } from "./app";
import type { Env } from "./env";
import { handleWebhookBatch } from "./webhooks/consumer";
import { publishPending } from "./webhooks/publish";
import { sweepIdleStreams } from "./webhooks/sweep";

export default {
  fetch: app.fetch,
  queue: handleWebhookBatch,
  // The cron trigger (wrangler.toml): events whose publishing was cut short, and streams whose message was lost.
  scheduled: (_controller, env, ctx) => ctx.waitUntil(publishPending(env).then(() => sweepIdleStreams(env))),
} satisfies ExportedHandler<Env>;
export { SiteRelay } from "./relay/site-relay";
