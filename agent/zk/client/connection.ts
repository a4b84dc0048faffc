// Commands in flight per terminal: reply-id matching, per-packet timeouts, events routed aside (docs/protocol.md §2.4, §11, §15).
import { REPLY, decodePacketView, encodePacket, isEventPacket, nextReplyId, type DecodedPacket, type ZkPacket } from "../codec";
import { ZkDisconnectedError, ZkError, ZkProtocolError, ZkTimeoutError } from "../errors";
import type { ZkTransport } from "./transport";

const EMPTY = new Uint8Array(0);

/** One command sent: the packets that came back under its reply id, and how its next wait ends. */
export class Exchange {
  private readonly queue: DecodedPacket[] = [];
  private head = 0;
  failure: Error | undefined;
  wake: (() => void) | undefined;
  /** Arrival index (per connection) of this command's first and latest packet: shows whether answers interleaved. */
  firstArrival: number | undefined;
  lastArrival: number | undefined;

  constructor(
    readonly command: number,
    readonly replyId: number,
  ) {}

  /** Packets received and not yet taken. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** The oldest packet not yet taken, if one is already here (no timer, no promise). */
  take(): DecodedPacket | undefined {
    if (this.head >= this.queue.length) return undefined;
    const p = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as DecodedPacket;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    return p;
  }

  push(p: DecodedPacket, arrival?: number): void {
    if (arrival !== undefined) {
      this.firstArrival ??= arrival;
      this.lastArrival = arrival;
    }
    this.queue.push(p);
    this.wake?.();
  }
}

/** Listener for unsolicited device events (CMD_REG_EVENT with reply id 0). */
export type EventListener = (packet: ZkPacket) => void;

export interface ZkConnectionOptions {
  /**
   * Reject replies whose checksum does not match (PROTOCOL_ERROR). Off by default: pyzk and node-zklib never check
   * reply checksums, and one recorded real frame did not match (§0), so a mismatch is counted and the packet kept.
   */
  strictChecksum?: boolean;
  /** Told when an event listener throws (the error is counted and never reaches the socket handler). */
  onListenerError?: (err: unknown) => void;
  /** Reply id of the first request (default 0, §2.4); tests start near the wrap. */
  firstReplyId?: number;
}

/**
 * A request/response channel over one transport. Callers serialise commands: `exchange`/`next`/`finish` drive the
 * one current command. Bulk reads may also keep a few READ_BUFFER requests outstanding (`send`/`wait`/`release`);
 * every packet is routed by its reply id, which the device echoes in every packet of its answer (§2.4).
 */
export class ZkConnection {
  sessionId = 0;
  readonly packets = { sent: 0, received: 0 };
  /** Packets dropped: stray reply ids, or packets that arrived with nothing in flight. */
  ignored = 0;
  /** Replies whose checksum did not match (§2.2); kept unless `strictChecksum`. */
  badChecksums = 0;
  /** Event listeners that threw (each one's error went to `onListenerError`). */
  listenerErrors = 0;
  /** Reply packets routed to a command so far: their order tells a pipelining client whether answers came in order. */
  private arrivals = 0;
  private replyId: number;
  private current: Exchange | undefined;
  private readonly inflight = new Map<number, Exchange>();
  private fatal: Error | undefined;
  private readonly listeners = new Set<EventListener>();

  constructor(
    readonly transport: ZkTransport,
    readonly timeoutMs: number,
    private readonly opts: ZkConnectionOptions = {},
  ) {
    this.replyId = (opts.firstReplyId ?? 0) % 65535;
    transport.attach({
      packet: (bytes) => this.onPacket(bytes),
      error: (err) => this.fail(err instanceof ZkError ? err : new ZkDisconnectedError(`Connection to device failed: ${err.message}`, { cause: err })),
      close: () => this.fail(new ZkDisconnectedError()),
    });
  }

  /** True once the socket is gone (or the stream broke); every later command fails at once. */
  get dead(): boolean {
    return this.fatal !== undefined;
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends a command with the next reply id and waits for its first reply packet; it becomes the current command. */
  exchange(command: number, payload: Uint8Array = EMPTY, timeoutMs = this.timeoutMs): Promise<DecodedPacket> {
    if (this.fatal) return Promise.reject(this.fatal);
    this.finish();
    const ex = this.send(command, payload);
    this.current = ex;
    return this.wait(ex, timeoutMs);
  }

  /** The next packet of the current command (multi-packet replies: PREPARE_DATA, DATA…, ACK_OK). */
  next(timeoutMs = this.timeoutMs): Promise<DecodedPacket> {
    const ex = this.current;
    if (!ex) return Promise.reject(new ZkProtocolError("No command in flight"));
    return this.wait(ex, timeoutMs);
  }

  /** The current command (the last `exchange`), until `finish`. */
  get currentExchange(): Exchange | undefined {
    return this.current;
  }

  /** Forgets the current command; its late replies will be ignored as stray. */
  finish(): void {
    if (this.current) this.release(this.current);
  }

  /**
   * Sends a command and collects its replies under its own reply id until `release`, while other commands may be
   * in flight too (pipelined READ_BUFFER chunks, §7.4). Throws the connection's fatal error if the socket is gone.
   */
  send(command: number, payload: Uint8Array = EMPTY): Exchange {
    if (this.fatal) throw this.fatal;
    const replyId = this.replyId;
    this.replyId = nextReplyId(replyId);
    const ex = new Exchange(command, replyId);
    this.inflight.set(replyId, ex);
    this.write({ command, sessionId: this.sessionId, replyId, payload });
    return ex;
  }

  /** The next packet of `ex`; the timeout is per packet, so a long transfer that keeps progressing never times out (§15). */
  wait(ex: Exchange, timeoutMs = this.timeoutMs): Promise<DecodedPacket> {
    if (ex.failure) return Promise.reject(ex.failure);
    const ready = ex.take();
    if (ready) return Promise.resolve(ready);
    if (this.inflight.get(ex.replyId) !== ex) return Promise.reject(new ZkProtocolError("No command in flight"));
    return new Promise<DecodedPacket>((resolve, reject) => {
      const timer = setTimeout(() => {
        ex.wake = undefined;
        this.release(ex);
        reject(new ZkTimeoutError(ex.command, timeoutMs));
      }, timeoutMs);
      ex.wake = () => {
        clearTimeout(timer);
        ex.wake = undefined;
        if (ex.failure) reject(ex.failure);
        else resolve(ex.take()!);
      };
    });
  }

  /** Stops collecting replies for `ex`; what still arrives for it is stray. */
  release(ex: Exchange): void {
    if (this.inflight.get(ex.replyId) === ex) this.inflight.delete(ex.replyId);
    if (this.current === ex) this.current = undefined;
  }

  /** Sends a packet that expects no reply, outside the reply-id counter (event acknowledgements: reply id 0, §11.4). */
  sendOnly(command: number, payload: Uint8Array, replyId: number): void {
    if (!this.fatal) this.write({ command, sessionId: this.sessionId, replyId, payload });
  }

  async close(): Promise<void> {
    this.fail(new ZkDisconnectedError("Session closed"));
    await this.transport.close();
  }

  private write(p: ZkPacket): void {
    this.packets.sent++;
    this.transport.send(encodePacket(p));
  }

  private onPacket(bytes: Uint8Array): void {
    this.packets.received++;
    let p: DecodedPacket;
    try {
      // The transports hand over bytes nobody else holds, so the payload may stay a view into them.
      p = decodePacketView(bytes);
    } catch (err) {
      this.failInflight(err as Error);
      return;
    }
    if (!p.checksumOk) {
      this.badChecksums++;
      if (this.opts.strictChecksum) {
        this.failInflight(new ZkProtocolError(`Bad checksum in reply (command ${p.command}, reply id ${p.replyId})`));
        return;
      }
    }
    if (isEventPacket(p)) {
      // §11.4: acknowledge every event with ACK_OK, session id, reply id 0, no payload.
      this.sendOnly(REPLY.ackOk, EMPTY, 0);
      this.notify(p);
      return;
    }
    // §2.4: the device echoes the request's reply id in every packet of its answer; anything else is stray.
    const ex = this.inflight.get(p.replyId);
    if (!ex) {
      this.ignored++;
      return;
    }
    ex.push(p, this.arrivals++);
  }

  /** Runs every event listener; one that throws must not take the socket handler (and the process) down with it. */
  private notify(p: ZkPacket): void {
    for (const l of this.listeners) {
      try {
        l(p);
      } catch (err) {
        this.listenerErrors++;
        try {
          this.opts.onListenerError?.(err);
        } catch {
          // the error hook itself failed: the count above is all that is left
        }
      }
    }
  }

  /** A packet nobody can trust (runt; bad checksum in strict mode) fails every command in flight: its reply id cannot be trusted either. */
  private failInflight(err: Error): void {
    if (this.inflight.size === 0) {
      this.ignored++;
      return;
    }
    for (const ex of this.inflight.values()) {
      ex.failure ??= err;
      ex.wake?.();
    }
  }

  private fail(err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    this.failInflight(err);
  }
}
