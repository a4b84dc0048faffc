// Application-level liveness of the gateway link: ping every interval, declare the socket dead when nothing answers.

export interface HeartbeatOptions {
  /** How often to send an application `ping` (docs/relay.md §6; 15 s). */
  intervalMs?: number;
  /** How long after a ping without any inbound frame before the link counts as dead (10 s). */
  timeoutMs?: number;
  sendPing: () => void;
  /** Called once when the peer stayed silent; the owner terminates and redials. */
  onSilent: () => void;
}

export const DEFAULT_HEARTBEAT = { intervalMs: 15_000, timeoutMs: 10_000 } as const;

/**
 * Any inbound frame (`seen()`) proves the peer alive, not only a pong: a gateway busy streaming responses is not
 * dead. A half-open TCP connection (NAT dropped the mapping, laptop slept) sends nothing, and this catches it.
 */
export class Heartbeat {
  private interval: ReturnType<typeof setInterval> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private fired = false;

  constructor(private readonly opts: HeartbeatOptions) {}

  start(): void {
    this.stop();
    this.fired = false;
    this.interval = setInterval(() => this.ping(), this.opts.intervalMs ?? DEFAULT_HEARTBEAT.intervalMs);
  }

  /** Records an inbound frame: the pending silence deadline (if any) is cancelled. */
  seen(): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  stop(): void {
    if (this.interval !== undefined) clearInterval(this.interval);
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.interval = undefined;
    this.deadline = undefined;
  }

  private ping(): void {
    this.opts.sendPing();
    // Keep the first deadline: a ping every 15 s must not push back a deadline set by an unanswered earlier one.
    if (this.deadline !== undefined) return;
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      if (this.fired) return;
      this.fired = true;
      this.stop();
      this.opts.onSilent();
    }, this.opts.timeoutMs ?? DEFAULT_HEARTBEAT.timeoutMs);
  }
}
