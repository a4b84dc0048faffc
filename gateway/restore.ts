// Restoring a deleted user: claim its snapshot, send it to the agent, then mark it restored (or give it back).
import type { Context } from "hono";
import type { User } from "../shared/ops";
import { noteAudit } from "./audit";
import type { DeviceRow } from "./db/devices";
import { claimSnapshot, findSnapshot, markRestored, parseSnapshot, releaseSnapshot } from "./db/snapshots";
import { runOp } from "./device-call";
import type { AppEnv } from "./http/app-env";
import { apiError } from "./http/errors";

/**
 * Puts the snapshot back on the terminal: `snapshotId`, or the newest one not yet restored. The snapshot is
 * claimed atomically first, so of two concurrent restores only one reaches the agent (the other: 409
 * RESTORE_IN_PROGRESS); a failed restore gives the claim back.
 */
export async function restoreUser(
  c: Context<AppEnv>,
  device: DeviceRow,
  userId: string,
  snapshotId?: number,
): Promise<{ user: User; fingers: number }> {
  const db = c.env.DB;
  const row = await findSnapshot(db, device.id, userId, snapshotId);
  if (!row) throw apiError("SNAPSHOT_NOT_FOUND", { user_id: userId });
  noteAudit(c, { detail: { snapshot_id: row.id } });
  // A snapshot is restored once: doing it again would silently undo every change made since (case: privilege
  // raised after the restore, then reverted by a second one).
  if (row.restored_at !== null && !row.restored_at.startsWith("pending:")) {
    throw apiError("SNAPSHOT_ALREADY_RESTORED", { user_id: userId, snapshot_id: row.id }, { snapshot_id: row.id, restored_at: row.restored_at });
  }
  const marker = await claimSnapshot(db, row, Date.now());
  if (marker === null) throw apiError("RESTORE_IN_PROGRESS", { user_id: userId });
  let restored: { user: User; fingers: number };
  try {
    restored = await runOp(c, device, "users.restore", { snapshot: parseSnapshot(row) }, userId);
  } catch (e) {
    await releaseSnapshot(db, row.id, marker, row.restored_at).catch((err: unknown) =>
      console.error(`[${c.get("requestId") ?? "-"}] restore: could not release snapshot ${row.id}: ${(err as Error).message}`),
    );
    throw e;
  }
  try {
    await markRestored(db, row.id, marker, new Date().toISOString());
  } catch (e) {
    // The user is back on the terminal: that is the answer. The claim stays and keeps the row from a second restore.
    console.error(`[${c.get("requestId") ?? "-"}] restore: user_id ${userId} restored but snapshot ${row.id} not marked: ${(e as Error).message}`);
  }
  return restored;
}
