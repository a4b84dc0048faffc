// users.restore: puts a deleted user back from the snapshot users.delete took — same record bytes, same fingers.
import { CodedError } from "../../shared/errors";
import type { UserSnapshot } from "../../shared/ops";
import type { ZkSession, ZkTemplate } from "../zk/types";
import { checkStillWanted, refusedOutright, rereadUsers } from "./commit";
import { freeUid, withDisabled } from "./guard";
import { fromBase64, toUser } from "./map";
import { readUserTemplates } from "./templates";
import type { OpContext, OpHandler } from "./types";
import { decodeRecord, withUid } from "./user-record";
import { verifyRestored } from "./user-write";

function invalid(message: string): CodedError {
  return new CodedError("VALIDATION_FAILED", message, { field: "snapshot" });
}

/** The snapshot's bytes, checked against each other before anything is sent to the terminal. */
function decodeSnapshot(s: UserSnapshot): { record: Uint8Array; templates: Array<Omit<ZkTemplate, "uid">> } {
  const record = fromBase64(s.record);
  if (!record || record.length !== s.format) throw invalid(`snapshot record is not ${s.format} bytes of base64`);
  const templates = s.templates.map((t) => {
    const template = fromBase64(t.template);
    if (!template || template.length === 0) throw invalid(`snapshot template of finger ${t.finger} is not base64`);
    return { finger: t.finger, flag: t.flag, template };
  });
  if (new Set(templates.map((t) => t.finger)).size !== templates.length) throw invalid("snapshot lists a finger twice");
  return { record, templates };
}

/**
 * Writes record and templates in one batch upload (docs/protocol.md §10.4), then REFRESHDATA. The record goes back
 * byte for byte; only its uid changes when someone else got that uid meanwhile. If the badge number now exists
 * under another uid (re-created by hand), the restore refuses with USER_EXISTS rather than make a duplicate.
 */
export const restoreUser: OpHandler<"users.restore"> = (session, args, ctx) => {
  const snap = args.snapshot;
  const { record, templates } = decodeSnapshot(snap);
  const original = decodeRecord(record);
  if (original.userId !== snap.user.user_id) throw invalid("snapshot record and user disagree on user_id");
  return withDisabled(session, async () => {
    const users = await session.getUsers();
    const format = users[0]?.format ?? session.userFormat;
    if (format !== undefined && format !== snap.format) {
      throw invalid(`snapshot holds a ${snap.format}-byte record; this terminal uses ${format}-byte records`);
    }
    const same = users.find((u) => u.userId === original.userId);
    if (same && same.uid !== original.uid) {
      throw new CodedError("USER_EXISTS", `User '${original.userId}' already exists (uid ${same.uid})`, { user_id: original.userId });
    }
    // `same` at the same uid: a retried restore, written over in place.
    const holder = users.find((u) => u.uid === original.uid);
    const uid = holder && holder.userId !== original.userId ? freeUid(users) : original.uid;
    const raw = uid === original.uid ? record : withUid(record, uid);
    const withUids = templates.map((t) => ({ ...t, uid }));
    checkStillWanted(ctx, "the user upload");
    let after = session;
    try {
      await session.saveUsersWithTemplates([raw], withUids);
    } catch (err) {
      after = await settleUnknown(err, session, raw, withUids, ctx);
    }
    await after.refreshData();
    return { user: toUser(await verifyRestored(after, raw, original.userId, ctx)), fingers: templates.length };
  });
};

/**
 * The upload failed without the terminal saying no (see refusedOutright): it may have been applied
 * before the answer was lost, so the table is read again. Fully there (record byte for byte, every finger) → the
 * restore happened; anything else → the original error, which is safe: nothing is lost (the gateway keeps the
 * snapshot) and a retry writes the same record over in place.
 */
async function settleUnknown(err: unknown, session: ZkSession, raw: Uint8Array, templates: readonly ZkTemplate[], ctx: OpContext): Promise<ZkSession> {
  if (refusedOutright(err)) throw err;
  const reread = await rereadUsers(session, ctx);
  const uid = raw[0]! | (raw[1]! << 8);
  const back = reread?.users.find((u) => u.uid === uid);
  if (!reread || !back || !sameBytes(back.raw, raw)) throw err;
  try {
    const fingers = new Set((await readUserTemplates(reread.session, uid)).map((t) => t.finger));
    if (!templates.every((t) => fingers.has(t.finger))) throw err;
  } catch {
    throw err;
  }
  ctx.logger.warn("the upload's answer was lost, but the user is back with every finger: reporting the restore", { uid, error: err });
  return reread.session;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
