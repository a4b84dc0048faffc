// UDP side of the terminal: one packet per datagram, sessions keyed by the client's address and port (docs/protocol.md §1.1).
import dgram from "node:dgram";
import net from "node:net";
import type { Engine } from "./engine";
import { toWire } from "./link";
import { Pacer } from "./pacer";
import type { Link, Outgoing, Session } from "./session";
import type { TransportDeps } from "./tcp-server";

class UdpLink implements Link {
  readonly transport = "udp" as const;
  session: Session | undefined;
  active = false;
  closed = false;
  readonly pacer: Pacer;

  constructor(
    socket: dgram.Socket,
    readonly peer: string,
    address: string,
    port: number,
    deps: TransportDeps,
  ) {
    this.pacer = new Pacer(
      {
        write: (bytes, done) => socket.send(bytes, port, address, (err) => done(err)),
        finish: () => {}, // a datagram "connection" has nothing to close
        sent: deps.sent,
      },
      deps.timing,
    );
  }

  send(items: readonly Outgoing[]): void {
    if (!this.closed) this.pacer.push(toWire(items, false));
  }
}

export interface UdpServer {
  port: number;
  close(): Promise<void>;
}

/** Binds host:port; rejects with the bind error (the caller retries on EADDRINUSE). */
export function startUdpServer(host: string, port: number, deps: TransportDeps): Promise<UdpServer> {
  const socket = dgram.createSocket({ type: net.isIPv6(host) ? "udp6" : "udp4" });
  const links = new Map<string, UdpLink>();
  socket.on("message", (msg, rinfo) => {
    const peer = `${rinfo.address}:${rinfo.port}`;
    let link = links.get(peer);
    if (!link) {
      // Every client socket is a new peer; forget idle ones without a session so a long run does not grow.
      if (links.size >= 1024) for (const [k, l] of links) if (!l.session && l.pacer.pending === 0) links.delete(k);
      link = new UdpLink(socket, peer, rinfo.address, rinfo.port, deps);
      links.set(peer, link);
    }
    deps.engine.handle(link, new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off("error", reject);
      socket.on("error", (err) => deps.log?.(`udp error: ${err.message}`));
      resolve({
        port: socket.address().port,
        close: () =>
          new Promise<void>((done) => {
            for (const l of links.values()) {
              l.closed = true;
              l.pacer.close();
            }
            socket.close(() => done());
          }),
      });
    });
  });
}
