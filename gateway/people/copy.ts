// POST /users/{user_id}/copy: one person's record and fingerprints from one terminal to others, converted between record sizes.
import type { Context } from "hono";
import { coded, CodedError, localize } from "../../shared/errors";
import { message } from "../../shared/messages";
import { UserId } from "../../shared/ops";
import type { AuditPart } from "../audit";
import { noteAudit } from "../audit";
import { deviceNotFound } from "../auth/device-scope";
import { listDevices } from "../db/devices";
import { runOp } from "../device-call";
import { fanOutDeadline, mapSettled } from "../fan-out";
import type { AppEnv } from "../http/app-env";
import { validBody, validParam } from "../http/body";
import { fail, okMessage } from "../http/envelope";
import { apiError } from "../http/errors";
import { keepOutOfReplay } from "../idempotency";
import { relayBudgetMs } from "../relay/call-agent";
import { CopyBody, type CopyData } from "../schemas";
import { statusOf } from "../user-delete";
import { incomplete } from "./offboard";
import type { z } from "zod";

type CopyResult = z.infer<typeof CopyData>["results"][number];

/**
 * Reads the person on `from` (users.export: record and templates, nothing changed), then writes them on every `to`
 * device a few at a time (users.import: the target's record size, USER_ID_CONFLICT where another person holds the
 * user_id, record and fingers read back). Every device must be visible to the key before anything is read. One
 * total deadline: the read plus the slowest write. 200 when every target has the person, else 207 COPY_INCOMPLETE
 * with the same per-device data; a failure to read the source is the route's own error (404 USER_NOT_FOUND…).
 */
export async function copyUser(c: Context<AppEnv>): Promise<Response> {
  const userId = validParam(c, "user_id", UserId);
  const body = await validBody(c, CopyBody);
  const visible = new Map((await listDevices(c.env.DB, c.get("principal").sites)).map((d) => [d.id, d]));
  for (const id of [body.from, ...body.to]) if (!visible.has(id)) throw await deviceNotFound(c, id);
  if (body.to.includes(body.from)) throw apiError("VALIDATION_FAILED", { device_id: body.from }, { details: [{ path: "to", message: "lists the source device" }] }, "COPY_SAME_DEVICE");
  const source = visible.get(body.from)!;
  const targets = [...new Set(body.to)].map((id) => visible.get(id)!);
  c.set("deadline", fanOutDeadline(targets.map((d) => relayBudgetMs("users.import", d.timeout)), Date.now(), relayBudgetMs("users.export", source.timeout)));
  const { snapshot } = await runOp(c, source, "users.export", { user_id: userId });
  const parts: AuditPart[] = [];
  const settled = await mapSettled(targets, (d) => runOp(c, d, "users.import", { snapshot }, userId));
  const results: CopyResult[] = settled.map((s, i) => {
    const d = targets[i]!;
    const at = { action: "users.copy", site: d.site_id, device: d.id, user: userId };
    if (s.status === "fulfilled") {
      const { format, converted, fingers } = s.value;
      parts.push({ ...at, status: 200, result: "ok", detail: { from: source.id, format, converted, fingers } });
      return { device: d.id, status: "copied", format, converted, fingers };
    }
    const err = s.reason instanceof CodedError ? s.reason : coded("INTERNAL");
    if (!(s.reason instanceof CodedError)) console.error(`[${c.var.requestId}] users.import ${d.id}: ${String(s.reason)}`);
    parts.push({ ...at, status: err.status, result: err.code, detail: { from: source.id } });
    const s2 = err.code === "USER_ID_CONFLICT" ? "conflict" : statusOf(err);
    const status = s2 === "not_found" || s2 === "deleted" ? "error" : s2;
    return { device: d.id, status, code: err.code, error: localize(err, c.var.lang) };
  });
  noteAudit(c, { parts });
  const data = { user_id: userId, from: source.id, results };
  if (results.every((r) => r.status === "copied")) return okMessage(c, message(c.var.lang, "COPY_DONE", { user_id: userId }), data);
  // Not final: an Idempotency-Key retry really retries (docs/http-api.md §10).
  keepOutOfReplay(c);
  return fail(c, incomplete(userId, data, "COPY_INCOMPLETE"));
}
