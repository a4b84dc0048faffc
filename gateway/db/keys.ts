// api_keys repository: keys are stored only as SHA-256 hashes; the key itself is shown once at creation.
import type { Role } from "../auth/principal";
import { forgetKey, keyUsed } from "../auth/cache";

export interface KeyRow {
  id: string;
  name: string;
  key_hash: string;
  role: Role;
  sites: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A key as the admin API lists it: never the hash. */
export interface PublicKey {
  id: string;
  name: string;
  role: Role;
  sites: string[] | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function parseSites(sites: string | null): string[] | null {
  return sites === null ? null : (JSON.parse(sites) as string[]);
}

export function toPublicKey(row: KeyRow): PublicKey {
  const { id, name, role, created_at, last_used_at, revoked_at } = row;
  return { id, name, role, sites: parseSites(row.sites), created_at, last_used_at, revoked_at };
}

/** The live (not revoked) key with this hash. */
export function findActiveKeyByHash(db: D1Database, keyHash: string): Promise<KeyRow | null> {
  return db.prepare("SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL").bind(keyHash).first<KeyRow>();
}

export async function insertKey(
  db: D1Database,
  key: { id: string; name: string; keyHash: string; role: Role; sites: string[] | null; now: string },
): Promise<KeyRow> {
  const sites = key.sites === null ? null : JSON.stringify(key.sites);
  await db
    .prepare("INSERT INTO api_keys (id, name, key_hash, role, sites, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(key.id, key.name, key.keyHash, key.role, sites, key.now)
    .run();
  return { id: key.id, name: key.name, key_hash: key.keyHash, role: key.role, sites, created_at: key.now, last_used_at: null, revoked_at: null };
}

export async function listKeys(db: D1Database): Promise<KeyRow[]> {
  const { results } = await db.prepare("SELECT * FROM api_keys ORDER BY created_at, id").all<KeyRow>();
  return results;
}

/** Marks a live key revoked; returns the updated row, or null when there was no live key with that id. */
export async function revokeKey(db: D1Database, id: string, now: string): Promise<KeyRow | null> {
  const row = await db
    .prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING *")
    .bind(now, id)
    .first<KeyRow>();
  if (row) forgetKey(row.key_hash);
  return row;
}

export async function touchKey(db: D1Database, id: string, now: string): Promise<void> {
  keyUsed(id, now);
  await db.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(now, id).run();
}
