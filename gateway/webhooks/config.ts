// Webhook delivery settings from the Worker's environment, with production defaults (docs/webhooks.md §4).
/** The Worker variables read here (a structural subset of Env, so pure modules and unit tests need no bindings). */
export type WebhookVars = Partial<
  Record<"WEBHOOK_RETRY_BASE_S" | "WEBHOOK_RETRY_MAX_S" | "WEBHOOK_RETRY_WINDOW_S" | "WEBHOOK_TIMEOUT_MS" | "WEBHOOK_ALLOW_LOOPBACK", string>
>;

export interface WebhookConfig {
  /** First retry delay, seconds; doubles each attempt (docs/webhooks.md §4). */
  retryBaseS: number;
  /** Longest delay between two attempts, seconds. */
  retryMaxS: number;
  /** How long a delivery is retried before it is dead-lettered, seconds (24 h). */
  retryWindowS: number;
  /** How long one POST may take before it counts as failed, ms. */
  timeoutMs: number;
  /** Dev setting: http:// and loopback URLs allowed (tests, `npm start`); never in production. */
  allowLoopback: boolean;
}

function num(value: string | undefined, fallback: number, min: number): number {
  const n = value === undefined || value.trim() === "" ? NaN : Number(value);
  return Number.isFinite(n) && n >= min ? n : fallback;
}

export function webhookConfig(env: WebhookVars): WebhookConfig {
  return {
    retryBaseS: num(env.WEBHOOK_RETRY_BASE_S, 5, 1),
    retryMaxS: num(env.WEBHOOK_RETRY_MAX_S, 3600, 1),
    retryWindowS: num(env.WEBHOOK_RETRY_WINDOW_S, 24 * 3600, 1),
    timeoutMs: num(env.WEBHOOK_TIMEOUT_MS, 10_000, 100),
    allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === "1" || env.WEBHOOK_ALLOW_LOOPBACK === "true",
  };
}

/** Ms a stream's lease lasts: one POST's timeout plus room for the D1 writes around it. */
export const leaseMs = (cfg: WebhookConfig) => cfg.timeoutMs + 5_000;
