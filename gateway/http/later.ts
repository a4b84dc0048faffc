// Work that may finish after the answer (bookkeeping writes): waitUntil when the runtime offers it.
import type { Context } from "hono";

/** Runs `work` after the answer when there is an execution context; bookkeeping never fails a call. */
export function later(c: Context, work: Promise<unknown>): void {
  const guarded = work.catch((e: unknown) => console.error(`background write failed: ${(e as Error).message}`));
  try {
    c.executionCtx.waitUntil(guarded);
  } catch {
    // No execution context (app.request in unit tests): the promise still runs on its own.
  }
}
