// GET /offboardings/{id} and POST /offboardings/{id}/undo: an offboarding read back, and every snapshot it made restored.
import type { Context } from "hono";
import { z } from "zod";
import { coded, CodedError, localize } from "../../shared/errors";
import type { AuditPart } from "../audit";
import { noteAudit } from "../audit";
import { canSeeSite } from "../auth/principal";
import { getDevice } from "../db/devices";
import { fanOutDeadline, mapSettled } from "../fan-out";
import type { AppEnv } from "../http/app-env";
import { validParam } from "../http/body";
import { fail, okMessage, ok } from "../http/envelope";
import { apiError } from "../http/errors";
import { keepOutOfReplay } from "../idempotency";
import { message } from "../../shared/messages";
import { relayBudgetMs } from "../relay/call-agent";
import { restoreUser } from "../restore";
import { FINAL, incomplete } from "./offboard";
import { cancelQueued, getOffboarding, markUndo, offboardingDevices, storedErrorText, type OffboardingDeviceRow, type OffboardingRow } from "./store";

const OffboardingId = z.string().regex(/^off_[0-9a-f]{32}$/, "an offboarding id (off_ and 32 hex characters)");

/** The offboarding and its devices, if this key sees every site it touched (else it does not exist for it). */
async function load(c: Context<AppEnv>): Promise<{ row: OffboardingRow; devices: OffboardingDeviceRow[] }> {
  const id = validParam(c, "id", OffboardingId);
  const row = await getOffboarding(c.env.DB, id);
  const devices = row ? await offboardingDevices(c.env.DB, id) : [];
  if (!row || !devices.every((d) => canSeeSite(c.get("principal"), d.site_id))) throw apiError("OFFBOARDING_NOT_FOUND", { offboarding_id: id });
  return { row, devices };
}

/** GET /offboardings/{id}: where each device stands now (a queued one moves on when its agent returns). */
export async function getOffboardingRoute(c: Context<AppEnv>): Promise<Response> {
  const { row, devices } = await load(c);
  const results = devices.map((d) => {
    const error = storedErrorText(d.error, c.var.lang);
    return {
      device: d.device_id,
      site: d.site_id,
      status: d.status,
      ...(error === undefined ? {} : { error }),
      snapshot_id: d.snapshot_id,
      undo: d.undo,
      updated_at: d.updated_at,
    };
  });
  return ok(c, {
    offboarding_id: row.id,
    user_id: row.user_id,
    key_id: row.key_id,
    created_at: row.created_at,
    undone_at: row.undone_at,
    complete: devices.every((d) => FINAL.has(d.status)),
    results,
  });
}

type UndoResult = { device: string; status: "restored" | "cancelled" | "nothing_to_restore" | "error"; code?: string; error?: string };

/**
 * POST /offboardings/{id}/undo: devices still queued are called off first (they will not be deleted), then every
 * snapshot the offboarding made is restored as a single restore would (restore.ts: claimed once, never over
 * anyone — 409 codes per device), a few devices at a time. 200 when every device is back or had nothing to
 * restore; 207 UNDO_INCOMPLETE otherwise, with the same per-device data. A second undo finds the snapshots
 * restored (SNAPSHOT_ALREADY_RESTORED per device).
 */
export async function undoOffboardingRoute(c: Context<AppEnv>): Promise<Response> {
  const { row, devices } = await load(c);
  const now = () => new Date().toISOString();
  const cancelled = new Set(await cancelQueued(c.env.DB, row.id, now()));
  const rows = await Promise.all(devices.map(async (d) => ({ d, device: d.snapshot_id === null ? null : await getDevice(c.env.DB, d.device_id) })));
  c.set("deadline", fanOutDeadline(rows.map((r) => relayBudgetMs("users.restore", r.device?.timeout ?? 5))));
  const parts: AuditPart[] = [];
  const settled = await mapSettled(rows, async ({ d, device }): Promise<UndoResult> => {
    if (cancelled.has(d.device_id)) return { device: d.device_id, status: "cancelled" };
    if (d.status === "applying") return failed(c, d, coded("RESTORE_IN_PROGRESS", { user_id: row.user_id }), parts);
    if (d.snapshot_id === null) return { device: d.device_id, status: "nothing_to_restore" };
    if (!device) return failed(c, d, coded("DEVICE_NOT_FOUND", { device_id: d.device_id }), parts);
    try {
      const restored = await restoreUser(c, device, row.user_id, d.snapshot_id);
      parts.push({ action: "users.restore", site: d.site_id, device: d.device_id, user: row.user_id, status: 200, result: "ok", before: null, detail: { snapshot_id: d.snapshot_id, offboarding_id: row.id, fingers: restored.fingers } });
      return { device: d.device_id, status: "restored" };
    } catch (e) {
      return failed(c, d, e instanceof CodedError ? e : coded("INTERNAL"), parts);
    }
  });
  const results = settled.map((s) => (s as PromiseFulfilledResult<UndoResult>).value);
  await markUndo(c.env.DB, row.id, results.map((r) => ({ device: r.device, undo: r.status === "error" ? r.code! : r.status })), now());
  noteAudit(c, { parts: parts.length > 0 ? parts : undefined, detail: { offboarding_id: row.id } });
  const data = { offboarding_id: row.id, user_id: row.user_id, results };
  if (results.every((r) => r.status !== "error")) {
    return okMessage(c, message(c.var.lang, "UNDO_DONE", { offboarding_id: row.id, user_id: row.user_id }), data);
  }
  // Not final: an Idempotency-Key retry really retries (docs/http-api.md §10).
  keepOutOfReplay(c);
  return fail(c, incomplete(row.user_id, data, "UNDO_INCOMPLETE"));
}

function failed(c: Context<AppEnv>, d: OffboardingDeviceRow, err: CodedError, parts: AuditPart[]): UndoResult {
  parts.push({ action: "users.restore", site: d.site_id, device: d.device_id, status: err.status, result: err.code, detail: { snapshot_id: d.snapshot_id } });
  return { device: d.device_id, status: "error", code: err.code, error: localize(err, c.var.lang) };
}
