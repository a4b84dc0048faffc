// users.delete — the seed's flow, plus a snapshot (record + templates) taken first so the gateway can undo it.
import type { UserSnapshot } from "../../shared/ops";
import type { ZkSession, ZkTemplate } from "../zk/types";
import { leavesSessionUsable } from "../devices/tracked-session";
import { findUser, withDisabled } from "./guard";
import { toBase64, toUser } from "./map";
import { readUserTemplates } from "./templates";
import type { OpContext, OpHandler } from "./types";

/**
 * The seed's steps (DESIGN §1): the terminal's lock is held by the worker and the session opened by it; here:
 * disable → read users → find by user_id (USER_NOT_FOUND) → read that user's templates → delete_user(uid) →
 * refresh → enable (always, in `finally`). The worker closes the session once nobody else waits.
 *
 * DELETE_USER is the commit point: before it nothing changed, so any failure leaves the user fully present;
 * after it the user is gone, so later failures (template clean-up, refresh, enable) are logged, never reported —
 * an error answer would make the gateway drop the snapshot of a user that really was deleted.
 */
export const deleteUser: OpHandler<"users.delete"> = (session, args, ctx) =>
  withDisabled(session, async () => {
    const user = findUser(await session.getUsers(), args.user_id);
    const templates = await readUserTemplates(session, user.uid);
    const snapshot: UserSnapshot = {
      format: user.format,
      record: toBase64(user.raw),
      user: toUser(user),
      templates: templates.map((t) => ({ finger: t.finger, flag: t.flag, template: toBase64(t.template) })),
    };
    await session.deleteUser(user.uid);
    await afterCommit(session, user.uid, templates, ctx);
    return { user: snapshot.user, snapshot };
  });

/**
 * Firmware differs on whether DELETE_USER also drops the user's templates (zk-protocol §8.9, §17); a template
 * left behind would be inherited by the next user given this uid, so the ones we saw are deleted explicitly
 * (ACK_ERROR = already gone, fine). Then REFRESHDATA (§8.10).
 */
async function afterCommit(session: ZkSession, uid: number, templates: readonly ZkTemplate[], ctx: OpContext): Promise<void> {
  try {
    for (const t of templates) {
      try {
        await session.deleteTemplate(uid, t.finger);
      } catch (err) {
        if ((err as { code?: unknown }).code !== "DEVICE_REJECTED") throw err;
      }
    }
    await session.refreshData();
  } catch (err) {
    ctx.logger.warn("user deleted, but the clean-up after it failed", {
      uid,
      error: err,
      session_usable: leavesSessionUsable(err),
    });
  }
}
