// After DELETE_USER: the user's templates the terminal kept are deleted; the ones it removed itself are not sent again.
import type { ZkSession, ZkTemplate } from "../zk/types";
import { codeOf } from "./commit";

/** Who removed the deleted user's templates: nobody had to, the terminal with DELETE_USER, or us one by one. */
export type TemplateCleanup = "none" | "terminal" | "explicit";

/**
 * Firmware differs on whether DELETE_USER also drops the user's templates (docs/protocol.md §8.9, §17), and a template
 * left behind would be inherited by the next user given this uid. So it is observed, not assumed: with two or more
 * templates, one GET_FREE_SIZES (1 packet instead of one DELETE_USERTEMP each) — a template count lower by exactly
 * the templates we saw means the terminal removed them (it is disabled by us: nobody else changes the count). Any
 * other count, or no count from before, and each is deleted (ACK_ERROR = already gone, fine). One template is
 * simply deleted: that costs what looking would.
 */
export async function dropTemplates(session: ZkSession, uid: number, templates: readonly ZkTemplate[], fingersBefore?: number): Promise<TemplateCleanup> {
  if (templates.length === 0) return "none";
  if (templates.length > 1 && fingersBefore !== undefined) {
    const after = await session.freeSizes();
    if (after.fingers === fingersBefore - templates.length) return "terminal";
  }
  for (const t of templates) {
    try {
      await session.deleteTemplate(uid, t.finger);
    } catch (err) {
      if (codeOf(err) !== "DEVICE_REJECTED") throw err;
    }
  }
  return "explicit";
}
