// TCP side of the terminal: framed packets, one frame per write, one PC session at a time (docs/protocol.md §1.2, §4.3, §7.7).
import net from "node:net";
import { TcpUnframer } from "../codec";
import type { Engine } from "./engine";
import { toWire } from "./link";
import { Pacer, type PacerTiming } from "./pacer";
import { ReverseBatcher } from "./reorder";
import type { Link, Outgoing, Session, SessionTable } from "./session";

export interface TransportDeps {
  engine: Engine;
  sessions: SessionTable;
  timing: PacerTiming;
  singleSession: boolean;
  /** "reversed": pipelined requests are answered last first (sim/reorder.ts). */
  answerOrder?: "in-order" | "reversed";
  sent(packets: number, bytes: number): void;
  log?: (line: string) => void;
}

class TcpLink implements Link {
  readonly transport = "tcp" as const;
  readonly peer: string;
  session: Session | undefined;
  active = false;
  closed = false;
  readonly pacer: Pacer;

  constructor(
    readonly socket: net.Socket,
    deps: TransportDeps,
  ) {
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.pacer = new Pacer(
      {
        write: (bytes, done) => {
          if (socket.destroyed) return done(new Error("socket closed"));
          socket.write(bytes, done);
        },
        finish: (kind) => (kind === "end" ? socket.end() : socket.resetAndDestroy()),
        sent: deps.sent,
      },
      deps.timing,
    );
  }

  send(items: readonly Outgoing[]): void {
    if (!this.closed) this.pacer.push(toWire(items, true));
  }
}

export interface TcpServer {
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port (0 = any) and serves every connection through the engine. */
export function startTcpServer(host: string, port: number, deps: TransportDeps): Promise<TcpServer> {
  const links = new Set<TcpLink>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true); // §7.7: each frame its own segment
    const link = new TcpLink(socket, deps);
    // A connection that already sent something and holds a session blocks others; pyzk's silent probe does not (§4.1).
    if (deps.engine.rebooting) {
      deps.log?.(`tcp ${link.peer} refused: the terminal is restarting`);
      socket.destroy();
      return;
    }
    const busy = deps.singleSession && [...links].some((l) => l.active && l.session && !l.closed);
    if (busy) {
      deps.log?.(`tcp ${link.peer} refused: another session is open`);
      socket.destroy();
      return;
    }
    links.add(link);
    const unframer = new TcpUnframer();
    const serve = (p: Uint8Array) => {
      if (!link.closed) deps.engine.handle(link, p);
    };
    const reorder = deps.answerOrder === "reversed" ? new ReverseBatcher(serve) : undefined;
    socket.on("data", (chunk) => {
      let packets: Uint8Array[];
      try {
        packets = unframer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (err) {
        deps.log?.(`tcp ${link.peer} dropped: ${(err as Error).message}`);
        socket.destroy();
        return;
      }
      for (const p of packets) {
        if (reorder) reorder.push(p);
        else serve(p);
      }
    });
    socket.on("error", () => {}); // resets by clients are normal; 'close' follows
    socket.on("close", () => {
      link.closed = true;
      link.pacer.close();
      reorder?.close();
      links.delete(link);
      if (link.session) deps.sessions.close(link.session);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            for (const l of links) l.socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
