// Retry schedule of a failed delivery: exponential with jitter, capped, until the retry window closes (docs/webhooks.md §4).
import type { WebhookConfig } from "./config";

/**
 * Seconds to wait after failed attempt number `attempts` (1 = the first attempt failed): base·2^(n-1) capped at
 * the maximum, then "equal jitter" (half fixed, half random) so receivers that fail together do not retry together.
 * Whole seconds: a queue message's delay is given in seconds.
 */
export function retryDelayS(attempts: number, cfg: Pick<WebhookConfig, "retryBaseS" | "retryMaxS">, random = Math.random): number {
  const exp = Math.min(cfg.retryMaxS, cfg.retryBaseS * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.max(1, Math.round(exp / 2 + random() * (exp / 2)));
}

/** True when a delivery whose window started at `windowStart` may not be retried any more at `now`. */
export function windowClosed(windowStart: string, now: number, cfg: Pick<WebhookConfig, "retryWindowS">): boolean {
  return now - Date.parse(windowStart) >= cfg.retryWindowS * 1000;
}
