// Bounded fan-out: run one call per device with at most N in flight, results in input order.
import { MAX_EXTENDED_WAIT_MS } from "../shared/budget";
import type { TotalDeadline } from "./relay/contract";

/**
 * How many devices a fan-out route works on at once. Each call holds a Durable Object RPC and, on the agent,
 * a terminal session; 6 is also the number of simultaneous outgoing connections a Worker request may hold.
 */
export const FAN_OUT_LIMIT = 6;

/**
 * Longest a fan-out route may take, however far its calls' extensions moved its total deadline: room for two of
 * the longest extended reads one after the other on a slot (docs/http-api.md §8).
 */
export const FAN_OUT_MAX_MS = 2 * MAX_EXTENDED_WAIT_MS;

/**
 * `fn` over every item with at most `limit` calls running at a time; like Promise.allSettled, a failure of one
 * item is its result and never stops the others.
 */
export async function mapSettled<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
  limit = FAN_OUT_LIMIT,
): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  // Each worker takes the next unstarted item until none is left; JS runs one worker at a time between awaits.
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await fn(items[i], i) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/**
 * A fan-out route's one total deadline (docs/http-api.md §8, docs/relay.md §4). It starts as long as the slowest
 * single device may take, not that once per wave of FAN_OUT_LIMIT devices, and each call is cut to it when it
 * starts (call-agent.ts): calls still waiting for a slot when it passes fail at once (RELAY_TIMEOUT), so silent
 * terminals cost one budget in all. When the agent extends a call's wait (`extend` frame), the total deadline moves
 * to that call's new deadline plus the slowest budget: the slot it holds frees by then, and the device that takes it
 * next still has its full budget. It never moves past `latest` (FAN_OUT_MAX_MS from the start), which also bounds
 * the extensions themselves.
 */
export class FanOutDeadline implements TotalDeadline {
  /** Epoch ms nothing of this fan-out may wait past. */
  readonly latest: number;
  private readonly slowestMs: number;
  private current: number;

  constructor(budgetsMs: readonly number[], now = Date.now(), opts: { leadMs?: number; maxMs?: number } = {}) {
    this.slowestMs = Math.max(0, ...budgetsMs);
    this.latest = now + (opts.maxMs ?? FAN_OUT_MAX_MS);
    this.current = Math.min(this.latest, now + (opts.leadMs ?? 0) + this.slowestMs);
  }

  /** Epoch ms a call starting now must be done by (unless the agent extends it). */
  get at(): number {
    return this.current;
  }

  /** One of the fan-out's calls now waits until `deadline` (epoch ms): the total deadline only ever moves later. */
  extended(deadline: number): void {
    this.current = Math.min(this.latest, Math.max(this.current, deadline + this.slowestMs));
  }
}

/**
 * The total deadline of a fan-out over calls whose single budgets are `budgetsMs`; `leadMs` is time for a call made
 * before the fan-out (a copy reads its source first).
 */
export function fanOutDeadline(budgetsMs: readonly number[], now = Date.now(), leadMs = 0): FanOutDeadline {
  return new FanOutDeadline(budgetsMs, now, { leadMs });
}
