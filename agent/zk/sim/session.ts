// Sessions: ids issued at CONNECT, comm-key authentication, one TCP session at a time like a real terminal (docs/protocol.md §4).
import type { ZkPacket } from "../codec";
import { checkCommKey } from "../codec";
import type { SimTransport } from "./types";

/** What a reply is made of before framing: packets, raw bytes (faults), or the end of the connection. */
export type Outgoing =
  | { packet: ZkPacket; corrupt?: boolean; gapMs?: number; joinNext?: boolean }
  | { raw: Uint8Array }
  | { end: true }
  | { reset: true };

/** A TCP connection or a UDP peer: where a session's replies go. */
export interface Link {
  readonly transport: SimTransport;
  /** "address:port" of the client. */
  readonly peer: string;
  session: Session | undefined;
  /** True once the client has sent any bytes (pyzk's probe never does, §4.1). */
  active: boolean;
  readonly closed: boolean;
  send(items: readonly Outgoing[]): void;
}

/** Per-upload state of the client → device flow (§7.8). */
export interface UploadBuffer {
  announced: number;
  parts: Uint8Array[];
  size: number;
}

export class Session {
  authenticated: boolean;
  /** CMD_REG_EVENT mask (§11.1); 0 = no events. */
  eventMask = 0;
  /** This session disabled the device (for autoReenableOnDisconnect). */
  disabledDevice = false;
  /** The table prepared by _CMD_PREPARE_BUFFER, served by READ_BUFFER (§7.2). */
  readBuffer: Uint8Array | undefined;
  upload: UploadBuffer | undefined;

  constructor(
    readonly id: number,
    readonly link: Link,
    needsAuth: boolean,
  ) {
    this.authenticated = !needsAuth;
  }

  /** CMD_AUTH: recompute the 4-byte scramble with the ticks byte the client used (§4.2, §14 item 2). */
  authenticate(commKey: number, payload: Uint8Array): boolean {
    if (commKey === 0 || checkCommKey(commKey, this.id, payload)) this.authenticated = true;
    return this.authenticated;
  }
}

/** Live sessions of the terminal, TCP and UDP. */
export class SessionTable {
  private live = new Map<number, Session>();
  private nextId: number;

  constructor(
    seed: number,
    private readonly commKey: number,
    private readonly onClose: (s: Session) => void,
  ) {
    // Arbitrary non-zero u16 values like the devices' (§2.3), reproducible for a seed. Seed 1 starts at 0x45CF,
    // the session of the worked examples in §4.2 and §13, so their bytes can be replayed verbatim.
    this.nextId = (((seed - 1) * 7919 + 0x45cf) % 0xffff) || 1;
  }

  get count(): number {
    return this.live.size;
  }
  all(): Session[] {
    return [...this.live.values()];
  }

  /** Another link's live TCP session, if any (a real terminal serves one PC connection at a time, §4.3). */
  tcpHolder(except: Link): Session | undefined {
    for (const s of this.live.values()) if (s.link.transport === "tcp" && s.link !== except && !s.link.closed) return s;
    return undefined;
  }

  /** CONNECT: a new session, or the same id again on a link that already has one (adrobinoga, §4.1). */
  open(link: Link): Session {
    if (link.session && this.live.has(link.session.id)) {
      const again = new Session(link.session.id, link, this.commKey !== 0);
      this.live.set(again.id, again);
      link.session = again;
      return again;
    }
    let id = this.nextId;
    while (id === 0 || this.live.has(id)) id = (id % 0xffff) + 1;
    this.nextId = ((id + 0x1d3) % 0xffff) + 1;
    const s = new Session(id, link, this.commKey !== 0);
    this.live.set(id, s);
    link.session = s;
    return s;
  }

  /** EXIT or link gone. */
  close(s: Session): void {
    if (this.live.get(s.id) !== s) return;
    this.live.delete(s.id);
    if (s.link.session === s) s.link.session = undefined;
    this.onClose(s);
  }

  closeAll(): void {
    for (const s of this.all()) this.close(s);
  }
}
