// Payload builders and parsers for each command (docs/protocol.md §4–§12); the header lives in packet.ts.
import { ZkInvalidInputError, ZkProtocolError } from "../errors";
import { ByteReader, ByteWriter, decodeFixed, encodeFixed } from "./bytes";

const textEncoder = new TextEncoder();

function need(payload: Uint8Array, n: number, what: string): void {
  if (payload.length < n) throw new ZkProtocolError(`${what} payload needs ${n} bytes, got ${payload.length}`);
}

/** _CMD_PREPARE_BUFFER 1503: `<b h i i>` = 1, read command, FCT, extra (§7.2). */
export function prepareBufferPayload(cmd: number, fct: number, ext = 0): Uint8Array {
  return new ByteWriter(11).u8(1).u16le(cmd).i32le(fct).i32le(ext).finish();
}
export function parsePrepareBuffer(payload: Uint8Array): { command: number; fct: number; ext: number } {
  need(payload, 11, "PREPARE_BUFFER");
  const r = new ByteReader(payload, 1);
  return { command: r.u16le(), fct: r.i32le(), ext: r.i32le() };
}

/** ACK_OK to 1503 for a buffered read: `00, u32 size, u32 size, u32 unknown` (13 bytes, §7.2 B). */
export function bufferAckPayload(size: number): Uint8Array {
  return new ByteWriter(13).u8(0).u32le(size).u32le(size).u32le(0).finish();
}
export function parseBufferAck(payload: Uint8Array): { size: number } {
  need(payload, 5, "buffered-read ACK");
  return { size: new ByteReader(payload, 1).u32le() };
}

/** _CMD_READ_BUFFER 1504: i32 start, i32 size (§7.3). */
export function readBufferPayload(start: number, size: number): Uint8Array {
  return new ByteWriter(8).i32le(start).i32le(size).finish();
}
export function parseReadBuffer(payload: Uint8Array): { start: number; size: number } {
  need(payload, 8, "READ_BUFFER");
  const r = new ByteReader(payload);
  return { start: r.i32le(), size: r.i32le() };
}

/** CMD_PREPARE_DATA as a device sends it before chunk data: exactly 8 bytes (§7.3; Node clients count them). */
export function prepareDataPayload(size: number, second = 0): Uint8Array {
  return new ByteWriter(8).u32le(size).u32le(second).finish();
}
/** Reads the size of a PREPARE_DATA (device's 8-byte form or a client's 4-byte upload form, §7.8). */
export function parsePrepareData(payload: Uint8Array): { size: number; second: number } {
  need(payload, 4, "PREPARE_DATA");
  const r = new ByteReader(payload);
  return { size: r.u32le(), second: payload.length >= 8 ? r.u32le() : 0 };
}

/** CMD_OPTIONS_RRQ 11: `"Name\0"` (§5.2). */
export function optionReadPayload(name: string): Uint8Array {
  return textEncoder.encode(`${name}\0`);
}
/** The option name of a read request, with or without the trailing NUL (zkteco-js omits it). */
export function parseOptionRead(payload: Uint8Array): string {
  return decodeFixed(payload);
}
/** `"Name=Value\0"`: the reply to 11 and the payload of 12; splits at the first `=`. */
export function parseOptionReply(payload: Uint8Array): { name: string; value: string } {
  const text = decodeFixed(payload);
  const eq = text.indexOf("=");
  if (eq < 0) throw new ZkProtocolError(`Option reply without '=': "${text}"`);
  return { name: text.slice(0, eq), value: text.slice(eq + 1) };
}
/** Same shape as an option reply; alias for the simulator reading CMD_OPTIONS_WRQ. */
export const parseOptionWrite = parseOptionReply;
/** CMD_OPTIONS_WRQ 12 and the device's reply to 11: `"Name=Value\0"`. */
export function optionWritePayload(name: string, value: string): Uint8Array {
  return textEncoder.encode(`${name}=${value}\0`);
}

/** CMD_DELETE_USER 18: u16 uid (§8.9). */
export function deleteUserPayload(uid: number): Uint8Array {
  return new ByteWriter(2).u16le(uid).finish();
}
/** The uid of a delete request; extra bytes after it are ignored (zkteco-js sends 72). */
export function parseDeleteUser(payload: Uint8Array): number {
  need(payload, 2, "DELETE_USER");
  return new ByteReader(payload).u16le();
}

/** Finger indexes are 0-9 (§10); anything else would address a slot the device does not have. */
function fingerIndex(finger: number): number {
  if (!Number.isInteger(finger) || finger < 0 || finger > 9) throw new ZkInvalidInputError(`Finger index must be 0-9, got ${finger}`);
  return finger;
}

/** u16 uid + u8 finger: _CMD_GET_USERTEMP 88 and CMD_DELETE_USERTEMP 19 (§10.2, §10.3). */
export function userTempPayload(uid: number, finger: number): Uint8Array {
  return new ByteWriter(3).u16le(uid).u8(fingerIndex(finger)).finish();
}
export function parseUserTemp(payload: Uint8Array): { uid: number; finger: number } {
  need(payload, 3, "user template");
  const r = new ByteReader(payload);
  return { uid: r.u16le(), finger: r.u8() };
}

/** _CMD_DEL_USER_TEMP 134: 24-byte user_id + u8 finger (§10.3). */
export function delUserTempByIdPayload(userId: string, finger: number): Uint8Array {
  return new ByteWriter(25).fixedText(userId, 24).u8(fingerIndex(finger)).finish();
}

/** CMD_STARTENROLL 61: TCP `<24s b b>` (user_id, finger, flag 1); UDP `<I b>` (numeric user_id, finger) (§10.6). */
export function startEnrollPayload(userId: string, finger: number, transport: "tcp" | "udp"): Uint8Array {
  fingerIndex(finger);
  if (transport === "tcp") return new ByteWriter(26).bytes(encodeFixed(userId, 24)).u8(finger).u8(1).finish();
  if (!/^\d{1,10}$/.test(userId) || Number(userId) > 0xffffffff) {
    throw new ZkInvalidInputError(`user_id '${userId}' must be numeric to enroll over UDP`);
  }
  return new ByteWriter(5).u32le(Number(userId)).u8(finger).finish();
}
export function parseStartEnroll(payload: Uint8Array): { userId: string; finger: number } {
  if (payload.length >= 25) return { userId: decodeFixed(payload.subarray(0, 24)), finger: payload[24]! };
  need(payload, 5, "STARTENROLL");
  const r = new ByteReader(payload);
  return { userId: String(r.u32le()), finger: r.u8() };
}

/** CMD_REG_EVENT 500: u32 event mask (§11.1). */
export function regEventPayload(mask: number): Uint8Array {
  return u32Payload(mask);
}

/** A bare u32: unlock, test voice, set time, disable timeout, upload size. */
export function u32Payload(n: number): Uint8Array {
  return new ByteWriter(4).u32le(n).finish();
}
/** The leading u32 of a payload (extra bytes ignored, §14 item 11). */
export function parseU32(payload: Uint8Array): number {
  need(payload, 4, "u32");
  return new ByteReader(payload).u32le();
}

/** _CMD_SAVE_USERTEMPS 110: u32 12, u16 0, u16 8 (§10.4). */
export function saveUserTempsPayload(): Uint8Array {
  return Uint8Array.of(0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00);
}

/** CMD_GET_PINWIDTH 69: pyzk's `" P"` (§5.3). */
export function pinWidthPayload(): Uint8Array {
  return Uint8Array.of(0x20, 0x50);
}

/** GET_VERSION reply: NUL-terminated text (§5.1). */
export function parseVersion(payload: Uint8Array): string {
  return decodeFixed(payload);
}
