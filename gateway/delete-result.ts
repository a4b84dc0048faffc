// The durable result of users.delete: the undo snapshot stored once per delete, and a late outcome made visible.
import { message, type Lang } from "../shared/messages";
import { completeAudit } from "./db/audit";
import { insertSnapshot } from "./db/snapshots";
import type { Env } from "./env";
import type { DurableContext, RelayOutcome } from "./relay/contract";
import { checkSnapshot } from "./snapshot-check";

/** The seed's 200 body of a delete, in `lang` (what an Idempotency-Key retry replays once the delete is known). */
export function deletedBody(lang: Lang, userId: string): string {
  return JSON.stringify({ success: true, message: message(lang, "USER_DELETED", { user_id: userId }) });
}

/**
 * A success (or a failure whose outcome the agent could not learn, with the snapshot it took first) stores the
 * snapshot, checked against the request, keyed by the request id. When late, the caller's audit row gets the
 * real outcome and its Idempotency-Key the real answer. See DurableApplier.
 */
export async function applyDeleteResult(env: Env, ctx: DurableContext, outcome: RelayOutcome, late: boolean, requestId: string): Promise<void> {
  const userId = typeof ctx.args.user_id === "string" ? ctx.args.user_id : "";
  const where = `[durable ${ctx.siteId}] users.delete on device ${ctx.deviceId} for user_id ${userId}`;
  const unknown = !outcome.ok && outcome.error.details?.outcome === "unknown";
  if (!outcome.ok && !unknown) {
    if (late) console.warn(`${where}: the agent answered ${outcome.error.code.slice(0, 64)} after the caller's answer`);
    return;
  }
  const carried = outcome.ok ? (outcome.result as { snapshot?: unknown } | null)?.snapshot : outcome.error.details?.snapshot;
  const checked = checkSnapshot(carried, userId);
  if (!checked.ok) {
    console.error(`${where}: snapshot refused (${checked.reason}); NOT kept`);
    return;
  }
  const snapshotId = await insertSnapshot(env.DB, {
    deviceId: ctx.deviceId,
    deviceCreatedAt: ctx.deviceCreatedAt,
    userId,
    snapshot: checked.snapshot,
    deletedBy: ctx.keyId,
    now: new Date().toISOString(),
    requestId,
  });
  if (snapshotId === null) console.error(`${where}: the device left the registry meanwhile; snapshot not kept`);
  if (!late || !outcome.ok) return;
  console.warn(`${where}: the user was deleted after the caller's answer; snapshot ${snapshotId ?? "not"} saved`);
  if (ctx.audit) {
    const detail = snapshotId === null ? { snapshot_saved: false, late: true } : { snapshot_id: snapshotId, late: true };
    await completeAudit(env.DB, {
      ...ctx.audit,
      at: new Date(ctx.at).toISOString(),
      status: 200,
      result: "ok",
      before_state: JSON.stringify(checked.snapshot.user),
      detail: JSON.stringify(detail),
      relay_id: requestId,
    });
  }
  if (ctx.replay) {
    const r = ctx.replay;
    // Only over this very request's claim (same fingerprint): a key since reused for something else is left alone.
    await env.DB.prepare(
      `INSERT INTO idempotency (key_id, idem_key, fingerprint, state, status, body, content_language, created_at)
       VALUES (?, ?, ?, 'done', ?, ?, ?, ?)
       ON CONFLICT (key_id, idem_key) DO UPDATE SET state = 'done', status = excluded.status, body = excluded.body,
         content_language = excluded.content_language
       WHERE idempotency.fingerprint = excluded.fingerprint`,
    )
      .bind(r.keyId, r.idemKey, r.fingerprint, r.status, r.body, r.contentLanguage, ctx.at)
      .run();
  }
}
