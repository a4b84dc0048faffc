// users.delete — the seed's flow, plus a snapshot (record + templates) taken first so the gateway can undo it.
import { isErrorCode, CodedError } from "../../shared/errors";
import type { UserSnapshot } from "../../shared/ops";
import type { ZkSession, ZkTemplate, ZkUser } from "../zk/types";
import { deferRefresh, leavesSessionUsable } from "../devices/session-handle";
import { checkStillWanted, codeOf, refusedOutright, rereadUsers } from "./commit";
import { findUser, withDisabled } from "./guard";
import { toBase64, toUser } from "./map";
import { dropTemplates } from "./template-cleanup";
import { readUserTemplates } from "./templates";
import type { OpContext, OpHandler, OpInput } from "./types";

/**
 * The seed's steps (docs/http-api.md §1): the terminal's lock is held by the worker and the session opened by it; here:
 * disable → read users → find by user_id (USER_NOT_FOUND) → read that user's templates → delete_user(uid) →
 * refresh → enable (always, in `finally`). The worker closes the session once nobody else waits.
 *
 * DELETE_USER is the commit point: before it nothing changed, so any failure leaves the user fully present (and a
 * request the gateway gave up on stops there). If DELETE_USER itself fails without the terminal saying no, the
 * outcome is unknown and the user table is read again to learn it (see settleUnknown). After it the user is
 * gone, so later failures (template clean-up, refresh, enable) are logged, never reported — an error answer would
 * make the gateway drop the snapshot of a user that really was deleted.
 */
export const deleteUser: OpHandler<"users.delete"> = (session, args, ctx) =>
  withDisabled(session, async () => {
    // One GET_FREE_SIZES serves the user read, the choice of template read and the clean-up check after.
    const sizes = await session.freeSizes();
    const user = findUser(await session.getUsers({ users: sizes.users }), args.user_id);
    const templates = await readUserTemplates(session, user.uid, { ...sizes, burst: 1 + (ctx.queuedWrites?.() ?? 0) });
    const snapshot: UserSnapshot = {
      format: user.format,
      record: toBase64(user.raw),
      user: toUser(user),
      templates: templates.map((t) => ({ finger: t.finger, flag: t.flag, template: toBase64(t.template) })),
    };
    checkStillWanted(ctx, "DELETE_USER");
    await writeAhead(ctx, { user: snapshot.user, snapshot });
    let after = session;
    try {
      await session.deleteUser(user.uid);
    } catch (err) {
      after = await settleUnknown(err, session, user, snapshot, args, ctx);
    }
    await afterCommit(after, user.uid, templates, ctx, after === session ? sizes.fingers : undefined);
    return { user: snapshot.user, snapshot };
  });

/**
 * Write-ahead: the snapshot is on disk (the agent's outbox) before DELETE_USER is sent, so a crash, a SIGTERM or a
 * dropped link after it cannot lose it. If it cannot be written, nothing is deleted.
 */
async function writeAhead(ctx: OpContext, result: unknown): Promise<void> {
  if (!ctx.writeAhead) return;
  try {
    await ctx.writeAhead(result);
  } catch (err) {
    ctx.logger.error("could not write the snapshot to the outbox; the user is not deleted", { error: err });
    throw new CodedError("INTERNAL", "could not persist the undo snapshot before deleting; nothing was changed");
  }
}

/**
 * DELETE_USER failed. DEVICE_REJECTED is the terminal's "no" (see refusedOutright): nothing changed. Anything else
 * (timeout, reset, the REFRESHDATA the client sends with it) may have come after the terminal applied it, so the
 * users are read again: gone → the delete happened, carry on (on the session returned); still there → the original
 * error; unknown → the original code, with the snapshot in the details so the gateway can keep it.
 */
async function settleUnknown(
  err: unknown,
  session: ZkSession,
  user: ZkUser,
  snapshot: UserSnapshot,
  args: OpInput<"users.delete">,
  ctx: OpContext,
): Promise<ZkSession> {
  if (refusedOutright(err)) throw err;
  const reread = await rereadUsers(session, ctx);
  if (!reread) {
    const code = codeOf(err);
    const why = err instanceof Error ? err.message : String(err);
    throw new CodedError(isErrorCode(code) ? code : "INTERNAL", `${why} (whether user '${args.user_id}' was deleted is unknown)`, {
      user_id: args.user_id,
      outcome: "unknown",
      snapshot,
    });
  }
  if (reread.users.some((u) => u.uid === user.uid)) throw err;
  ctx.logger.warn("DELETE_USER's answer was lost, but the user is gone: reporting the delete", { uid: user.uid, error: err });
  return reread.session;
}

/** The templates the terminal kept are deleted (template-cleanup.ts), then one REFRESHDATA (docs/protocol.md §8.10) — now or at the burst's end. */
async function afterCommit(session: ZkSession, uid: number, templates: readonly ZkTemplate[], ctx: OpContext, fingersBefore?: number): Promise<void> {
  try {
    await dropTemplates(session, uid, templates, fingersBefore);
    // In a burst of queued writes the terminal stays disabled between them: one REFRESHDATA before its ENABLE serves all.
    if (!((ctx.queuedWrites?.() ?? 0) > 0 && deferRefresh(session))) await session.refreshData();
  } catch (err) {
    ctx.logger.warn("user deleted, but the clean-up after it failed", {
      uid,
      error: err,
      session_usable: leavesSessionUsable(err),
    });
  }
}
