// Deleting a user with undo: the agent returns the user's snapshot, the gateway stores it for restore.
import type { Context } from "hono";
import { coded, CodedError, hasFlag, localize } from "../shared/errors";
import type { User } from "../shared/ops";
import { toTarget, type DeviceRow } from "./db/devices";
import { insertSnapshot, sweepSnapshots } from "./db/snapshots";
import type { AppEnv } from "./http/app-env";
import { langOf } from "./http/language";
import { later } from "./http/later";
import { forCaller } from "./device-call";
import type { AuditPart } from "./audit";
import { deletedBody } from "./delete-result";
import { callAgent } from "./relay/call-agent";
import type { RelayMeta } from "./relay/contract";
import { checkSnapshot } from "./snapshot-check";
import type { OFFBOARD_STATUSES } from "./schemas";

export interface Deleted {
  user: User;
  /** The stored snapshot's id; null when it could not be stored (the user is deleted all the same). */
  snapshotId: number | null;
  /** The relay request id of the delete (the audit row is linked to it, so a late result can complete it). */
  relayId: string;
}

/** The audit detail of a deletion: the snapshot to restore from, or that there is none. */
export function deletedDetail(d: Deleted): Record<string, unknown> {
  return d.snapshotId === null ? { snapshot_saved: false } : { snapshot_id: d.snapshotId };
}

/**
 * users.delete on `device`, then the snapshot (record + templates) is kept in user_snapshots. Once the agent has
 * deleted the user, this never fails: the user *is* gone, and the caller must hear so (see saveSnapshot).
 * users.delete is a durable-result op: should the answer come after the caller's (timeout, agent killed, gateway
 * restarted), the SiteRelay still stores it — under the same request id, so it is one snapshot either way — and
 * `single` (the single-delete route) lets it complete this request's audit row and Idempotency-Key answer.
 */
export async function deleteUserWithSnapshot(
  c: Context<AppEnv>,
  device: DeviceRow,
  userId: string,
  opts: { single?: boolean; relayId?: string } = {},
): Promise<Deleted> {
  const relayId = opts.relayId ?? crypto.randomUUID();
  const single = opts.single === true;
  const principal = c.get("principal");
  const meta: RelayMeta = { requestId: relayId, keyId: principal?.keyId, deviceCreatedAt: device.created_at, deadline: c.get("deadline") };
  meta.audit = {
    key_id: principal?.keyId ?? "unknown",
    action: "users.delete",
    method: c.req.method,
    path: c.req.path,
    site_id: device.site_id,
    device_id: device.id,
    user_id: userId,
  };
  const idem = c.get("idem");
  if (single && idem) {
    meta.replay = { ...idem, status: 200, body: deletedBody(langOf(c), userId), contentLanguage: langOf(c) };
  }
  let result: { user: User; snapshot: unknown };
  try {
    result = await callAgent(c.env, device.site_id, toTarget(device), "users.delete", { user_id: userId }, meta);
  } catch (e) {
    if (e instanceof CodedError) await keepUnknownOutcome(c, device, userId, e, relayId);
    throw forCaller(e, device, userId);
  }
  return { user: result.user, snapshotId: await saveSnapshot(c, device, userId, result.snapshot, relayId), relayId };
}

/**
 * The terminal failed right at DELETE_USER and the agent could not tell whether the user is gone
 * (details.outcome "unknown"): the error still reaches the caller, but the snapshot the agent took before
 * deleting is kept, so the user can be restored if they did go.
 */
async function keepUnknownOutcome(c: Context<AppEnv>, device: DeviceRow, userId: string, e: CodedError, relayId: string): Promise<void> {
  if (e.details?.outcome !== "unknown") return;
  const id = await saveSnapshot(c, device, userId, e.details.snapshot, relayId);
  console.warn(`users.delete on device ${device.id} for user_id ${userId}: outcome unknown (${e.code}); snapshot kept as ${id}`);
}

/**
 * Stores the snapshot (checked against the request first), retrying a failed write once; null (logged loudly)
 * when it could not be kept. Keyed by the relay request id: the SiteRelay may have stored it already.
 */
async function saveSnapshot(c: Context<AppEnv>, device: DeviceRow, userId: string, value: unknown, relayId: string): Promise<number | null> {
  const where = `[${c.get("requestId") ?? "-"}] users.delete on device ${device.id} for user_id ${userId}`;
  const checked = checkSnapshot(value, userId);
  if (!checked.ok) {
    console.error(`${where}: the agent's snapshot was refused (${checked.reason}); the user IS deleted and cannot be restored`);
    return null;
  }
  const row = { deviceId: device.id, deviceCreatedAt: device.created_at, userId, snapshot: checked.snapshot, deletedBy: c.get("principal").keyId, requestId: relayId };
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
  /** The undo snapshot of a deletion (null: it could not be kept). */
  snapshotId?: number | null;
  /** The failure, as coded (offboardings store it to localize for whoever reads it later). */
  err?: CodedError;
}

/** One device's part of DELETE /users/{user_id}: never throws, the failure becomes a status. */
export async function offboardOne(c: Context<AppEnv>, device: DeviceRow, userId: string): Promise<Outcome> {
  const at = { device: device.id, site: device.site_id, user: userId };
  const relayId = crypto.randomUUID();
  try {
    const deleted = await deleteUserWithSnapshot(c, device, userId, { relayId });
    return {
      result: { device: device.id, status: "deleted" },
      snapshotId: deleted.snapshotId,
      audit: { ...at, action: "users.delete", status: 200, result: "ok", before: deleted.user, detail: deletedDetail(deleted), relay: deleted.relayId },
    };
  } catch (e) {
    const err = e instanceof CodedError ? e : coded("INTERNAL");
    if (!(e instanceof CodedError)) console.error(`[${c.get("requestId") ?? "-"}] offboarding ${device.id}: ${(e as Error).message}`);
    const status = statusOf(err);
    const result = status === "not_found" ? { device: device.id, status } : { device: device.id, status, error: localize(err, langOf(c)) };
    return { result, err, audit: { ...at, action: "users.delete", status: err.status, result: err.code, relay: relayId } };
  }
}

/** A failed call on one device as a fan-out status (offboarding, where-is, copy). */
export function statusOf(err: CodedError): OffboardStatus {
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
