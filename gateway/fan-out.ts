// Bounded fan-out: run one call per device with at most N in flight, results in input order.

/**
 * How many devices a fan-out route works on at once. Each call holds a Durable Object RPC and, on the agent,
 * a terminal session; 6 is also the number of simultaneous outgoing connections a Worker request may hold.
 */
export const FAN_OUT_LIMIT = 6;

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
 * Sets one total deadline for a fan-out route: as long as its slowest single device may take, not that once per
 * wave of FAN_OUT_LIMIT devices. Calls still waiting for a slot when it passes fail at once (RELAY_TIMEOUT).
 */
export function fanOutDeadline(budgetsMs: readonly number[], now = Date.now()): number {
  return now + Math.max(0, ...budgetsMs);
}
