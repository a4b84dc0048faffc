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
  /** ISO time of the restore, a `pending:` claim while one runs (claimSnapshot), or null. */
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

/** Snapshots are kept this long, then swept (sweepSnapshots). */
export const SNAPSHOT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
/** At most this many old snapshots go per sweep, so a sweep never slows the call that triggered it much. */
export const SWEEP_BATCH = 100;
/** A restore claim older than this was abandoned (the isolate died mid-restore; an op takes at most 120 s). */
export const CLAIM_STALE_MS = 10 * 60 * 1000;

const CLAIM_PREFIX = "pending:";

/**
 * Stores a snapshot and returns its id; null when the device's registry row is gone — deleted while the agent
 * was deleting (its snapshots went with it and must not come back), maybe re-registered under the same id.
 * `deviceCreatedAt` (the row's created_at) tells the same row from a re-registered one; a device moved to
 * another site keeps its row, so it keeps its snapshots.
 */
export async function insertSnapshot(
  db: D1Database,
  s: { deviceId: string; deviceCreatedAt?: string; userId: string; snapshot: UserSnapshot; deletedBy: string; now: string; requestId?: string },
): Promise<number | null> {
  const createdAt = s.deviceCreatedAt ?? null;
  const requestId = s.requestId ?? null;
  // Keyed by the relay request id: the same delete's snapshot delivered twice (the caller's path and the agent's
  // outbox) is one row, and both get its id.
  const row = await db
    .prepare(
      `INSERT INTO user_snapshots (device_id, user_id, snapshot, fingers, deleted_at, deleted_by, request_id)
       SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM devices WHERE id = ? AND (? IS NULL OR created_at = ?))
       ON CONFLICT (request_id) DO UPDATE SET request_id = excluded.request_id RETURNING id`,
    )
    .bind(s.deviceId, s.userId, JSON.stringify(s.snapshot), s.snapshot.templates.length, s.now, s.deletedBy, requestId, s.deviceId, createdAt, createdAt)
    .first<{ id: number }>();
  return row?.id ?? null;
}

/**
 * The snapshot to restore: `id` when given (it must belong to this device and user), else the newest one not
 * yet restored — including one claimed by a restore in progress, so a second caller learns about that restore
 * instead of quietly restoring an older copy.
 */
export function findSnapshot(db: D1Database, deviceId: string, userId: string, id?: number): Promise<SnapshotRow | null> {
  if (id !== undefined) {
    return db
      .prepare("SELECT * FROM user_snapshots WHERE id = ? AND device_id = ? AND user_id = ?")
      .bind(id, deviceId, userId)
      .first<SnapshotRow>();
  }
  return db
    .prepare(
      `SELECT * FROM user_snapshots WHERE device_id = ? AND user_id = ? AND (restored_at IS NULL OR restored_at LIKE '${CLAIM_PREFIX}%')
       ORDER BY id DESC LIMIT 1`,
    )
    .bind(deviceId, userId)
    .first<SnapshotRow>();
}

/** True when `restoredAt` is a claim of a restore still running. */
export function isLiveClaim(restoredAt: string | null, now: number): boolean {
  if (restoredAt === null || !restoredAt.startsWith(CLAIM_PREFIX)) return false;
  const at = Date.parse(restoredAt.slice(CLAIM_PREFIX.length, CLAIM_PREFIX.length + 24));
  return !(now - at > CLAIM_STALE_MS);
}

/**
 * Claims `row` for one restore before the agent is asked: a compare-and-set from the value just read to a
 * `pending:<time>:<uuid>` marker, so of two concurrent restores exactly one reaches the terminal. Returns the
 * marker, or null when another restore holds (or just took) the row.
 */
export async function claimSnapshot(db: D1Database, row: SnapshotRow, now: number): Promise<string | null> {
  if (isLiveClaim(row.restored_at, now)) return null;
  const marker = `${CLAIM_PREFIX}${new Date(now).toISOString()}:${crypto.randomUUID()}`;
  const res = await db
    .prepare("UPDATE user_snapshots SET restored_at = ? WHERE id = ? AND restored_at IS ?")
    .bind(marker, row.id, row.restored_at)
    .run();
  return res.meta.changes === 1 ? marker : null;
}

/** Gives a claim back after a failed restore: the row returns to what it was before. */
export async function releaseSnapshot(db: D1Database, id: number, marker: string, previous: string | null): Promise<void> {
  await db.prepare("UPDATE user_snapshots SET restored_at = ? WHERE id = ? AND restored_at = ?").bind(previous, id, marker).run();
}

/** Turns a claim into the restore time. */
export async function markRestored(db: D1Database, id: number, marker: string, now: string): Promise<void> {
  await db.prepare("UPDATE user_snapshots SET restored_at = ? WHERE id = ? AND restored_at = ?").bind(now, id, marker).run();
}

/** The stored snapshot, re-validated: it goes back to a terminal. */
export function parseSnapshot(row: SnapshotRow): UserSnapshot {
  return UserSnapshot.parse(JSON.parse(row.snapshot));
}

/** Deleted users of one device, newest first; a restore in progress shows as not restored yet. */
export async function listDeletedUsers(db: D1Database, deviceId: string): Promise<DeletedUser[]> {
  const { results } = await db
    .prepare(
      `SELECT id AS snapshot_id, user_id, coalesce(json_extract(snapshot, '$.user.name'), '') AS name, fingers,
              deleted_at, deleted_by,
              CASE WHEN restored_at LIKE '${CLAIM_PREFIX}%' THEN NULL ELSE restored_at END AS restored_at
       FROM user_snapshots WHERE device_id = ? ORDER BY id DESC`,
    )
    .bind(deviceId)
    .all<DeletedUser>();
  return results;
}

/** Deletes up to SWEEP_BATCH snapshots older than SNAPSHOT_RETENTION_MS (oldest first); returns how many. */
export async function sweepSnapshots(db: D1Database, now: number): Promise<number> {
  const cutoff = new Date(now - SNAPSHOT_RETENTION_MS).toISOString();
  const res = await db
    .prepare(
      `DELETE FROM user_snapshots WHERE id IN
         (SELECT id FROM user_snapshots WHERE deleted_at < ? ORDER BY deleted_at LIMIT ?)`,
    )
    .bind(cutoff, SWEEP_BATCH)
    .run();
  return res.meta.changes;
}
