// DELETE /users/{user_id}: offboarding in one call, a delete on every device the key can see (or ?devices=).
import { Hono } from "hono";
import { UserId } from "../../shared/ops";
import { deviceNotFound } from "../auth/device-scope";
import { requireRole } from "../auth/roles";
import { noteAudit } from "../audit";
import { listDevices } from "../db/devices";
import { fanOutDeadline, mapSettled } from "../fan-out";
import { relayBudgetMs } from "../relay/call-agent";
import type { AppEnv } from "../http/app-env";
import { validParam, validQuery } from "../http/body";
import { ok } from "../http/envelope";
import { keepOutOfReplay } from "../idempotency";
import { OffboardQuery } from "../schemas";
import { offboardOne, RETRYABLE_STATUSES, sweepOldSnapshots, type Outcome } from "../user-delete";

export const offboarding = new Hono<AppEnv>().delete("/:user_id", requireRole("write"), async (c) => {
  const userId = validParam(c, "user_id", UserId);
  const { devices: listed } = validQuery(c, OffboardQuery);
  const visible = await listDevices(c.env.DB, c.get("principal").sites);
  let targets = visible;
  if (listed) {
    // Every listed id must be a device this key sees, before any device is touched.
    const byId = new Map(visible.map((d) => [d.id, d]));
    const unknown = listed.find((id) => !byId.has(id));
    if (unknown !== undefined) throw await deviceNotFound(c, unknown);
    targets = [...new Set(listed)].map((id) => byId.get(id)!);
  }
  c.set("deadline", fanOutDeadline(targets.map((d) => relayBudgetMs("users.delete", d.timeout))));
  // A few devices at a time (fan-out.ts); offboardOne never throws, so every result is fulfilled.
  const settled = await mapSettled(targets, (d) => offboardOne(c, d, userId));
  const outcomes = settled.map((s) => (s as PromiseFulfilledResult<Outcome>).value);
  // Each deletion is audited like a single delete (one row per device).
  noteAudit(c, { parts: outcomes.map((o) => o.audit) });
  // The answer is a 200 even when some device failed. Under an Idempotency-Key such an answer is not final:
  // it is not stored, so the client's retry really retries the devices that failed (the deleted ones then
  // answer not_found) instead of replaying the failure for 24 h.
  if (outcomes.some((o) => RETRYABLE_STATUSES.has(o.result.status))) keepOutOfReplay(c);
  if (outcomes.some((o) => o.result.status === "deleted")) sweepOldSnapshots(c);
  return ok(c, { user_id: userId, results: outcomes.map((o) => o.result) });
});
