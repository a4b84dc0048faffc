// What every command handler receives (device, session, the packet) and the helpers that build replies.
import type { DecodedPacket } from "../codec";
import { REPLY } from "../codec";
import type { EventHub } from "./events";
import type { ResolvedOptions } from "./options";
import type { Link, Outgoing, Session, SessionTable } from "./session";
import type { DeviceState } from "./state";

/** The simulator's shared parts, handed to every handler. */
export interface SimContext {
  opts: ResolvedOptions;
  state: DeviceState;
  sessions: SessionTable;
  events: EventHub;
}

export interface Request {
  ctx: SimContext;
  link: Link;
  session: Session;
  packet: DecodedPacket;
}

export type Handler = (req: Request) => Outgoing[];

const EMPTY = new Uint8Array(0);

/** One reply packet echoing the request's reply id (docs/protocol.md §2.4, §14 item 1); simple ACKs carry no payload (§1.3). */
export function reply(req: Request, command: number, payload: Uint8Array = EMPTY, sessionId = req.session.id): Outgoing {
  return { packet: { command, sessionId, replyId: req.packet.replyId, payload } };
}

export const ok = (req: Request, payload?: Uint8Array): Outgoing[] => [reply(req, REPLY.ackOk, payload)];
export const error = (req: Request): Outgoing[] => [reply(req, REPLY.ackError)];

/** Runs a payload parser; a short or malformed payload answers ACK_ERROR instead of throwing. */
export function parsed<T>(req: Request, parse: (p: Uint8Array) => T, then: (v: T) => Outgoing[]): Outgoing[] {
  let v: T;
  try {
    v = parse(req.packet.payload);
  } catch {
    return error(req);
  }
  return then(v);
}
