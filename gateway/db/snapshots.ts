// user_snapshots repository: what a delete removed (record + templates), so restore can put it back.
import { UserSnapshot } from "../../shared/ops";

export interface SnapshotRow {
  id: number;
  device_id: string;
  user_id: string;
  snapshot: string;
  fingers: number;
  deleted_at: string;
  deleted_by: string;
  restored_at: string | null;
}

/** A deleted user as GET /devices/{id}/deleted-users lists it. */
export interface DeletedUser {
  snapshot_id: number;
  user_id: string;
  name: string;
  fingers: number;
  deleted_at: string;
  deleted_by: string;
  restored_at: string | null;
}

/** Stores a snapshot and returns its id. */
export async function insertSnapshot(
  db: D1Database,
  s: { deviceId: string; userId: string; snapshot: UserSnapshot; deletedBy: string; now: string },
): Promise<number> {
  const row = await db
    .prepare(
      `INSERT INTO user_snapshots (device_id, user_id, snapshot, fingers, deleted_at, deleted_by)
       VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .bind(s.deviceId, s.userId, JSON.stringify(s.snapshot), s.snapshot.templates.length, s.now, s.deletedBy)
    .first<{ id: number }>();
  return row!.id;
}

/** The snapshot to restore: `id` when given (it must belong to this device and user), else the newest unrestored one. */
export function findSnapshot(db: D1Database, deviceId: string, userId: string, id?: number): Promise<SnapshotRow | null> {
  if (id !== undefined) {
    return db
      .prepare("SELECT * FROM user_snapshots WHERE id = ? AND device_id = ? AND user_id = ?")
      .bind(id, deviceId, userId)
      .first<SnapshotRow>();
  }
  return db
    .prepare(
      "SELECT * FROM user_snapshots WHERE device_id = ? AND user_id = ? AND restored_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(deviceId, userId)
    .first<SnapshotRow>();
}

/** The stored snapshot, re-validated: it goes back to a terminal. */
export function parseSnapshot(row: SnapshotRow): UserSnapshot {
  return UserSnapshot.parse(JSON.parse(row.snapshot));
}

export async function markRestored(db: D1Database, id: number, now: string): Promise<void> {
  await db.prepare("UPDATE user_snapshots SET restored_at = ? WHERE id = ?").bind(now, id).run();
}

/** Deleted users of one device, newest first. */
export async function listDeletedUsers(db: D1Database, deviceId: string): Promise<DeletedUser[]> {
  const { results } = await db
    .prepare(
      `SELECT id AS snapshot_id, user_id, coalesce(json_extract(snapshot, '$.user.name'), '') AS name, fingers,
              deleted_at, deleted_by, restored_at
       FROM user_snapshots WHERE device_id = ? ORDER BY id DESC`,
    )
    .bind(deviceId)
    .all<DeletedUser>();
  return results;
}
