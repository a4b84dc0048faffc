// offboardings repository: each offboarding and its per-device state, for GET /offboardings/{id}, undo and queued deletes.
import { CodedError, isErrorCode, localize } from "../../shared/errors";
import { hasMessage, type Lang, type MessageKey, type MessageParams } from "../../shared/messages";

export interface OffboardingRow {
  id: string;
  user_id: string;
  key_id: string;
  created_at: string;
  undone_at: string | null;
}

export interface OffboardingDeviceRow {
  offboarding_id: string;
  device_id: string;
  site_id: string;
  position: number;
  status: string;
  error: string | null;
  snapshot_id: number | null;
  undo: string | null;
  updated_at: string;
}

/** A fresh offboarding id: "off_" and 128 random bits in hex. */
export function newOffboardingId(): string {
  return `off_${crypto.randomUUID().replace(/-/g, "")}`;
}

/** An error as stored: its code, message key and params, so any reader gets it in their own language. */
export function storedError(err: CodedError): string {
  return JSON.stringify({ code: err.code, key: err.key, params: err.params });
}

/** A stored error's text in `lang` (undefined when none or unreadable). */
export function storedErrorText(raw: string | null, lang: Lang): string | undefined {
  if (raw === null) return undefined;
  try {
    const e = JSON.parse(raw) as { code?: unknown; key?: unknown; params?: MessageParams };
    if (!isErrorCode(e.code)) return undefined;
    const key = typeof e.key === "string" && hasMessage(e.key) ? (e.key as MessageKey) : undefined;
    return localize(new CodedError(e.code, "", undefined, e.params ?? {}, key), lang);
  } catch {
    return undefined;
  }
}

export async function insertOffboarding(
  db: D1Database,
  o: { id: string; userId: string; keyId: string; now: string; devices: { id: string; site: string }[] },
): Promise<void> {
  await db.batch([
    db.prepare("INSERT INTO offboardings (id, user_id, key_id, created_at) VALUES (?, ?, ?, ?)").bind(o.id, o.userId, o.keyId, o.now),
    ...o.devices.map((d, i) =>
      db
        .prepare("INSERT INTO offboarding_devices (offboarding_id, device_id, site_id, position, status, updated_at) VALUES (?, ?, ?, ?, 'applying', ?)")
        .bind(o.id, d.id, d.site, i, o.now),
    ),
  ]);
}

export interface DeviceUpdate {
  device: string;
  status: string;
  error?: CodedError;
  snapshotId?: number | null;
}

/** Records each device's outcome of one offboarding. */
export async function updateOffboardingDevices(db: D1Database, id: string, updates: DeviceUpdate[], now: string): Promise<void> {
  if (updates.length === 0) return;
  await db.batch(
    updates.map((u) =>
      db
        .prepare("UPDATE offboarding_devices SET status = ?, error = ?, snapshot_id = coalesce(?, snapshot_id), updated_at = ? WHERE offboarding_id = ? AND device_id = ?")
        .bind(u.status, u.error ? storedError(u.error) : null, u.snapshotId ?? null, now, id, u.device),
    ),
  );
}

export function getOffboarding(db: D1Database, id: string): Promise<OffboardingRow | null> {
  return db.prepare("SELECT * FROM offboardings WHERE id = ?").bind(id).first<OffboardingRow>();
}

export async function offboardingDevices(db: D1Database, id: string): Promise<OffboardingDeviceRow[]> {
  const { results } = await db.prepare("SELECT * FROM offboarding_devices WHERE offboarding_id = ? ORDER BY position").bind(id).all<OffboardingDeviceRow>();
  return results;
}

/** A queued (or abandoned `applying`) device whose agent is back: claimed by one runner at a time. */
export const STALE_APPLYING_MS = 10 * 60 * 1000;

/** The queued devices of `siteId` with their offboarding's user and key, oldest first. */
export async function queuedForSite(db: D1Database, siteId: string, now: number): Promise<(OffboardingDeviceRow & { user_id: string; key_id: string })[]> {
  const stale = new Date(now - STALE_APPLYING_MS).toISOString();
  const { results } = await db
    .prepare(
      `SELECT d.*, o.user_id, o.key_id FROM offboarding_devices d JOIN offboardings o ON o.id = d.offboarding_id
       WHERE d.site_id = ? AND (d.status = 'queued' OR (d.status = 'applying' AND d.updated_at < ?)) ORDER BY o.created_at LIMIT 50`,
    )
    .bind(siteId, stale)
    .all<OffboardingDeviceRow & { user_id: string; key_id: string }>();
  return results;
}

/** Claims a queued device for this runner; false when another one (or an undo) took it first. */
export async function claimQueued(db: D1Database, row: OffboardingDeviceRow, now: string): Promise<boolean> {
  const res = await db
    .prepare("UPDATE offboarding_devices SET status = 'applying', updated_at = ? WHERE offboarding_id = ? AND device_id = ? AND status = ? AND updated_at = ?")
    .bind(now, row.offboarding_id, row.device_id, row.status, row.updated_at)
    .run();
  return res.meta.changes === 1;
}

/** Undo: the devices still queued are not deleted any more (returns those it cancelled). */
export async function cancelQueued(db: D1Database, id: string, now: string): Promise<string[]> {
  const { results } = await db
    .prepare("UPDATE offboarding_devices SET status = 'cancelled', updated_at = ? WHERE offboarding_id = ? AND status = 'queued' RETURNING device_id")
    .bind(now, id)
    .all<{ device_id: string }>();
  return results.map((r) => r.device_id);
}

export async function markUndo(db: D1Database, id: string, results: { device: string; undo: string }[], now: string): Promise<void> {
  await db.batch([
    db.prepare("UPDATE offboardings SET undone_at = ? WHERE id = ?").bind(now, id),
    ...results.map((r) => db.prepare("UPDATE offboarding_devices SET undo = ?, updated_at = ? WHERE offboarding_id = ? AND device_id = ?").bind(r.undo, now, id, r.device)),
  ]);
}
