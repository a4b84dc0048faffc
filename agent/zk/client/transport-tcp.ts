// TCP transport: one net.Socket, frames out with the 50 50 82 7d prefix, a TcpUnframer in (docs/protocol.md §1.2).
import { connect as netConnect, type Socket } from "node:net";
import { frameTcp, TcpUnframer } from "../codec";
import { reasonOf, ZkProtocolError, ZkUnreachableError } from "../errors";
import { SocketTransport, type ZkTransport } from "./transport";

/**
 * Opens a TCP connection to `address` (an IP the caller resolved; `host` names the terminal in errors); refusal,
 * a socket error or no connection within `timeoutMs` → ZkUnreachableError with its reason.
 */
export function openTcp(host: string, port: number, timeoutMs: number, address = host): Promise<ZkTransport> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: address, port });
    const timer = setTimeout(() => fail(new Error(`TCP connect timed out after ${timeoutMs} ms`)), timeoutMs);
    function fail(cause: Error) {
      clearTimeout(timer);
      socket.removeListener("connect", onConnect);
      socket.destroy();
      reject(new ZkUnreachableError(host, port, { cause, reason: reasonOf(cause) }));
    }
    function onConnect() {
      clearTimeout(timer);
      socket.removeListener("error", fail);
      resolve(new TcpTransport(socket));
    }
    socket.once("error", fail);
    socket.once("connect", onConnect);
  });
}

class TcpTransport extends SocketTransport {
  readonly kind = "tcp" as const;
  private readonly unframer = new TcpUnframer();

  constructor(private readonly socket: Socket) {
    super(socket);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  send(packet: Uint8Array): void {
    if (!this.closed) this.socket.write(frameTcp(packet));
  }

  protected destroySocket(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let packets: Uint8Array[];
    try {
      packets = this.unframer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (err) {
      // Framing is lost for good once the magic or length is wrong: report it and drop the socket.
      this.handlers?.error(err instanceof ZkProtocolError ? err : new ZkProtocolError(String(err)));
      this.socket.destroy();
      return;
    }
    for (const p of packets) this.handlers?.packet(p);
  }
}
