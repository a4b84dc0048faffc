// DELETE /users/{user_id}: offboarding in one call, a parallel delete on every device the key can see (or ?devices=).
import { Hono } from "hono";
import { UserId } from "../../shared/ops";
import { deviceNotFound } from "../auth/device-scope";
import { requireRole } from "../auth/roles";
import { noteAudit } from "../audit";
import { listDevices } from "../db/devices";
import type { AppEnv } from "../http/app-env";
import { validParam, validQuery } from "../http/body";
import { ok } from "../http/envelope";
import { OffboardQuery } from "../schemas";
import { offboardOne } from "../user-delete";

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
  const outcomes = await Promise.all(targets.map((d) => offboardOne(c, d, userId)));
  // Each deletion is audited like a single delete (one row per device).
  noteAudit(c, { parts: outcomes.map((o) => o.audit) });
  return ok(c, { user_id: userId, results: outcomes.map((o) => o.result) });
});
