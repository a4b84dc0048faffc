// Re-kicks streams whose queue message was lost (a restart, a failed send): the deliveries in D1 are the truth, messages only wake.
import type { Env } from "../env";
import { idleStreams } from "./deliveries";
import type { StreamMessage } from "./stream";

const SWEEP_EVERY_MS = 5_000;
let lastSweep = 0;

/** Sends one message per idle stream with pending deliveries (at most 100 per sweep). */
export async function sweepIdleStreams(env: Env, now = Date.now()): Promise<number> {
  if (!env.WEBHOOK_QUEUE) return 0;
  const streams = await idleStreams(env.DB, now, 100);
  if (streams.length === 0) return 0;
  await env.WEBHOOK_QUEUE.sendBatch(streams.map((s) => ({ body: { w: s.webhook_id, d: s.device_id } satisfies StreamMessage })));
  return streams.length;
}

/** The sweep, at most every few seconds per isolate: run from the publish path, so a restarted gateway resumes by itself. */
export async function maybeSweep(env: Env, now = Date.now()): Promise<void> {
  if (now - lastSweep < SWEEP_EVERY_MS) return;
  lastSweep = now;
  await sweepIdleStreams(env, now).catch((e: unknown) => console.error(`webhook sweep failed: ${(e as Error).message}`));
}
