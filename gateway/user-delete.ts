// Deleting a user with undo: the agent returns the user's snapshot, the gateway stores it for restore.
import type { Context } from "hono";
import { RelayError } from "../shared/errors";
import { message } from "../shared/messages";
import type { User } from "../shared/ops";
import type { DeviceRow } from "./db/devices";
import { insertSnapshot } from "./db/snapshots";
import type { AppEnv } from "./http/app-env";
import { langOf } from "./http/language";
import { runOp } from "./device-call";
import type { AuditPart } from "./audit";
import type { OFFBOARD_STATUSES } from "./schemas";

export interface Deleted {
  user: User;
  snapshotId: number;
}

/** users.delete on `device`, then the snapshot (record + templates) is kept in user_snapshots. */
export async function deleteUserWithSnapshot(c: Context<AppEnv>, device: DeviceRow, userId: string): Promise<Deleted> {
  const { user, snapshot } = await runOp(c, device, "users.delete", { user_id: userId });
  const snapshotId = await insertSnapshot(c.env.DB, {
    deviceId: device.id,
    userId,
    snapshot,
    deletedBy: c.get("principal").keyId,
    now: new Date().toISOString(),
  });
  return { user, snapshotId };
}

export type OffboardStatus = (typeof OFFBOARD_STATUSES)[number];

export interface Outcome {
  result: { device: string; status: OffboardStatus; error?: string };
  audit: AuditPart;
}

/** One device's part of DELETE /users/{user_id}: never throws, the failure becomes a status. */
export async function offboardOne(c: Context<AppEnv>, device: DeviceRow, userId: string): Promise<Outcome> {
  const at = { device: device.id, site: device.site_id, user: userId };
  try {
    const { user, snapshotId } = await deleteUserWithSnapshot(c, device, userId);
    return {
      result: { device: device.id, status: "deleted" },
      audit: { ...at, action: "users.delete", status: 200, result: "ok", before: user, detail: { snapshot_id: snapshotId } },
    };
  } catch (e) {
    const err = e instanceof RelayError ? e : new RelayError("INTERNAL", message(langOf(c), "INTERNAL"));
    if (!(e instanceof RelayError)) console.error(`[${c.get("requestId") ?? "-"}] offboarding ${device.id}: ${(e as Error).message}`);
    const status = statusOf(err);
    const result = status === "not_found" ? { device: device.id, status } : { device: device.id, status, error: err.message };
    return { result, audit: { ...at, action: "users.delete", status: err.status, result: err.code } };
  }
}

function statusOf(err: RelayError): OffboardStatus {
  switch (err.code) {
    case "USER_NOT_FOUND":
      return "not_found";
    case "DEVICE_UNREACHABLE":
    case "DEVICE_TIMEOUT":
    case "DEVICE_DISCONNECTED":
      return "unreachable";
    case "AGENT_OFFLINE":
      return "agent_offline";
    case "DEVICE_BUSY":
      return "busy";
    default:
      return "error";
  }
}
