// GET /users/{user_id}: every visible terminal holding that badge number, and which terminals could not be asked.
import type { Context } from "hono";
import { coded, CodedError, localize } from "../../shared/errors";
import { UserId } from "../../shared/ops";
import type { DeviceRow } from "../db/devices";
import { runOp } from "../device-call";
import { fanOutDeadline, mapSettled } from "../fan-out";
import type { AppEnv } from "../http/app-env";
import { validParam, validQuery } from "../http/body";
import { ok } from "../http/envelope";
import { relayBudgetMs } from "../relay/call-agent";
import { statusOf } from "../user-delete";
import { devicesInScope, ScopeQuery } from "./scope";

/**
 * users.get on every device in scope, a few at a time under one total deadline (fan-out.ts). A device that answers
 * USER_NOT_FOUND does not hold the person and is left out; one that could not be asked is listed in `unreachable`
 * with its status and message, so "not enrolled anywhere" is never claimed from an incomplete look (`complete`).
 */
export async function whereIsUser(c: Context<AppEnv>): Promise<Response> {
  const userId = validParam(c, "user_id", UserId);
  const targets = await devicesInScope(c, validQuery(c, ScopeQuery));
  c.set("deadline", fanOutDeadline(targets.map((d) => relayBudgetMs("users.get", d.timeout))));
  const settled = await mapSettled(targets, (d) => runOp(c, d, "users.get", { user_id: userId }));
  const found: Record<string, unknown>[] = [];
  const unreachable: { device: string; site: string; status: string; error: string }[] = [];
  settled.forEach((s, i) => {
    const d: DeviceRow = targets[i]!;
    if (s.status === "fulfilled") {
      found.push({ device: d.id, site: d.site_id, ...s.value.user, fingers: s.value.fingers, enabled: s.value.enabled });
      return;
    }
    const err = s.reason instanceof CodedError ? s.reason : coded("INTERNAL");
    if (!(s.reason instanceof CodedError)) console.error(`[${c.var.requestId}] users.get ${d.id}: ${String(s.reason)}`);
    const status = statusOf(err);
    if (status !== "not_found") unreachable.push({ device: d.id, site: d.site_id, status, error: localize(err, c.var.lang) });
  });
  return ok(c, { user_id: userId, devices: found, unreachable, checked: targets.length, complete: unreachable.length === 0 });
}
