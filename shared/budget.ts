// The relay's time contract, shared by gateway and agent: how long a request may take and the margins around it.
import { OPS, type OpName } from "./ops";

/** Longest any relayed call may take (the gateway's deadline is never further away). */
export const MAX_RELAY_MS = 120_000;

/** Time kept for the relay hops (agent → Durable Object → Worker) on top of the terminal's own work. */
export const RELAY_MARGIN_MS = 2000;

/**
 * The Durable Object never waits longer than this, whatever deadline it was sent: MAX_RELAY_MS plus slack for a
 * caller whose clock runs a little ahead.
 */
export const MAX_WAIT_MS = MAX_RELAY_MS + 5000;

/** Longest an agent may extend a request's wait (an `extend` frame: a very large table over a slow link). */
export const MAX_EXTENDED_WAIT_MS = 15 * 60_000;

/**
 * The deadline an extension asked for at `now` may actually set: the gateway waits at most MAX_EXTENDED_WAIT_MS
 * from when it hears of it, so the agent caps every deadline it moves (its own, a queued request's, the one it
 * sends) the same way — a request the gateway gave up on must never change a terminal (docs/architecture.md §4).
 */
export function capExtendedDeadline(deadline: number, now: number): number {
  return Math.min(deadline, now + MAX_EXTENDED_WAIT_MS);
}

/** Packets a plain op is allowed (connect, a few commands, disconnect), and a bulk one (whole tables). */
const PACKETS = { plain: 4, bulk: 12 };

/**
 * Time for one job on a terminal whose per-packet timeout is `timeoutSeconds` (the seed's registry unit): the
 * packets a plain or bulk op is allowed, plus the relay margin. Uncapped: the agent's own background jobs
 * (re-enables, settling an outbox entry) use it as is.
 */
export function jobBudgetMs(timeoutSeconds: number, bulk: boolean): number {
  return Math.round(timeoutSeconds * 1000 * (bulk ? PACKETS.bulk : PACKETS.plain)) + RELAY_MARGIN_MS;
}

/** How long the gateway waits for `op`: its job budget, capped at MAX_RELAY_MS. */
export function relayBudgetMs(op: OpName, timeoutSeconds: number): number {
  return Math.min(MAX_RELAY_MS, jobBudgetMs(timeoutSeconds, OPS[op].bulk));
}
