// Command → reply, per command, for an authenticated session (CONNECT/AUTH/EXIT live in engine.ts).
import {
  CMD,
  REPLY,
  decodeZkTime,
  encodeZkTime,
  optionWritePayload,
  parseOptionRead,
  parseOptionWrite,
  parseStartEnroll,
  parseU32,
  u32Payload,
} from "../codec";
import { freeData, getUserTemplate, legacyRead, prepareBuffer, readBuffer } from "./bulk";
import { FIRMWARE } from "./device-options";
import { clearAdmins, clearAttendance, clearData, deleteTemplate, deleteTemplateByUserId, deleteUser, userWrite } from "./handlers-data";
import { error, ok, parsed, reply, type Handler, type Request } from "./request";
import type { Outgoing } from "./session";
import { checksumBuffer, prepareUpload, saveUserTemplates, templateWrite, uploadData } from "./upload";

const text = (s: string) => new TextEncoder().encode(`${s}\0`);

/** Commands that only acknowledge: header-only ACK_OK, no payload (pyzk reads exactly 8 bytes, docs/protocol.md §1.3, §14 item 4). */
const ACK_ONLY = [
  CMD.refreshData,
  CMD.refreshOption,
  CMD.sleep,
  CMD.resume,
  CMD.changeSpeed,
  CMD.enableClock,
  CMD.startVerify,
  CMD.cancelCapture,
  CMD.writeLcd,
  CMD.clearLcd,
  CMD.doorStateRrq,
  CMD.testVoice, // u32 index; zkteco-js sends 2 bytes (§12)
  CMD.clearOpLog,
  CMD.testTemp,
  CMD.captureFinger,
  CMD.captureImage,
] as const;

/** CMD_UNLOCK 31: u32 duration (tenths of a second), extra bytes ignored; releases the door strike, bare ACK_OK (§12). */
function unlock(req: Request): Outgoing[] {
  return parsed(req, parseU32, (tenths) => {
    req.ctx.state.unlock(tenths);
    return ok(req);
  });
}

/** CMD_ENABLEDEVICE 1002. */
function enable(req: Request): Outgoing[] {
  req.ctx.state.enable();
  req.session.disabledDevice = false;
  return ok(req);
}

/** CMD_DISABLEDEVICE 1003: optional u32 seconds after which the terminal re-enables itself (§4.4). */
function disable(req: Request): Outgoing[] {
  const p = req.packet.payload;
  req.ctx.state.disable(p.length >= 4 ? parseU32(p) : 0);
  req.session.disabledDevice = true;
  return ok(req);
}

/**
 * CMD_RESTART / CMD_POWEROFF: ACK_OK, then the connection closes (§12, §14 item 13), and the terminal boots: for
 * rebootMs it answers nothing and refuses connections, then serves again with its data as it was.
 */
function reboot(req: Request): Outgoing[] {
  const { state, sessions, opts } = req.ctx;
  state.enable();
  state.machineState = 0;
  state.rebootingUntil = Date.now() + opts.rebootMs;
  sessions.close(req.session);
  return req.link.transport === "tcp" ? [...ok(req), { end: true }] : ok(req);
}

/** CMD_OPTIONS_RRQ 11: `"Name=Value\0"`, ACK_ERROR for names the terminal does not have (§5.2). */
function optionRead(req: Request): Outgoing[] {
  return parsed(req, parseOptionRead, (name) => {
    const value = req.ctx.state.options.get(name);
    return value === undefined ? error(req) : ok(req, optionWritePayload(name, value));
  });
}

/** CMD_OPTIONS_WRQ 12: `"Name=Value"` with or without NUL → stored, ACK_OK (§5.2). */
function optionWrite(req: Request): Outgoing[] {
  return parsed(req, parseOptionWrite, ({ name, value }) => {
    if (name.length === 0) return error(req);
    req.ctx.state.options.set(name, value);
    return ok(req);
  });
}

/** CMD_SET_TIME 202: u32 ZK time (zkteco-js sends 32 bytes; extra ignored); impossible dates → ACK_ERROR (§6). */
function setTime(req: Request): Outgoing[] {
  return parsed(req, (p) => decodeZkTime(parseU32(p)), (t) => {
    req.ctx.state.setTime(t);
    return ok(req);
  });
}

/** CMD_REG_EVENT 500: u32 mask; 0 unsubscribes (§11.1). */
function regEvent(req: Request): Outgoing[] {
  return parsed(req, parseU32, (mask) => {
    req.session.eventMask = mask;
    return ok(req);
  });
}

/** CMD_STARTENROLL 61: the user must exist; a template and the enrolment events follow shortly (§10.6). */
function startEnroll(req: Request): Outgoing[] {
  return parsed(req, parseStartEnroll, ({ userId, finger }) => {
    const uid = req.ctx.state.uidOfUserId(userId);
    if (uid === undefined || finger > 9) return error(req);
    req.ctx.events.enroll(uid, userId, finger);
    return ok(req);
  });
}

/** pyzk's `_clear_error` sends ACK_ERROR and ACK_UNKNOWN as commands and waits for a reply to each (§5.2). */
const answerUnknown: Handler = (req) => [reply(req, REPLY.ackUnknown)];

export const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  ...ACK_ONLY.map((c): [number, Handler] => [c, (req) => ok(req)]),
  [CMD.enableDevice, enable],
  [CMD.disableDevice, disable],
  [CMD.restart, reboot],
  [CMD.powerOff, reboot],
  [CMD.getVersion, (req) => ok(req, text(FIRMWARE[req.ctx.opts.profile]))],
  [CMD.optionsRrq, optionRead],
  [CMD.optionsWrq, optionWrite],
  [CMD.getFreeSizes, (req) => ok(req, req.ctx.state.freeSizes(req.ctx.opts.freeSizesForm))],
  // §5.4: the state travels in the session field of the reply.
  [CMD.stateRrq, (req) => [reply(req, REPLY.ackOk, undefined, req.ctx.state.machineState)]],
  // §5.3: exactly one payload byte; pyzk desynchronises on anything longer.
  [CMD.getPinWidth, (req) => ok(req, Uint8Array.of(9))],
  [CMD.getTime, (req) => ok(req, u32Payload(encodeZkTime(req.ctx.state.now())))],
  [CMD.setTime, setTime],
  [CMD.unlock, unlock],
  [CMD.regEvent, regEvent],
  [CMD.startEnroll, startEnroll],
  [CMD.userWrq, userWrite],
  [CMD.deleteUser, deleteUser],
  [CMD.deleteUserTemp, deleteTemplate],
  [CMD.delUserTempById, deleteTemplateByUserId],
  [CMD.clearData, clearData],
  [CMD.clearAttLog, clearAttendance],
  [CMD.clearAdmin, clearAdmins],
  [CMD.prepareBuffer, prepareBuffer],
  [CMD.readBuffer, readBuffer],
  [CMD.freeData, freeData],
  [CMD.getUserTemp, getUserTemplate],
  [CMD.attLogRrq, legacyRead],
  [CMD.userTempRrq, legacyRead],
  [CMD.prepareData, prepareUpload],
  [CMD.data, uploadData],
  [CMD.saveUserTemps, saveUserTemplates],
  [CMD.tmpWrite, templateWrite],
  [CMD.checksumBuffer, checksumBuffer],
  [REPLY.ackError, answerUnknown],
  [REPLY.ackUnknown, answerUnknown],
]);
