// devices repository: the registry rows, their public shape (never the comm key) and the agent's dial target.
import type { DeviceTarget, Transport } from "../../shared/device";
import { forgetDevice } from "../auth/cache";

export interface DeviceRow {
  id: string;
  site_id: string;
  name: string;
  ip: string;
  port: number;
  password: number;
  timeout: number;
  transport: Transport;
  created_at: string;
  updated_at: string;
}

/** The Device of docs/http-api.md §5: the comm key is reduced to `has_password`. */
export interface PublicDevice {
  id: string;
  name: string;
  ip: string;
  port: number;
  timeout: number;
  transport: Transport;
  site: string;
  has_password: boolean;
}

export function toPublicDevice(row: DeviceRow): PublicDevice {
  return {
    id: row.id,
    name: row.name,
    ip: row.ip,
    port: row.port,
    timeout: row.timeout,
    transport: row.transport,
    site: row.site_id,
    has_password: row.password !== 0,
  };
}

/** What a relay request frame carries for this device (shared/device.ts DeviceTarget). */
export function toTarget(row: DeviceRow): DeviceTarget {
  return { id: row.id, ip: row.ip, port: row.port, transport: row.transport, password: row.password, timeout: row.timeout };
}

/** Devices sorted by id; `sites` limits them to those sites (null = all). */
export async function listDevices(db: D1Database, sites: string[] | null = null): Promise<DeviceRow[]> {
  const { results } = await db.prepare("SELECT * FROM devices ORDER BY id").all<DeviceRow>();
  return sites === null ? results : results.filter((d) => sites.includes(d.site_id));
}

export function getDevice(db: D1Database, id: string): Promise<DeviceRow | null> {
  return db.prepare("SELECT * FROM devices WHERE id = ?").bind(id).first<DeviceRow>();
}

export async function countDevices(db: D1Database): Promise<number> {
  const row = await db.prepare("SELECT count(*) AS n FROM devices").first<{ n: number }>();
  return row?.n ?? 0;
}

export type NewDevice = Omit<DeviceRow, "created_at" | "updated_at">;

/** Inserts a device; false when the id is taken. */
export async function insertDevice(db: D1Database, d: NewDevice, now: string): Promise<boolean> {
  forgetDevice(d.id);
  const res = await db
    .prepare(
      `INSERT INTO devices (id, site_id, name, ip, port, password, timeout, transport, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
    )
    .bind(d.id, d.site_id, d.name, d.ip, d.port, d.password, d.timeout, d.transport, now, now)
    .run();
  return res.meta.changes === 1;
}

/** Writes every mutable field of `d` (the caller merged the partial update); returns the stored row. */
export async function updateDevice(db: D1Database, d: NewDevice, now: string): Promise<DeviceRow | null> {
  // Forgotten after the write too: a request of this isolate may have cached the old row while it ran.
  forgetDevice(d.id);
  const row = await db
    .prepare(
      `UPDATE devices SET site_id = ?, name = ?, ip = ?, port = ?, password = ?, timeout = ?, transport = ?, updated_at = ?
       WHERE id = ? RETURNING *`,
    )
    .bind(d.site_id, d.name, d.ip, d.port, d.password, d.timeout, d.transport, now, d.id)
    .first<DeviceRow>();
  forgetDevice(d.id);
  return row;
}

/**
 * Removes a device and, in the same batch (one transaction), its delete snapshots: they hold that terminal's
 * users and fingerprints, and a device later registered under the same id (maybe in another site) must not
 * see or restore them.
 */
export async function deleteDevice(db: D1Database, id: string): Promise<boolean> {
  forgetDevice(id);
  const [, res] = await db.batch([
    db.prepare("DELETE FROM user_snapshots WHERE device_id = ?").bind(id),
    db.prepare("DELETE FROM devices WHERE id = ?").bind(id),
  ]);
  forgetDevice(id);
  return res.meta.changes === 1;
}
