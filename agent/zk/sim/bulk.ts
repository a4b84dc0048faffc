// Bulk reads (docs/protocol.md §7): PREPARE_BUFFER inline or buffered, READ_BUFFER chunks, FREE_DATA, legacy direct reads.
import {
  CMD,
  FCT,
  REPLY,
  UDP_DATA_MAX,
  bufferAckPayload,
  encodeTable,
  parsePrepareBuffer,
  parseReadBuffer,
  parseUserTemp,
  prepareDataPayload,
} from "../codec";
import type { Outgoing } from "./session";
import { error, ok, parsed, reply, type Request } from "./request";

/** Data frames of the optional TCP split mode: the size one real device used (§7.3). */
const TCP_SPLIT = 1008;

/** The table buffer (u32 prefix + records) a read command names, or undefined for a table we do not know. */
export function tableFor(req: Request, command: number, fct: number): Uint8Array | undefined {
  const { state } = req.ctx;
  if (command === CMD.dbRrq) {
    if (fct === FCT.fingerTmp) return state.templateTable();
    if (fct === FCT.user) return state.userTable();
    if (fct === FCT.attLog) return state.attendanceTable();
    if (fct === FCT.opLog) return encodeTable([]);
    return undefined;
  }
  if (command === CMD.userTempRrq) return state.userTable();
  if (command === CMD.attLogRrq) return state.attendanceTable();
  if (command === CMD.opLogRrq) return encodeTable([]);
  return undefined;
}

/** _CMD_PREPARE_BUFFER 1503 (§7.2): small tables inline as CMD_DATA, others announced with a 13-byte ACK_OK. */
export function prepareBuffer(req: Request): Outgoing[] {
  return parsed(req, parsePrepareBuffer, ({ command, fct }) => {
    const table = tableFor(req, command, fct);
    if (!table) return error(req);
    const { inlineThreshold, emptyTableInline } = req.ctx.opts;
    // §7.7: node-zklib over UDP ignores replies under 13 bytes, so an empty table goes the buffered way by default.
    const empty = table.length <= 4;
    if (table.length <= inlineThreshold && (!empty || emptyTableInline)) {
      return [dataPacket(req, table, req.session.id)];
    }
    req.session.readBuffer = table;
    return ok(req, bufferAckPayload(table.length));
  });
}

/** _CMD_READ_BUFFER 1504 (§7.3): PREPARE_DATA (8 bytes) + CMD_DATA + ACK_OK, all with the request's reply id. */
export function readBuffer(req: Request): Outgoing[] {
  const buffer = req.session.readBuffer;
  if (!buffer) return error(req);
  return parsed(req, parseReadBuffer, ({ start, size }) => {
    const from = Math.min(Math.max(0, start), buffer.length);
    const to = Math.min(buffer.length, from + Math.max(0, size));
    return dataTransfer(req, buffer.subarray(from, to), false);
  });
}

/** CMD_FREE_DATA 1502: drops the prepared read buffer and any upload buffer. */
export function freeData(req: Request): Outgoing[] {
  req.session.readBuffer = undefined;
  req.session.upload = undefined;
  return ok(req);
}

/** §7.5 legacy flow: CMD_ATTLOG_RRQ / CMD_USERTEMP_RRQ sent directly → PREPARE_DATA + ≤1024-byte CMD_DATA + ACK_OK. */
export function legacyRead(req: Request): Outgoing[] {
  const { command, payload } = req.packet;
  if (command === CMD.userTempRrq && payload.length >= 3) {
    // adrobinoga: <u16 uid, u8 finger> reads one template, without the trailing byte of command 88 (§10.2).
    return parsed(req, parseUserTemp, ({ uid, finger }) => {
      const t = req.ctx.state.template(uid, finger);
      return t ? dataTransfer(req, t.template, true) : error(req);
    });
  }
  const table = tableFor(req, command, command === CMD.userTempRrq ? FCT.user : FCT.attLog);
  return table ? dataTransfer(req, table, true) : error(req);
}

/** _CMD_GET_USERTEMP 88 (§10.2): the template plus one trailing byte (0x01 on a real device); ACK_ERROR if absent. */
export function getUserTemplate(req: Request): Outgoing[] {
  return parsed(req, parseUserTemp, ({ uid, finger }) => {
    const t = req.ctx.state.template(uid, finger);
    if (!t) return error(req);
    const data = new Uint8Array(t.template.length + 1);
    data.set(t.template);
    data[t.template.length] = 0x01;
    return dataTransfer(req, data, false);
  });
}

/**
 * PREPARE_DATA(size) + CMD_DATA packets + ACK_OK. Over TCP one CMD_DATA frame per chunk by default, because pyzk's
 * reassembly times out on many small frames (§7.6); UDP data packets stay ≤ 1024 payload bytes (§1.3). `small`:
 * ≤1024-byte data packets on TCP too (legacy reads, §7.5).
 */
export function dataTransfer(req: Request, data: Uint8Array, small: boolean): Outgoing[] {
  const udp = req.link.transport === "udp";
  const max = udp || small ? UDP_DATA_MAX : req.ctx.opts.tcpSplitFrames ? TCP_SPLIT : Math.max(1, data.length);
  const out: Outgoing[] = [reply(req, CMD.prepareData, prepareDataPayload(data.length, udp || small ? UDP_DATA_MAX : 0xfff8))];
  let index = 0;
  for (let pos = 0; pos < data.length; pos += max) {
    const sessionField = req.ctx.opts.dataPacketIndex ? index++ : req.session.id;
    out.push(dataPacket(req, data.subarray(pos, pos + max), sessionField));
  }
  const last = out.at(-1)!;
  // TCP: the closing ACK_OK travels in the same write as the last data frame, as a device's back-to-back send lands
  // in one read. The JS clients drop what follows a completed chunk in that read; a separate ACK_OK would be taken
  // as the reply to their next command and shift every reply after it by one (§7.7).
  if (!udp && data.length > 0 && "packet" in last) last.joinNext = true;
  out.push(reply(req, REPLY.ackOk));
  return out;
}

function dataPacket(req: Request, payload: Uint8Array, sessionId: number): Outgoing {
  return reply(req, CMD.data, payload, sessionId);
}
