// Reconnect delays: capped exponential backoff with jitter, pure (the random source is injected).

export interface BackoffOptions {
  /** First delay's ceiling in ms (docs/relay.md §1: ~1 s). */
  baseMs?: number;
  /** Largest delay in ms, however many attempts failed (30 s). */
  maxMs?: number;
  /** Uniform [0, 1) source; injected in tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { baseMs: 1_000, maxMs: 30_000 } as const;

/**
 * Delay before reconnect attempt `attempt` (0 = first retry): the ceiling doubles from `baseMs` up to `maxMs`,
 * and the delay is drawn from [ceiling/2, ceiling) — "equal jitter", so a fleet of agents that lost the gateway
 * together does not redial in lock step, yet no agent ever retries with (almost) no pause.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const max = opts.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const random = opts.random ?? Math.random;
  const n = Math.max(0, Math.floor(attempt));
  // 2 ** n overflows to Infinity for huge n; Math.min keeps the cap.
  const ceiling = Math.min(max, base * 2 ** Math.min(n, 52));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

/** Attempt counter around `backoffDelay`: `next()` after each failed dial, `reset()` once a link proved stable. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly opts: BackoffOptions = {}) {}

  /** The delay to wait now; advances the attempt count. */
  next(): number {
    return backoffDelay(this.attempt++, this.opts);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
