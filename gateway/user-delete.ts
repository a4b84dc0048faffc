// Deleting a user with undo: the agent returns the user's snapshot, the gateway stores it for restore.
import type { Context } from "hono";
import { coded, CodedError, hasFlag, localize } from "../shared/errors";
import { UserSnapshot, type User } from "../shared/ops";
import type { DeviceRow } from "./db/devices";
import { insertSnapshot, sweepSnapshots } from "./db/snapshots";
import type { AppEnv } from "./http/app-env";
import { langOf } from "./http/language";
import { later } from "./http/later";
import { runOp } from "./device-call";
import type { AuditPart } from "./audit";
import type { OFFBOARD_STATUSES } from "./schemas";

export interface Deleted {
  user: User;
  /** The stored snapshot's id; null when it could not be stored (the user is deleted all the same). */
  snapshotId: number | null;
}

/** The audit detail of a deletion: the snapshot to restore from, or that there is none. */
export function deletedDetail(d: Deleted): Record<string, unknown> {
  return d.snapshotId === null ? { snapshot_saved: false } : { snapshot_id: d.snapshotId };
}

/**
 * users.delete on `device`, then the snapshot (record + templates) is kept in user_snapshots. Once the agent has
 * deleted the user, this never fails: the user *is* gone, and the caller must hear so (see saveSnapshot).
 */
export async function deleteUserWithSnapshot(c: Context<AppEnv>, device: DeviceRow, userId: string): Promise<Deleted> {
  const keepIfUnknown = (e: CodedError) => keepUnknownOutcome(c, device, userId, e);
  const { user, snapshot } = await runOp(c, device, "users.delete", { user_id: userId }, undefined, keepIfUnknown);
  return { user, snapshotId: await saveSnapshot(c, device, userId, snapshot) };
}

/**
 * The terminal failed right at DELETE_USER and the agent could not tell whether the user is gone
 * (details.outcome "unknown"): the error still reaches the caller, but the snapshot the agent took before
 * deleting is kept, so the user can be restored if they did go.
 */
async function keepUnknownOutcome(c: Context<AppEnv>, device: DeviceRow, userId: string, e: CodedError): Promise<void> {
  if (e.details?.outcome !== "unknown") return;
  const parsed = UserSnapshot.safeParse(e.details.snapshot);
  if (!parsed.success) {
    console.error(`users.delete on device ${device.id} for user_id ${userId}: outcome unknown and no valid snapshot`);
    return;
  }
  const id = await saveSnapshot(c, device, userId, parsed.data);
  console.warn(`users.delete on device ${device.id} for user_id ${userId}: outcome unknown (${e.code}); snapshot kept as ${id}`);
}

/** Stores the snapshot, retrying a failed write once; null (logged loudly) when it could not be kept. */
async function saveSnapshot(c: Context<AppEnv>, device: DeviceRow, userId: string, snapshot: UserSnapshot): Promise<number | null> {
  const where = `[${c.get("requestId") ?? "-"}] users.delete on device ${device.id} for user_id ${userId}`;
  const row = { deviceId: device.id, deviceCreatedAt: device.created_at, userId, snapshot, deletedBy: c.get("principal").keyId };
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const id = await insertSnapshot(c.env.DB, { ...row, now: new Date().toISOString() });
      if (id === null) console.error(`${where}: the device left the registry meanwhile; snapshot not kept`);
      return id;
    } catch (e) {
      const final = attempt === 2 ? "; the user IS deleted and cannot be restored" : "; retrying";
      console.error(`${where}: snapshot write ${attempt} failed: ${(e as Error).message}${final}`);
    }
  }
  return null;
}

/** Snapshot retention (db/snapshots.ts): a bounded sweep after the answer, triggered by deletes. */
export function sweepOldSnapshots(c: Context<AppEnv>): void {
  later(c, sweepSnapshots(c.env.DB, Date.now()));
}

export type OffboardStatus = (typeof OFFBOARD_STATUSES)[number];

/** Offboarding statuses worth retrying: the device may answer next time. */
export const RETRYABLE_STATUSES: ReadonlySet<OffboardStatus> = new Set<OffboardStatus>(["unreachable", "agent_offline", "busy", "error"]);

export interface Outcome {
  result: { device: string; status: OffboardStatus; error?: string };
  audit: AuditPart;
}

/** One device's part of DELETE /users/{user_id}: never throws, the failure becomes a status. */
export async function offboardOne(c: Context<AppEnv>, device: DeviceRow, userId: string): Promise<Outcome> {
  const at = { device: device.id, site: device.site_id, user: userId };
  try {
    const deleted = await deleteUserWithSnapshot(c, device, userId);
    return {
      result: { device: device.id, status: "deleted" },
      audit: { ...at, action: "users.delete", status: 200, result: "ok", before: deleted.user, detail: deletedDetail(deleted) },
    };
  } catch (e) {
    const err = e instanceof CodedError ? e : coded("INTERNAL");
    if (!(e instanceof CodedError)) console.error(`[${c.get("requestId") ?? "-"}] offboarding ${device.id}: ${(e as Error).message}`);
    const status = statusOf(err);
    // A 200 answer that carries errors: each is localized here, at the edge, like an error answer.
    const result = status === "not_found" ? { device: device.id, status } : { device: device.id, status, error: localize(err, langOf(c)) };
    return { result, audit: { ...at, action: "users.delete", status: err.status, result: err.code } };
  }
}

function statusOf(err: CodedError): OffboardStatus {
  if (hasFlag(err, "unreachable")) return "unreachable";
  switch (err.code) {
    case "USER_NOT_FOUND":
      return "not_found";
    case "AGENT_OFFLINE":
      return "agent_offline";
    case "DEVICE_BUSY":
      return "busy";
    default:
      return "error";
  }
}
