// One command in flight per terminal: reply-id matching, per-packet timeouts, events routed aside (zk-protocol §2.4, §11, §15).
import { REPLY, decodePacket, encodePacket, isEventPacket, nextReplyId, type DecodedPacket, type ZkPacket } from "../codec";
import { ZkDisconnectedError, ZkError, ZkProtocolError, ZkTimeoutError } from "../errors";
import type { ZkTransport } from "./transport";

const EMPTY = new Uint8Array(0);

/** The packets of the command in flight, and how its next wait ends. */
interface Exchange {
  command: number;
  replyId: number;
  queue: DecodedPacket[];
  failure?: Error;
  wake?: () => void;
}

/** Listener for unsolicited device events (CMD_REG_EVENT with reply id 0). */
export type EventListener = (packet: ZkPacket) => void;

/** A request/response channel over one transport; callers serialise commands (one exchange at a time). */
export class ZkConnection {
  sessionId = 0;
  readonly packets = { sent: 0, received: 0 };
  /** Packets dropped: stray reply ids, or packets that arrived with nothing in flight. */
  ignored = 0;
  private replyId = 0;
  private current: Exchange | undefined;
  private fatal: Error | undefined;
  private readonly listeners = new Set<EventListener>();

  constructor(
    readonly transport: ZkTransport,
    readonly timeoutMs: number,
  ) {
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

  /** Sends a command with the next reply id and waits for its first reply packet. */
  exchange(command: number, payload: Uint8Array = EMPTY, timeoutMs = this.timeoutMs): Promise<DecodedPacket> {
    if (this.fatal) return Promise.reject(this.fatal);
    const replyId = this.replyId;
    this.replyId = nextReplyId(replyId);
    this.current = { command, replyId, queue: [] };
    this.write({ command, sessionId: this.sessionId, replyId, payload });
    return this.next(timeoutMs);
  }

  /** The next packet of the command in flight (multi-packet replies: PREPARE_DATA, DATA…, ACK_OK). */
  next(timeoutMs = this.timeoutMs): Promise<DecodedPacket> {
    const ex = this.current;
    if (!ex) return Promise.reject(new ZkProtocolError("No command in flight"));
    return new Promise<DecodedPacket>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        ex.wake = undefined;
        if (ex.failure) reject(ex.failure);
        else resolve(ex.queue.shift()!);
      };
      // The timeout is per packet, so a long transfer that keeps progressing never times out (§15).
      const timer = setTimeout(() => {
        ex.wake = undefined;
        if (this.current === ex) this.current = undefined;
        reject(new ZkTimeoutError(ex.command, timeoutMs));
      }, timeoutMs);
      if (ex.failure || ex.queue.length > 0) settle();
      else ex.wake = settle;
    });
  }

  /** Forgets the command in flight; its late replies will be ignored as stray. */
  finish(): void {
    this.current = undefined;
  }

  /** Sends a packet that expects no reply (event acknowledgement, best-effort EXIT). */
  sendOnly(command: number, payload: Uint8Array = EMPTY, replyId = this.replyId): void {
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
      p = decodePacket(bytes);
    } catch (err) {
      this.failCurrent(err as Error);
      return;
    }
    if (!p.checksumOk) {
      this.failCurrent(new ZkProtocolError(`Bad checksum in reply (command ${p.command}, reply id ${p.replyId})`));
      return;
    }
    if (isEventPacket(p)) {
      // §11.4: acknowledge every event with ACK_OK, session id, reply id 0, no payload.
      this.sendOnly(REPLY.ackOk, EMPTY, 0);
      for (const l of this.listeners) l(p);
      return;
    }
    const ex = this.current;
    // §2.4: the device echoes the request's reply id in every packet of its answer; anything else is stray.
    if (!ex || p.replyId !== ex.replyId) {
      this.ignored++;
      return;
    }
    ex.queue.push(p);
    ex.wake?.();
  }

  private failCurrent(err: Error): void {
    const ex = this.current;
    if (!ex) {
      this.ignored++;
      return;
    }
    ex.failure ??= err;
    ex.wake?.();
  }

  private fail(err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    this.failCurrent(err);
  }
}
