// Handlers that change stored data: users (docs/protocol.md §8.8, §8.9), templates (§10.3), clearing tables (§9.4, §12).
import { decodeFixed, parseDeleteUser, parseUserTemp } from "../codec";
import type { Outgoing } from "./session";
import { error, ok, parsed, type Request } from "./request";
import { asFirmwareReads, uidOf } from "./user-records";

/**
 * Upserts one user record, read in the device's own layout whatever its length (asFirmwareReads). False when it
 * cannot be stored: not a 28- or 72-byte record, uid 0, a duplicate user_id under the "reject" policy, or a full device.
 */
export function storeUser(req: Request, raw: Uint8Array): boolean {
  const { state, opts } = req.ctx;
  if (raw.length !== 28 && raw.length !== 72) return false;
  const record = asFirmwareReads(raw, state.userSize);
  const uid = uidOf(record);
  if (uid === 0) return false;
  if (!state.hasUid(uid) && state.userCount >= state.caps.users) return false;
  if (opts.duplicateUserIdPolicy === "reject") {
    const userId = state.userSize === 72 ? decodeFixed(record.subarray(48, 72)) : String(new DataView(record.buffer, record.byteOffset).getUint32(24, true));
    const owner = state.uidOfUserId(userId);
    if (owner !== undefined && owner !== uid) return false;
  }
  state.putUser(record);
  req.ctx.events.userEnrolled(uid);
  return true;
}

/** CMD_USER_WRQ 8: one 72- or 28-byte record, decided by length → ACK_OK, else ACK_ERROR. */
export function userWrite(req: Request): Outgoing[] {
  return storeUser(req, req.packet.payload) ? ok(req) : error(req);
}

/** CMD_DELETE_USER 18: u16 uid, extra bytes ignored (zkteco-js sends 72); ACK_ERROR for an unknown uid (§8.9). */
export function deleteUser(req: Request): Outgoing[] {
  return parsed(req, parseDeleteUser, (uid) => (req.ctx.state.deleteUser(uid) ? ok(req) : error(req)));
}

/** CMD_DELETE_USERTEMP 19: u16 uid + u8 finger (§10.3). */
export function deleteTemplate(req: Request): Outgoing[] {
  return parsed(req, parseUserTemp, ({ uid, finger }) => (req.ctx.state.deleteTemplate(uid, finger) ? ok(req) : error(req)));
}

/** _CMD_DEL_USER_TEMP 134: 24-byte user_id + u8 finger (§10.3). */
export function deleteTemplateByUserId(req: Request): Outgoing[] {
  const p = req.packet.payload;
  if (p.length < 25) return error(req);
  const uid = req.ctx.state.uidOfUserId(decodeFixed(p.subarray(0, 24)));
  return uid !== undefined && req.ctx.state.deleteTemplate(uid, p[24]!) ? ok(req) : error(req);
}

/** CMD_CLEAR_DATA 14: everything, or one table given as a 1-byte id (§9.4). */
export function clearData(req: Request): Outgoing[] {
  const p = req.packet.payload;
  req.ctx.state.clear(p.length >= 1 ? p[0] : undefined);
  return ok(req);
}

/** CMD_CLEAR_ATTLOG 15. */
export function clearAttendance(req: Request): Outgoing[] {
  req.ctx.state.clear(1);
  return ok(req);
}

/** CMD_CLEAR_ADMIN 20: all privileges → 0. */
export function clearAdmins(req: Request): Outgoing[] {
  req.ctx.state.clearAdmins();
  return ok(req);
}
