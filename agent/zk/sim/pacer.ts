// Outbound queue of one link: one packet per write, spaced by latency/throughput, yielding between frames (§7.7).

/** One thing to put on the wire, in order. */
export type WireItem =
  | { bytes: Uint8Array; packets: number; gapMs?: number }
  | { end: true } // close gracefully once everything before it is out (RESTART, POWEROFF)
  | { reset: true }; // abort the connection (fault injection)

export interface PacerTiming {
  latencyMs: number;
  bytesPerSecond: number;
}

export interface PacerSink {
  /** Writes bytes; calls `done` when handed to the kernel (or with an error). */
  write(bytes: Uint8Array, done: (err?: Error | null) => void): void;
  finish(kind: "end" | "reset"): void;
  /** Counts what went out (the simulator's packetsSent / bytesSent). */
  sent(packets: number, bytes: number): void;
}

/**
 * Writes items strictly in order. Each packet is due `latency + bytes / throughput` after the previous one was due
 * (a schedule, not a sleep, so timer lateness does not add up). Between writes we always yield to the event loop:
 * node-zklib handles one TCP frame per 'data' event, so frames must not pile up in one segment (zk-protocol §7.7).
 */
export class Pacer {
  private queue: WireItem[] = [];
  private busy = false;
  private closed = false;
  private dueAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly sink: PacerSink,
    private readonly timing: PacerTiming,
  ) {}

  push(items: readonly WireItem[]): void {
    if (this.closed || items.length === 0) return;
    this.queue.push(...items);
    if (!this.busy) this.next(false);
  }

  /** Drops everything queued and stops (the socket is gone). */
  close(): void {
    this.closed = true;
    this.queue = [];
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** `burst`: called right after a write of the same burst, so the schedule continues from the last due time. */
  private next(burst: boolean): void {
    const item = this.queue.shift();
    if (!item || this.closed) {
      this.busy = false;
      return;
    }
    this.busy = true;
    if (!("bytes" in item)) {
      this.closed = true;
      this.queue = [];
      this.sink.finish("end" in item ? "end" : "reset");
      return;
    }
    const now = performance.now();
    const cost = item.packets * this.timing.latencyMs + (this.timing.bytesPerSecond > 0 ? (item.bytes.length * 1000) / this.timing.bytesPerSecond : 0);
    this.dueAt = (burst ? this.dueAt : Math.max(now, this.dueAt)) + cost + (item.gapMs ?? 0);
    const wait = this.dueAt - now;
    const go = () => this.write(item);
    if (wait >= 1) this.timer = setTimeout(go, Math.ceil(wait));
    else this.immediate = setImmediate(go);
  }

  private write(item: { bytes: Uint8Array; packets: number }): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.closed) return;
    this.sink.write(item.bytes, (err) => {
      if (err) {
        this.close();
        return;
      }
      this.sink.sent(item.packets, item.bytes.length);
      this.next(true);
    });
  }
}
