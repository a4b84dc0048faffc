// A terminal that does not answer pipelined requests in order: requests arriving close together are served last first.

/** Requests arriving within this many ms of the first one of a batch are served together, newest first. */
export const REORDER_WINDOW_MS = 3;

/**
 * Holds each TCP request for a short window and then serves the batch in reverse arrival order. A client that
 * sends one request and waits sees nothing but the short delay; one that pipelines gets its answers reversed —
 * each still under its own reply id, as a multi-tasking firmware would send them. Published clients that ignore
 * reply ids (node-zklib's chunk requests, docs/protocol.md §7.7) break on this profile, as they would on such a terminal.
 */
export class ReverseBatcher {
  private batch: Uint8Array[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly serve: (packet: Uint8Array) => void,
    private readonly windowMs = REORDER_WINDOW_MS,
  ) {}

  push(packet: Uint8Array): void {
    this.batch.push(packet);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** Drops what is held (the connection closed). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.batch = [];
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.batch.reverse();
    this.batch = [];
    for (const p of batch) this.serve(p);
  }
}
