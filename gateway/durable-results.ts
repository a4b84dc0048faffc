// Applying durable results (ops declared durableResult in shared/ops.ts): one applier per such op, found by name.
import { isDurableResult } from "../shared/ops";
import { applyDeleteResult } from "./delete-result";
import type { Env } from "./env";
import type { DurableContext, RelayOutcome } from "./relay/contract";

/**
 * Stores what `outcome` carries that must not be lost. `late` is true when no caller waits for it any more (it
 * came after the caller's answer, after a gateway restart, or from the agent's outbox): the applier then also
 * completes the caller's audit row and Idempotency-Key replay. Idempotent — the same result may come twice.
 * Throws only when storage failed (the result is then not acknowledged, and the agent sends it again).
 */
export type DurableApplier = (env: Env, ctx: DurableContext, outcome: RelayOutcome, late: boolean, requestId: string) => Promise<void>;

const APPLIERS: Record<string, DurableApplier> = {
  "users.delete": applyDeleteResult,
};

/** Applies a durable result; an op with no applier (a declaration without one yet) is logged and acknowledged. */
export async function applyDurableResult(env: Env, ctx: DurableContext, outcome: RelayOutcome, late: boolean, requestId: string): Promise<void> {
  const apply = isDurableResult(ctx.op) ? APPLIERS[ctx.op] : undefined;
  if (!apply) {
    console.error(`[durable ${ctx.siteId}] no applier for the durable result of ${ctx.op.slice(0, 64)}; dropped`);
    return;
  }
  await apply(env, ctx, outcome, late, requestId);
}
