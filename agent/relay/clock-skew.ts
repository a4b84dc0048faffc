// The agent's clock against the gateway's, from the HTTP Date header of the WebSocket upgrade response.

/** Differences below this are noise: the Date header has one-second resolution. */
export const SKEW_THRESHOLD_MS = 2_000;

/**
 * Agent clock minus gateway clock in ms, or 0 when the header is missing, unparsable or the difference is
 * within the header's resolution. Request deadlines are gateway epoch ms; adding this gives agent epoch ms.
 */
export function clockSkewMs(dateHeader: string | undefined, agentNow: number): number {
  const gatewayNow = dateHeader ? Date.parse(dateHeader) : NaN;
  if (!Number.isFinite(gatewayNow)) return 0;
  const skew = agentNow - gatewayNow;
  return Math.abs(skew) < SKEW_THRESHOLD_MS ? 0 : skew;
}
