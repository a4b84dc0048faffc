// The request pipeline shared by both transports: decode, log, checksum policy, faults, session gate, dispatch.
import type { DecodedPacket } from "../codec";
import { CMD, REPLY, decodePacket } from "../codec";
import { commandName } from "./command-names";
import type { FaultController } from "./faults";
import { HANDLERS } from "./handlers";
import { ok, reply, type Request, type SimContext } from "./request";
import type { Link, Outgoing } from "./session";
import type { CommandLogEntry } from "./types";

export class Engine {
  readonly commandLog: CommandLogEntry[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultController,
  ) {}

  /** True while the terminal boots after a RESTART (the TCP server refuses connections meanwhile). */
  get rebooting(): boolean {
    return this.ctx.state.rebooting;
  }

  /** One ZK packet received on `link` (a UDP datagram or one unframed TCP frame). */
  handle(link: Link, bytes: Uint8Array): void {
    let packet: DecodedPacket;
    try {
      packet = decodePacket(bytes);
    } catch {
      return; // shorter than a header: nothing to answer to
    }
    const { state, opts } = this.ctx;
    // Booting after a RESTART: nothing answers (docs/protocol.md §12).
    if (state.rebooting) return;
    link.active = true;
    this.record(link, packet);
    if (!packet.checksumOk) {
      // docs/protocol.md §2.2: every known client sends correct checksums; count mismatches, reject only in strict mode.
      state.badChecksums++;
      if (opts.strictChecksum) {
        if (packet.command !== REPLY.ackOk) link.send([bare(REPLY.ackError, link.session?.id ?? 0, packet.replyId)]);
        return;
      }
    }
    // §11.4: an incoming ACK_OK acknowledges an event; answering it desynchronises pyzk.
    if (packet.command === REPLY.ackOk) return;
    const fault = this.faults.match(packet.command);
    if (fault?.kind === "silence") {
      this.faults.consumed();
      return;
    }
    let out = this.dispatch(link, packet);
    if (fault) {
      const r = this.faults.apply(fault, out, link.transport);
      out = r.out;
      if (r.applied) this.faults.consumed();
    }
    link.send(out);
  }

  private dispatch(link: Link, packet: DecodedPacket): Outgoing[] {
    const { sessions, opts } = this.ctx;
    if (packet.command === CMD.connect) {
      // A real terminal serves one PC connection at a time (§4.3): a second TCP client is closed.
      if (link.transport === "tcp" && opts.singleSession && sessions.tcpHolder(link)) return [{ end: true }];
      const s = sessions.open(link);
      return [bare(s.authenticated ? REPLY.ackOk : REPLY.ackUnauth, s.id, packet.replyId)];
    }
    const session = link.session;
    if (!session) return [bare(REPLY.ackUnauth, 0, packet.replyId)];
    const req: Request = { ctx: this.ctx, link, session, packet };
    if (packet.command === CMD.exit) {
      sessions.close(session);
      return ok(req);
    }
    if (packet.command === CMD.auth) {
      return [reply(req, session.authenticate(opts.commKey, packet.payload) ? REPLY.ackOk : REPLY.ackUnauth)];
    }
    // §4.2: until authenticated, everything else gets ACK_UNAUTH.
    if (!session.authenticated) return [reply(req, REPLY.ackUnauth)];
    // A firmware that lacks a command (opts.unsupportedCommands) answers it as it answers any unknown one.
    const handler = opts.unsupportedCommands.has(packet.command) ? undefined : HANDLERS.get(packet.command);
    return handler ? handler(req) : [reply(req, REPLY.ackUnknown)];
  }

  private record(link: Link, packet: DecodedPacket): void {
    const entry: CommandLogEntry = {
      at: performance.now(),
      command: packet.command,
      name: commandName(packet.command),
      transport: link.transport,
      sessionId: link.session?.id ?? packet.sessionId,
    };
    const log = this.commandLog;
    log.push(entry);
    if (log.length > this.ctx.opts.commandLogLimit) log.splice(0, log.length - this.ctx.opts.commandLogLimit);
    this.ctx.opts.log?.(
      `${link.transport} ${link.peer} session ${hex4(entry.sessionId)} reply ${packet.replyId} ${entry.name} (${packet.payload.length} B)`,
    );
  }
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

function bare(command: number, sessionId: number, replyId: number): Outgoing {
  return { packet: { command, sessionId, replyId, payload: new Uint8Array(0) } };
}
