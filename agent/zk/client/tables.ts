// Table reads of a session: users, attendance, templates via bulk reads, and the single-template read (zk-protocol §8–§10).
import * as c from "../codec";
import { ZkRejectedError } from "../errors";
import type { ZkAttendance, ZkTemplate, ZkUser } from "../types";
import { bulkRead, receiveData, type BulkReadOptions } from "./bulk-read";
import type { ZkConnection } from "./connection";
import { attendanceStream, userStream } from "./table-stream";

const { CMD, REPLY } = c;

/** All users; `count` from GET_FREE_SIZES sets the record size (§8.7) and 0 skips the read. Decoded as chunks arrive. */
export async function readUsers(conn: ZkConnection, count: number, opts: BulkReadOptions & { encoding?: string }): Promise<ZkUser[]> {
  if (count === 0) return [];
  const stream = userStream(count, opts.encoding);
  const buffer = await bulkRead(conn, CMD.userTempRrq, c.FCT.user, 0, opts, (b, filled) => stream.progress(b, filled));
  return stream.finish(buffer);
}

/** All attendance records; `count` from GET_FREE_SIZES picks 8/16/40 (§9.1) and 0 skips the read. Decoded as chunks arrive. */
export async function readAttendance(conn: ZkConnection, count: number, opts: BulkReadOptions): Promise<ZkAttendance[]> {
  if (count === 0) return [];
  const stream = attendanceStream(count);
  const buffer = await bulkRead(conn, CMD.attLogRrq, 0, 0, opts, (b, filled) => stream.progress(b, filled));
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
export function fillIdentifiers(records: ZkAttendance[], users: ZkUser[]): void {
  const byUid = new Map(users.map((u) => [u.uid, u.userId]));
  const byUserId = new Map(users.map((u) => [u.userId, u.uid]));
  for (const r of records) {
    if (r.userId === "") r.userId = byUid.get(r.uid) ?? String(r.uid);
    if (r.uid === 0) r.uid = byUserId.get(r.userId) ?? 0;
  }
}

/** All templates; 0 fingers skips the read (§10.1). */
export async function readTemplates(conn: ZkConnection, count: number, opts: BulkReadOptions): Promise<ZkTemplate[]> {
  if (count === 0) return [];
  return c.decodeTemplateTable(c.tableBody(await bulkRead(conn, CMD.dbRrq, c.FCT.fingerTmp, 0, opts)));
}

/** _CMD_GET_USERTEMP 88: direct DATA, PREPARE_DATA + DATA + ACK_OK, or ACK_ERROR when the finger is empty (§10.2). */
export async function readSingleTemplate(conn: ZkConnection, uid: number, finger: number): Promise<ZkTemplate | undefined> {
  const reply = await conn.exchange(CMD.getUserTemp, c.userTempPayload(uid, finger));
  let data: Uint8Array;
  if (reply.command === CMD.data) data = reply.payload;
  else if (reply.command === CMD.prepareData) data = await receiveData(conn, c.parsePrepareData(reply.payload).size);
  else if (reply.command === REPLY.ackError) return undefined;
  else throw new ZkRejectedError(CMD.getUserTemp, reply.command);
  // The single read carries no flag; a template the device hands out is a valid one.
  return { uid, finger, flag: 1, template: c.stripSingleTemplate(data) };
}
