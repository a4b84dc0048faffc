// Terminals believed left disabled after every in-line re-enable failed, and the bounded background retry for them.
import type { DeviceTarget } from "../../shared/device";
import type { Logger } from "../log";

/**
 * When the background re-enables run, in ms after the failure. A terminal that went silent mid-delete usually
 * comes back within seconds (a reboot, a cable); past 30 s the next request to it enables it first, and the
 * 300 s self-re-enable timeout the client sends with DISABLEDEVICE (docs/protocol.md §4.4) is the last resort.
 */
export const ENABLE_RETRY_AT_MS: readonly number[] = [2_000, 5_000, 15_000, 30_000];

export interface PendingEnablesOptions {
  retryAtMs: readonly number[];
  /** One re-enable attempt on `target`'s terminal (through its queue); settles either way. */
  retry: (target: DeviceTarget) => Promise<void>;
  logger: Logger;
  now: () => number;
}

interface Pending {
  target: DeviceTarget;
  since: number;
  attempt: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** "This terminal needs ENABLE": outlives the worker that failed to send it, until an ENABLE goes through. */
export class PendingEnables {
  private readonly pending = new Map<string, Pending>();
  private stopped = false;

  constructor(private readonly opts: PendingEnablesOptions) {}

  has(key: string): boolean {
    return this.pending.has(key);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Records that `key`'s terminal may be left disabled, and (re)starts the background retries; `now` runs the
   * first attempt at once (a terminal a previous run left disabled: nothing is in the way).
   */
  add(key: string, target: DeviceTarget, now = false): void {
    const known = this.pending.get(key);
    if (known) {
      known.target = target;
      if (known.timer !== undefined) return; // retries already scheduled
      known.since = this.opts.now();
      known.attempt = 0;
      this.schedule(key, known, now);
      return;
    }
    const entry: Pending = { target, since: this.opts.now(), attempt: 0 };
    this.pending.set(key, entry);
    this.schedule(key, entry, now);
  }

  /** An ENABLE went through: forget the record and its retries. True when there was one. */
  clear(key: string): boolean {
    const entry = this.pending.get(key);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.pending.delete(key);
    return true;
  }

  /** Cancels every scheduled retry (agent shutdown); the records stay, so a job would still enable first. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  private schedule(key: string, entry: Pending, immediately = false): void {
    if (this.stopped) return;
    const at = immediately ? 0 : this.opts.retryAtMs[entry.attempt];
    if (at === undefined) {
      this.opts.logger.error("terminal still not re-enabled; the next request to it will enable it first", { addr: key });
      return;
    }
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (!immediately) entry.attempt++;
      void this.opts.retry(entry.target).finally(() => {
        if (this.pending.get(key) === entry && entry.timer === undefined) this.schedule(key, entry);
      });
    }, Math.max(0, entry.since + at - this.opts.now()));
    // Never what keeps the agent process (or a test run) alive.
    entry.timer.unref?.();
  }
}
