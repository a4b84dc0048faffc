// Outbound queue of one link: one packet per write, spaced by latency/throughput, yielding between frames (docs/protocol.md §7.7).

/** One thing to put on the wire, in order. */
export type WireItem =
  | { bytes: Uint8Array; packets: number; gapMs?: number }
  | { end: true } // close gracefully once everything before it is out (RESTART, POWEROFF)
  | { reset: true }; // abort the connection (fault injection)

export interface PacerTiming {
  latencyMs: number;
  bytesPerSecond: number;
  /** Below this many ms before its due time, the last queued item is waited for with setImmediate (default FINE_MS). */
  fineMs?: number;
}

export interface PacerSink {
  /** Writes bytes; calls `done` when handed to the kernel (or with an error). */
  write(bytes: Uint8Array, done: (err?: Error | null) => void): void;
  finish(kind: "end" | "reset"): void;
  /** Counts what went out (the simulator's packetsSent / bytesSent). */
  sent(packets: number, bytes: number): void;
}

interface Queued {
  item: WireItem;
  /** performance.now() when the reply was handed to the pacer: the link cannot start on it earlier. */
  readyAt: number;
}

/** Below this many ms before a due time, the last queued item is waited for with setImmediate rather than a timer. */
export const FINE_MS = 2;

/**
 * Writes items strictly in order, each at its due time: `max(ready, previous due) + packets × latency + bytes ÷
 * throughput`. The schedule is computed from due times, never from when a timer happened to fire, so timer
 * lateness does not add up over a transfer; and no item is written before it is due, so the last packet of a read
 * never leaves before `lowerBoundMs` of its packets and bytes. Timers have millisecond granularity, so the last
 * item of the queue (the one a client waits for before it sends its next command) is waited for with setImmediate
 * once it is less than FINE_MS away; earlier items keep the cheap timer, as the schedule absorbs their lateness.
 * Writes always happen in a turn of the event loop of their own: node-zklib handles one TCP frame per 'data'
 * event, so frames must not pile up in one segment (docs/protocol.md §7.7).
 */
export class Pacer {
  private queue: Queued[] = [];
  private head = 0;
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
    const readyAt = performance.now();
    for (const item of items) this.queue.push({ item, readyAt });
    if (!this.busy) this.next();
  }

  /** Drops everything queued and stops (the socket is gone). */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.head = 0;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
  }

  get pending(): number {
    return this.queue.length - this.head + (this.busy ? 1 : 0);
  }

  private shift(): Queued | undefined {
    if (this.head >= this.queue.length) return undefined;
    const q = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as Queued;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return q;
  }

  private next(): void {
    const entry = this.shift();
    if (!entry || this.closed) {
      this.busy = false;
      return;
    }
    this.busy = true;
    const { item } = entry;
    if (!("bytes" in item)) {
      this.closed = true;
      this.queue = [];
      this.head = 0;
      this.sink.finish("end" in item ? "end" : "reset");
      return;
    }
    const { latencyMs, bytesPerSecond } = this.timing;
    const cost = item.packets * latencyMs + (bytesPerSecond > 0 ? (item.bytes.length * 1000) / bytesPerSecond : 0);
    this.dueAt = Math.max(entry.readyAt, this.dueAt) + cost + (item.gapMs ?? 0);
    this.arm(item);
  }

  /**
   * Waits until the current item is due, then writes it. `woken`: called from a timer or an immediate, i.e. in a
   * turn of the event loop of its own, so a due item can be written at once; straight after the previous write's
   * callback we yield first.
   */
  private arm(item: { bytes: Uint8Array; packets: number }, woken = false): void {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.closed) return;
    const wait = this.dueAt - performance.now();
    if (wait <= 0) {
      if (woken) this.write(item);
      else this.immediate = setImmediate(() => this.write(item));
      return;
    }
    const last = this.head >= this.queue.length;
    if (last && wait < (this.timing.fineMs ?? FINE_MS)) this.immediate = setImmediate(() => this.arm(item, true));
    else this.timer = setTimeout(() => this.arm(item, true), Math.max(1, Math.floor(wait)));
  }

  private write(item: { bytes: Uint8Array; packets: number }): void {
    this.immediate = undefined;
    if (this.closed) return;
    this.sink.write(item.bytes, (err) => {
      if (err) {
        this.close();
        return;
      }
      this.sink.sent(item.packets, item.bytes.length);
      this.next();
    });
  }
}
