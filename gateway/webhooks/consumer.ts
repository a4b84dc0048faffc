// The Queue consumer: each message names a (webhook, device) stream; streams of a batch are delivered side by side.
import type { Env } from "../env";
import { runStream, type StreamMessage } from "./stream";

function parse(body: unknown): StreamMessage | null {
  const m = body as Partial<StreamMessage> | null;
  return m && typeof m.w === "string" && typeof m.d === "string" ? { w: m.w, d: m.d, ...(m.retry ? { retry: true } : {}) } : null;
}

/** queue() handler of the Worker: one run per stream in the batch; duplicates of a stream collapse into one. */
export async function handleWebhookBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const streams = new Map<string, { msg: StreamMessage; messages: Message<unknown>[] }>();
  for (const m of batch.messages) {
    const msg = parse(m.body);
    if (!msg) {
      m.ack(); // not ours to understand; retrying would not help
      continue;
    }
    const key = `${msg.w}\u0000${msg.d}`;
    const entry = streams.get(key);
    if (entry) {
      entry.messages.push(m);
      if (msg.retry) entry.msg.retry = true;
    } else streams.set(key, { msg, messages: [m] });
  }
  await Promise.all(
    [...streams.values()].map(async ({ msg, messages }) => {
      try {
        const result = await runStream(env, msg);
        if (result.next === "again") {
          const next: StreamMessage = { w: msg.w, d: msg.d, ...(result.retry ? { retry: true as const } : {}) };
          await env.WEBHOOK_QUEUE!.send(next, result.delayS > 0 ? { delaySeconds: result.delayS } : undefined);
        }
        for (const m of messages) m.ack();
      } catch (err) {
        // D1 or the queue failed us: the queue delivers these messages again (the stream's rows are unchanged or consistent).
        console.error(`webhook stream ${msg.w}/${msg.d} failed: ${(err as Error).message}`);
        for (const m of messages) m.retry({ delaySeconds: 2 });
      }
    }),
  );
}
