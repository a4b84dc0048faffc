// Offboarding a person: a delete with snapshot on every device in scope, recorded under an id, offline sites queued on request.
import type { Context } from "hono";
import { coded, CodedError } from "../../shared/errors";
import { UserId } from "../../shared/ops";
import { noteAudit } from "../audit";
import { fanOutDeadline, mapSettled } from "../fan-out";
import type { AppEnv } from "../http/app-env";
import { validParam, validQuery } from "../http/body";
import { fail, ok } from "../http/envelope";
import { keepOutOfReplay } from "../idempotency";
import { relayBudgetMs } from "../relay/call-agent";
import { OffboardQuery } from "../schemas";
import { offboardOne, RETRYABLE_STATUSES, sweepOldSnapshots, type Outcome } from "../user-delete";
import { devicesInScope } from "./scope";
import { insertOffboarding, newOffboardingId, updateOffboardingDevices } from "./store";

/** Where a device's delete may end: the user is gone from it, or was never there. Anything else is not final. */
export const FINAL = new Set(["deleted", "not_found"]);

/**
 * DELETE /users/{user_id}?sites=&devices=&queue=. A key that sees more than one site must name its scope (400
 * otherwise, naming the sites). The offboarding is stored first, then the devices are handled a few at a time
 * (fan-out.ts), each as a full delete with snapshot; with queue=true a device whose site's agent is offline is
 * queued and deleted when that agent connects again (queued.ts). The answer lists every device as before, with the
 * offboarding's id: success only when every device is final, else 207 OFFBOARDING_INCOMPLETE with the same data.
 */
export async function offboard(c: Context<AppEnv>): Promise<Response> {
  const userId = validParam(c, "user_id", UserId);
  const query = validQuery(c, OffboardQuery);
  const targets = await devicesInScope(c, query, { explicit: true });
  const id = newOffboardingId();
  const now = () => new Date().toISOString();
  await insertOffboarding(c.env.DB, { id, userId, keyId: c.get("principal").keyId, now: now(), devices: targets.map((d) => ({ id: d.id, site: d.site_id })) });
  c.set("deadline", fanOutDeadline(targets.map((d) => relayBudgetMs("users.delete", d.timeout))));
  // offboardOne never throws, so every result is fulfilled.
  const settled = await mapSettled(targets, (d) => offboardOne(c, d, userId));
  const outcomes = settled.map((s) => (s as PromiseFulfilledResult<Outcome>).value);
  const results: { device: string; status: string; error?: string }[] = outcomes.map((o) =>
    query.queue && o.result.status === "agent_offline" ? { device: o.result.device, status: "queued" } : o.result,
  );
  await updateOffboardingDevices(
    c.env.DB,
    id,
    outcomes.map((o, i) => ({ device: o.result.device, status: results[i]!.status, error: results[i]!.status === "queued" ? undefined : o.err, snapshotId: o.snapshotId })),
    now(),
  );
  // Each deletion is audited like a single delete (one row per device), with the offboarding it belongs to.
  noteAudit(c, { parts: outcomes.map((o, i) => ({ ...o.audit, detail: { ...(o.audit.detail as object | undefined), offboarding_id: id, ...(results[i]!.status === "queued" ? { queued: true } : {}) } })) });
  // A device that may answer next time makes the answer not final: an Idempotency-Key retry really retries.
  if (results.some((r) => RETRYABLE_STATUSES.has(r.status as never))) keepOutOfReplay(c);
  if (outcomes.some((o) => o.result.status === "deleted")) sweepOldSnapshots(c);
  const data = { offboarding_id: id, user_id: userId, results };
  if (results.every((r) => FINAL.has(r.status))) return ok(c, data);
  const onlyQueued = results.every((r) => FINAL.has(r.status) || r.status === "queued");
  return fail(c, incomplete(userId, data, onlyQueued ? "OFFBOARDING_QUEUED" : "OFFBOARDING_INCOMPLETE"));
}

/** 207 OFFBOARDING_INCOMPLETE (or one of its variants) carrying the per-device data as a success would. */
export function incomplete(userId: string, data: Record<string, unknown>, key: "OFFBOARDING_INCOMPLETE" | "OFFBOARDING_QUEUED" | "UNDO_INCOMPLETE" | "COPY_INCOMPLETE"): CodedError {
  const params = { user_id: userId, offboarding_id: typeof data.offboarding_id === "string" ? data.offboarding_id : undefined };
  return coded("OFFBOARDING_INCOMPLETE", params, { data }, key);
}
