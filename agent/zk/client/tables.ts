// Table reads of a session: users, attendance, templates via bulk reads, and the single-template read (docs/protocol.md §8–§10).
import * as c from "../codec";
import type { DecodedPacket } from "../codec";
import { ZkProtocolError, ZkRejectedError } from "../errors";
import type { ZkAttendance, ZkTemplate, ZkUser } from "../types";
import { bulkRead, receiveData, type BulkReadOptions } from "./bulk-read";
import type { Exchange, ZkConnection } from "./connection";
import { attendanceStream, userStream } from "./table-stream";

const { CMD, REPLY } = c;

/**
 * A single template's data is at most 64 KiB: a table entry's u16 size field caps a template below that (§10.1),
 * and the single read adds one trailing byte (§10.2). The device's PREPARE_DATA size beyond that is refused.
 */
export const MAX_TEMPLATE_BYTES = 64 * 1024;

/**
 * Ceiling on a table buffer whose free-sizes count is `count`: twice the count plus 1024 records of `recordMax`
 * bytes, as slack for records added between GET_FREE_SIZES and the read. Only a sanity check against an absurd size
 * announced by the device (bulk-read's MAX_TABLE_BYTES applies as well).
 */
function plausibleBytes(count: number, recordMax: number): number {
  return 4 + (2 * count + 1024) * recordMax;
}

/** All users; `count` from GET_FREE_SIZES sets the record size (§8.7) and 0 skips the read. Decoded as chunks arrive. */
export async function readUsers(conn: ZkConnection, count: number, opts: BulkReadOptions & { encoding?: string }): Promise<ZkUser[]> {
  if (count === 0) return [];
  const stream = userStream(count, opts.encoding);
  const limit = { ...opts, maxBytes: plausibleBytes(count, 72) };
  const buffer = await bulkRead(conn, CMD.userTempRrq, c.FCT.user, 0, limit, (b, filled) => stream.progress(b, filled));
  return stream.finish(buffer);
}

/** All attendance records; `count` from GET_FREE_SIZES picks 8/16/40 (§9.1) and 0 skips the read. Decoded as chunks arrive. */
export async function readAttendance(conn: ZkConnection, count: number, opts: BulkReadOptions): Promise<ZkAttendance[]> {
  if (count === 0) return [];
  const stream = attendanceStream(count);
  // 64 bytes per record with the slack above still admits records of up to 128 bytes (49 are known, §9.1).
  const limit = { ...opts, maxBytes: plausibleBytes(count, 64) };
  const buffer = await bulkRead(conn, CMD.attLogRrq, 0, 0, limit, (b, filled) => stream.progress(b, filled));
  return stream.finish(buffer);
}

export interface ZkAttendanceReadOptions {
  /**
   * Fill the uid of records that carry only a user_id (16-byte ZK6 format) from the user table (default true). That
   * costs a read of the whole user table; `false` leaves their uid 0. A missing user_id (8-byte format) is always filled.
   */
  resolveUids?: boolean;
}

/**
 * 8-byte records carry only the uid and 16-byte ones only the user_id: fill the other from the users (§9.3).
 * `uids: false`: only a missing user_id counts (the uid of 16-byte records may stay 0).
 */
export function needsUserMap(records: ZkAttendance[], uids = true): boolean {
  return records.some((r) => r.userId === "" || (uids && r.uid === 0));
}

/**
 * Fills what the users can tell. A uid no user has (a deleted person's punches stay in the log) keeps user_id "":
 * the uid is a slot number, not a badge number, and showing it as one would invent a person (the API shows
 * user_id strings and maps "" to "" as well).
 */
export function fillIdentifiers(records: ZkAttendance[], users: ZkUser[]): void {
  const byUid = new Map(users.map((u) => [u.uid, u.userId]));
  const byUserId = new Map(users.map((u) => [u.userId, u.uid]));
  for (const r of records) {
    if (r.userId === "") r.userId = byUid.get(r.uid) ?? "";
    if (r.uid === 0 && r.userId !== "") r.uid = byUserId.get(r.userId) ?? 0;
  }
}

/** All templates; 0 fingers skips the read (§10.1). */
export async function readTemplates(conn: ZkConnection, count: number, opts: BulkReadOptions): Promise<ZkTemplate[]> {
  if (count === 0) return [];
  // 16 KiB per counted finger (templates are 0.5-1.6 KB, §10) with the slack of plausibleBytes.
  const limit = { ...opts, maxBytes: plausibleBytes(count, 16 * 1024) };
  return c.decodeTemplateTable(c.tableBody(await bulkRead(conn, CMD.dbRrq, c.FCT.fingerTmp, 0, limit)));
}

/** _CMD_GET_USERTEMP 88: direct DATA, PREPARE_DATA + DATA + ACK_OK, or ACK_ERROR when the finger is empty (§10.2). */
export async function readSingleTemplate(conn: ZkConnection, uid: number, finger: number): Promise<ZkTemplate | undefined> {
  const reply = await conn.exchange(CMD.getUserTemp, c.userTempPayload(uid, finger));
  return templateAnswer(conn, conn.currentExchange, reply, uid, finger);
}

/** The rest of one GET_USERTEMP answer after its first packet `reply`, on exchange `ex` (pipelined reads name theirs). */
export async function templateAnswer(conn: ZkConnection, ex: Exchange | undefined, reply: DecodedPacket, uid: number, finger: number): Promise<ZkTemplate | undefined> {
  let data: Uint8Array;
  if (reply.command === CMD.data) data = reply.payload;
  else if (reply.command === CMD.prepareData) data = await receiveData(conn, c.parsePrepareData(reply.payload).size, MAX_TEMPLATE_BYTES, ex);
  else if (reply.command === REPLY.ackError) return undefined;
  else throw new ZkRejectedError(CMD.getUserTemp, reply.command);
  if (data.length > MAX_TEMPLATE_BYTES) throw new ZkProtocolError(`Template of ${data.length} bytes is larger than any template`);
  // The single read carries no flag; a template the device hands out is a valid one.
  return { uid, finger, flag: 1, template: c.stripSingleTemplate(data) };
}
