// Writing a user so that it lands as sent: the record size the terminal really uses, and a read-back that proves it.
import { CodedError } from "../../shared/errors";
import type { ZkSession, ZkUser } from "../zk/types";
import { userFormatFromOptions, type UserFormat } from "../zk/codec/user";
import type { OpContext } from "./types";
import { decodeRecord } from "./user-record";

/** The record size to write in, and how sure we are: measured on the table, announced by the terminal, or guessed. */
export interface FormatChoice {
  format: UserFormat;
  source: "table" | "options" | "guess";
}

/**
 * The terminal's user record size. Its own users measure it (docs/protocol.md §8.7); an empty terminal is asked about
 * itself (`~Platform`, `~UserExtFmt`: codec userFormatFromOptions); a terminal that says nothing gets pyzk's
 * guess from the transport (72 over TCP, 28 over UDP, §8.8) — which is only a guess: writeUserVerified checks it.
 */
export async function chooseUserFormat(session: ZkSession, users: readonly ZkUser[]): Promise<FormatChoice> {
  const measured = users[0]?.format ?? session.userFormat;
  if (measured !== undefined) return { format: measured, source: "table" };
  if (session.readOption) {
    const platform = await session.readOption("~Platform");
    const userExtFmt = await session.readOption("~UserExtFmt");
    const announced = userFormatFromOptions({ platform, userExtFmt });
    if (announced !== undefined) return { format: announced, source: "options" };
  }
  return { format: session.transport === "tcp" ? 72 : 28, source: "guess" };
}

/**
 * The first record to write. With a guessed size, a user the guess cannot hold (a name too long for 28 bytes, a
 * letter in a user_id) is tried in the other size: the read-back settles which one the terminal keeps, and refuses
 * the user there if it does not fit. Measured or announced sizes are trusted: their limits are the terminal's.
 */
export function firstRecord(choice: FormatChoice, build: (format: UserFormat) => Uint8Array): Uint8Array {
  try {
    return build(choice.format);
  } catch (err) {
    if (choice.source !== "guess") throw err;
    try {
      return build(choice.format === 72 ? 28 : 72);
    } catch {
      throw err;
    }
  }
}

export interface VerifiedWrite {
  /** The record to write. */
  record: Uint8Array;
  /** The badge number, for messages. */
  userId: string;
  /** Re-encodes the same user in the other record size; given when the size was not measured on the table. */
  rebuild?: (format: UserFormat) => Uint8Array;
  /** The record the uid held before (an update): written back if the new one does not land. Absent: the uid was free. */
  previous?: Uint8Array;
}

/**
 * USER_WRQ, REFRESHDATA, then the user table read back: the user at that uid must show every field as sent. A
 * terminal with the other record size reads our bytes in its own layout (a 28-byte record read as 72 bytes loses
 * the user_id; a 72-byte one read as 28 turns part of the name into the card number), and the table read back
 * shows its real size: the user is then written again in that size over the same uid (both layouts keep the uid
 * in bytes 0-1). Whatever does not land as sent is undone (the previous record written back, or the new uid
 * deleted) and reported as DEVICE_REJECTED — never as success. Returns the user as the terminal now has it.
 */
export async function writeUserVerified(session: ZkSession, w: VerifiedWrite, ctx: OpContext): Promise<ZkUser> {
  let record = w.record;
  const uid = record[0]! | (record[1]! << 8);
  let landed = await writeAndReadBack(session, record, uid);
  if (landed && sameUser(landed, record, session.encoding)) return landed;
  if (landed && landed.format !== record.length && w.rebuild) {
    ctx.logger.warn("the terminal keeps user records of another size than guessed: writing the user again in its size", {
      uid,
      sent: record.length,
      terminal: landed.format,
    });
    try {
      record = w.rebuild(landed.format);
    } catch (err) {
      // The user cannot be put in this terminal's format (a non-numeric user_id on 28-byte firmware).
      await undo(session, w, uid, ctx);
      throw err;
    }
    landed = await writeAndReadBack(session, record, uid);
    if (landed && sameUser(landed, record, session.encoding)) return landed;
  }
  const undone = await undo(session, w, uid, ctx);
  const seen = landed ? `it holds user_id '${landed.userId}', name '${landed.name}'` : "the user is not in its table";
  throw new CodedError(
    "DEVICE_REJECTED",
    `The terminal did not store user '${w.userId}' as sent (${seen}); ${undone ? "the write was undone" : "undoing the write failed"}`,
    { user_id: w.userId, uid, outcome: undone ? "undone" : "not-stored" },
  );
}

/**
 * After a restore's batch upload (docs/protocol.md §10.4): the record must read back as the snapshot had it. A terminal
 * of the other record size cannot parse the batch's user entries; if it stored something anyway, that is removed
 * and the restore reported as not done (the snapshot stays with the caller), never as done.
 */
export async function verifyRestored(session: ZkSession, record: Uint8Array, userId: string, ctx: OpContext, previous?: Uint8Array): Promise<ZkUser> {
  const uid = record[0]! | (record[1]! << 8);
  const landed = (await session.getUsers()).find((u) => u.uid === uid);
  if (landed && sameUser(landed, record, session.encoding)) return landed;
  // `previous`: the uid held this record before (a copy over the same person) and gets it back; else it is deleted.
  const undone = await undo(session, { record, userId, previous }, uid, ctx);
  throw new CodedError(
    "DEVICE_REJECTED",
    `The terminal did not store user '${userId}' as the snapshot has it (${record.length}-byte record${landed ? `; it holds ${landed.format}-byte records` : ""}); ${undone ? "the upload was undone" : "undoing the upload failed"}`,
    { user_id: userId, uid, outcome: undone ? "undone" : "not-stored" },
  );
}

async function writeAndReadBack(session: ZkSession, record: Uint8Array, uid: number): Promise<ZkUser | undefined> {
  await session.setUserRaw(record);
  await session.refreshData();
  return (await session.getUsers()).find((u) => u.uid === uid);
}

/** Puts the uid back as it was; false when that failed too (logged). */
async function undo(session: ZkSession, w: VerifiedWrite, uid: number, ctx: OpContext): Promise<boolean> {
  try {
    if (w.previous) await session.setUserRaw(w.previous);
    else await session.deleteUser(uid);
    await session.refreshData();
    return true;
  } catch (err) {
    ctx.logger.warn("a user record that did not land as sent could not be undone", { uid, error: err });
    return false;
  }
}

/** Every field the API shows or writes, as the terminal decodes it: raw bytes may differ where firmware normalises. */
function sameUser(landed: ZkUser, record: Uint8Array, encoding?: string): boolean {
  if (landed.format !== record.length) return false;
  const sent = decodeRecord(record, encoding);
  return (
    landed.userId === sent.userId &&
    landed.name === sent.name &&
    landed.privilege === sent.privilege &&
    landed.password === sent.password &&
    landed.card === sent.card &&
    landed.group === sent.group &&
    landed.groupId === sent.groupId
  );
}
