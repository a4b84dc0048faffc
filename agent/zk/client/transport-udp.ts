// UDP transport: a connected dgram socket, one ZK packet per datagram (zk-protocol §1.1).
import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import { ZkUnreachableError } from "../errors";
import type { TransportHandlers, ZkTransport } from "./transport";

/** Opens a UDP socket connected to host:port (so only that peer's datagrams arrive). */
export function openUdp(host: string, port: number): Promise<ZkTransport> {
  return new Promise((resolve, reject) => {
    // §15: receive buffers of at least 64 KiB; some firmware may send datagrams bigger than 1032 bytes.
    const socket = createSocket({ type: isIP(host) === 6 ? "udp6" : "udp4", recvBufferSize: 1 << 20 });
    const fail = (cause: Error) => {
      socket.close();
      reject(new ZkUnreachableError(host, port, { cause }));
    };
    socket.once("error", fail);
    socket.connect(port, host, () => {
      socket.removeListener("error", fail);
      resolve(new UdpTransport(socket));
    });
  });
}

class UdpTransport implements ZkTransport {
  readonly kind = "udp" as const;
  private handlers: TransportHandlers | undefined;
  private isClosed = false;
  private readonly closedPromise: Promise<void>;

  constructor(private readonly socket: Socket) {
    // Each datagram arrives in a Buffer of its own that nothing reuses, so it is handed on without a copy.
    socket.on("message", (msg: Buffer) => this.handlers?.packet(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)));
    // On a connected UDP socket an ICMP "port unreachable" surfaces as ECONNREFUSED here.
    socket.on("error", (err) => this.handlers?.error(err));
    this.closedPromise = new Promise((resolve) =>
      socket.once("close", () => {
        this.isClosed = true;
        this.handlers?.close();
        resolve();
      }),
    );
  }

  get closed(): boolean {
    return this.isClosed;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  send(packet: Uint8Array): void {
    if (this.isClosed) return;
    this.socket.send(packet, (err) => {
      if (err) this.handlers?.error(err);
    });
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      try {
        this.socket.close();
      } catch {
        // already closing
      }
    }
    return this.closedPromise;
  }
}
