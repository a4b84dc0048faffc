// Raw TCP/UDP test clients for the simulator: send reference bytes (docs/protocol.md §13), read packets back.
import dgram from "node:dgram";
import net from "node:net";
import { afterEach } from "vitest";
import { TcpUnframer, decodePacket, encodePacket, type DecodedPacket } from "../../agent/zk/codec";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../agent/zk/sim";

/** "e8 03 17 fc …" → bytes (reference fixtures are written as hex, like §13). */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

/** The TCP frame around a ZK packet, written out by hand (`50 50 82 7d` + u32 length, §1.2). */
export function tcpFrame(packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + packet.length);
  out.set([0x50, 0x50, 0x82, 0x7d]);
  new DataView(out.buffer).setUint32(4, packet.length, true);
  out.set(packet, 8);
  return out;
}

/** A request the reference has no bytes for (e.g. ACK_ERROR sent as a command); the checksum comes from the codec,
 * which is itself pinned to the §2.2 vectors. Session 0x45CF as in §13. */
export function request(command: number, replyId: number, payload: Uint8Array = new Uint8Array(0), sessionId = 0x45cf): Uint8Array {
  return encodePacket({ command, sessionId, replyId, payload });
}

interface Waiter {
  resolve: (p: Uint8Array) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Queue of received packets (raw ZK packet bytes) with timed waits. */
class Inbox {
  readonly packets: Uint8Array[] = [];
  private waiters: Waiter[] = [];
  closed = false;

  push(p: Uint8Array): void {
    const w = this.waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      w.resolve(p);
    } else this.packets.push(p);
  }

  /** No more packets will come: pending and later waits fail at once. */
  markClosed(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error("connection closed"));
    }
  }

  /** Next packet's raw bytes, or rejects after `ms` (at once when the connection is closed). */
  nextRaw(ms = 2000): Promise<Uint8Array> {
    const p = this.packets.shift();
    if (p) return Promise.resolve(p);
    if (this.closed) return Promise.reject(new Error("connection closed"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no packet within ${ms} ms`));
      }, ms);
      this.waiters.push({ resolve, reject, timer });
    });
  }

  async next(ms = 2000): Promise<DecodedPacket> {
    return decodePacket(await this.nextRaw(ms));
  }

  /** True when nothing arrives within `ms` (for "must not answer" checks). */
  async silentFor(ms: number): Promise<boolean> {
    try {
      await this.nextRaw(ms);
      return false;
    } catch {
      return true;
    }
  }
}

export class RawTcp extends Inbox {
  readonly chunks: Uint8Array[] = [];
  /** Set when the server sent bytes that are not a TCP frame (the garbage fault). */
  badFrame = false;
  private readonly unframer = new TcpUnframer(16 * 1024 * 1024);
  private closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    super();
    socket.on("data", (d) => {
      this.chunks.push(new Uint8Array(d));
      try {
        for (const p of this.unframer.push(new Uint8Array(d))) this.push(p);
      } catch {
        this.badFrame = true;
      }
    });
    socket.on("error", () => {});
    this.closedPromise = new Promise((r) =>
      socket.once("close", () => {
        this.markClosed();
        r();
      }),
    );
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawTcp> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawTcp(s)));
      s.once("error", reject);
    });
  }

  /** Sends one ZK packet in a TCP frame. */
  send(packet: Uint8Array): void {
    this.socket.write(tcpFrame(packet));
  }
  /** Sends bytes as they are (already framed, split or merged). */
  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }
  /** Resolves when the server closed the connection (or after `ms`, with false). */
  async closedWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closedPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  }
  close(): void {
    this.socket.destroy();
  }
}

export class RawUdp extends Inbox {
  private constructor(
    readonly socket: dgram.Socket,
    private readonly port: number,
    private readonly host: string,
  ) {
    super();
    socket.on("message", (m) => this.push(new Uint8Array(m)));
  }

  static async open(port: number, host = "127.0.0.1"): Promise<RawUdp> {
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, host, () => r()));
    return new RawUdp(s, port, host);
  }

  send(packet: Uint8Array): void {
    this.socket.send(packet, this.port, this.host);
  }
  close(): void {
    this.socket.close();
  }
}

/** §13 request 1: CMD_CONNECT, session 0, reply id 0. */
export const CONNECT = hex("e8 03 17 fc 00 00 00 00");

export type RawClient = RawTcp | RawUdp;

/**
 * Simulators and raw clients for one test file, all closed after each test. Call it at the top level of the file;
 * `defaults` go under each test's own simulator options. The returned functions need no `this`.
 */
export function rawSimulators(defaults: SimulatorOptions = {}) {
  let sims: Simulator[] = [];
  let clients: Array<{ close(): void }> = [];
  afterEach(async () => {
    for (const c of clients) c.close();
    clients = [];
    await Promise.all(sims.map((s) => s.close()));
    sims = [];
  });

  /** A simulator closed after the test. */
  async function start(o: SimulatorOptions = {}): Promise<Simulator> {
    const s = await startSimulator({ ...defaults, ...o });
    sims.push(s);
    return s;
  }
  /** A raw client of `s`, closed after the test, that has sent nothing yet. */
  async function open(s: Simulator, transport: "tcp" | "udp" = "tcp"): Promise<RawClient> {
    const c = transport === "tcp" ? await RawTcp.connect(s.port) : await RawUdp.open(s.port);
    clients.push(c);
    return c;
  }
  /** A raw client of `s` with a session: CMD_CONNECT sent and its reply read. */
  async function connect(s: Simulator, transport: "tcp" | "udp" = "tcp"): Promise<RawClient> {
    const c = await open(s, transport);
    c.send(CONNECT);
    await c.next();
    return c;
  }
  /** A new simulator and a client connected to it. */
  async function connected(o: SimulatorOptions = {}, transport: "tcp" | "udp" = "tcp"): Promise<{ s: Simulator; c: RawClient }> {
    const s = await start(o);
    return { s, c: await connect(s, transport) };
  }
  return { start, open, connect, connected };
}
