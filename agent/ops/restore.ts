// users.restore: puts a deleted user back from the snapshot users.delete took — same record bytes, same fingers.
import { CodedError } from "../../shared/errors";
import type { UserSnapshot } from "../../shared/ops";
import type { ZkSession, ZkTemplate } from "../zk/types";
import { checkStillWanted, refusedOutright, rereadUsers } from "./commit";
import { withDisabled } from "./guard";
import { fromBase64, toUser } from "./map";
import { readUserTemplates } from "./templates";
import type { OpContext, OpHandler } from "./types";
import { decodeRecord } from "./user-record";
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
 * byte for byte at its own uid. If the badge number or the uid is held by anyone now, the restore refuses with
 * RESTORE_CONFLICT (and who holds it) and changes nothing: a restore never overwrites.
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
    // Never over anyone: whoever holds the user_id or the uid now (a later edit, a new hire given the same badge
    // number) stays as they are, and the caller learns who it is. The one exception is the very record, with every
    // finger, already back (a retry after a lost answer): nothing to write.
    const blocker = users.find((u) => u.userId === original.userId) ?? users.find((u) => u.uid === original.uid);
    if (blocker) {
      if (blocker.uid === original.uid && sameBytes(blocker.raw, record) && (await hasFingers(session, blocker.uid, templates))) {
        return { user: toUser(blocker), fingers: templates.length };
      }
      const held = toUser(blocker);
      throw new CodedError("RESTORE_CONFLICT", `User '${original.userId}' not restored: held by uid ${held.uid} (user_id '${held.user_id}')`, {
        held_by: { uid: held.uid, user_id: held.user_id, name: held.name },
      });
    }
    const uid = original.uid;
    const raw = record;
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

/** The terminal holds exactly these fingers for `uid` (same finger numbers, same template bytes). */
async function hasFingers(session: ZkSession, uid: number, templates: ReadonlyArray<Omit<ZkTemplate, "uid">>): Promise<boolean> {
  const there = await readUserTemplates(session, uid);
  if (there.length !== templates.length) return false;
  return templates.every((t) => there.some((x) => x.finger === t.finger && sameBytes(x.template, t.template)));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
