// UDP transport: a connected dgram socket, one ZK packet per datagram (docs/protocol.md §1.1).
import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import { reasonOf, ZkUnreachableError } from "../errors";
import { SocketTransport, type ZkTransport } from "./transport";

/**
 * Opens a UDP socket connected to `address`:port (so only that peer's datagrams arrive). `address` is an IP the
 * caller resolved (resolve.ts); `host` is how the caller named the terminal, for the error message. No connection
 * within `timeoutMs` → ZkUnreachableError, as over TCP.
 */
export function openUdp(host: string, port: number, timeoutMs: number, address = host): Promise<ZkTransport> {
  return new Promise((resolve, reject) => {
    // §15: receive buffers of at least 64 KiB; some firmware may send datagrams bigger than 1032 bytes.
    const socket = createSocket({ type: isIP(address) === 6 ? "udp6" : "udp4", recvBufferSize: 1 << 20 });
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`UDP connect timed out after ${timeoutMs} ms`)), timeoutMs);
    function fail(cause: Error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // not open yet, or already closing
      }
      reject(new ZkUnreachableError(host, port, { cause, reason: reasonOf(cause) }));
    }
    socket.once("error", fail);
    socket.connect(port, address, () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener("error", fail);
      resolve(new UdpTransport(socket));
    });
  });
}

class UdpTransport extends SocketTransport {
  readonly kind = "udp" as const;

  constructor(private readonly socket: Socket) {
    // On a connected UDP socket an ICMP "port unreachable" surfaces as ECONNREFUSED on "error" (handled by the base).
    super(socket);
    // Each datagram arrives in a Buffer of its own that nothing reuses, so it is handed on without a copy.
    socket.on("message", (msg: Buffer) => this.handlers?.packet(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)));
  }

  send(packet: Uint8Array): void {
    if (this.closed) return;
    this.socket.send(packet, (err) => {
      if (err) this.handlers?.error(err);
    });
  }

  protected destroySocket(): void {
    try {
      this.socket.close();
    } catch {
      // already closing
    }
  }
}
