// Settles outbox entries whose outcome is unknown (the agent stopped, or the terminal went silent, mid-change).
import type { Logger } from "../log";
import type { Outbox, OutboxEntry } from "./outbox";

export interface OutboxSettlerOptions {
  outbox: Outbox;
  /** True: the change happened; false: it did not; throws: cannot tell now. */
  check: (entry: OutboxEntry) => Promise<boolean>;
  logger: Logger;
  /** Pause between rounds while entries stay unsettled (15 s). */
  retryMs?: number;
  /** Called after a round that turned entries into answers (the link sends them at once). */
  onDelivered?: () => void;
}

/**
 * On start, and whenever asked (an answer left an entry unsettled), every unsettled entry is checked against its
 * terminal: happened → its written-ahead result becomes the answer (the outbox then delivers it); did not → dropped.
 * Terminals that cannot tell are retried every retryMs while the agent runs.
 */
export class OutboxSettler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: OutboxSettlerOptions) {}

  /** Runs a round now (or right after the one in progress). */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const run = (this.running ?? Promise.resolve()).then(() => this.round());
    this.running = run;
    return run;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private async round(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const { outbox, logger } = this.opts;
    let delivered = 0;
    for (const entry of outbox.unsettled()) {
      const at = { id: entry.id, op: entry.op, device: entry.device.id };
      try {
        if (await this.opts.check(entry)) {
          await outbox.settleCommitted(entry);
          delivered++;
          logger.warn("an earlier change did happen on the terminal; its result will be delivered", at);
        } else {
          await outbox.drop(entry.id);
          logger.info("an earlier change did not happen on the terminal; nothing to deliver", at);
        }
      } catch (err) {
        logger.warn("cannot settle an earlier change yet; will retry", { ...at, error: err });
      }
    }
    if (delivered > 0) this.opts.onDelivered?.();
    if (outbox.unsettled().length > 0 && !this.stopped) {
      this.timer = setTimeout(() => void this.kick(), this.opts.retryMs ?? 15_000);
      this.timer.unref?.();
    }
  }
}
