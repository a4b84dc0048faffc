// sites repository: one row per site, with the hash of the token its agent dials in with.

export interface SiteRow {
  id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_seen_at: string | null;
}

export interface SiteWithCount {
  id: string;
  name: string;
  devices: number;
}

export function getSite(db: D1Database, id: string): Promise<SiteRow | null> {
  return db.prepare("SELECT * FROM sites WHERE id = ?").bind(id).first<SiteRow>();
}

/** The site whose agent token has this hash (tokens are stored hashed: the lookup never sees the token). */
export async function findSiteIdByTokenHash(db: D1Database, tokenHash: string): Promise<string | undefined> {
  const row = await db.prepare("SELECT id FROM sites WHERE token_hash = ?").bind(tokenHash).first<{ id: string }>();
  return row?.id;
}

/** Records that the site's agent connected now. */
export async function touchSite(db: D1Database, id: string, now: string): Promise<void> {
  await db.prepare("UPDATE sites SET last_seen_at = ? WHERE id = ?").bind(now, id).run();
}

/** Every site id, sorted (site defaulting and key validation need only ids). */
export async function listSiteIds(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare("SELECT id FROM sites ORDER BY id").all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Sites with their device counts, sorted by id. */
export async function listSitesWithCounts(db: D1Database): Promise<SiteWithCount[]> {
  const { results } = await db
    .prepare(
      "SELECT s.id, s.name, (SELECT count(*) FROM devices d WHERE d.site_id = s.id) AS devices FROM sites s ORDER BY s.id",
    )
    .all<SiteWithCount>();
  return results;
}

/** Inserts a site; false when the id is taken. */
export async function insertSite(
  db: D1Database,
  site: { id: string; name: string; tokenHash: string; now: string },
): Promise<boolean> {
  const res = await db
    .prepare("INSERT INTO sites (id, name, token_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING")
    .bind(site.id, site.name, site.tokenHash, site.now)
    .run();
  return res.meta.changes === 1;
}

/** Replaces the token hash; false when the site does not exist. */
export async function setSiteToken(db: D1Database, id: string, tokenHash: string): Promise<boolean> {
  const res = await db.prepare("UPDATE sites SET token_hash = ? WHERE id = ?").bind(tokenHash, id).run();
  return res.meta.changes === 1;
}

export type DeleteSiteResult = "deleted" | "not_found" | "not_empty";

/**
 * Deletes a site that has no devices (the check and the delete are one statement) and, in the same batch, the
 * API keys' hold on it: a key scoped to this site alone is revoked, a key scoped to several loses this one. A
 * site later created with the same id must not inherit keys meant for the old one.
 */
export async function deleteEmptySite(db: D1Database, id: string, now: string = new Date().toISOString()): Promise<DeleteSiteResult> {
  const gone = "NOT EXISTS (SELECT 1 FROM sites WHERE id = ?)";
  const scoped = "sites IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(api_keys.sites) WHERE value = ?)";
  const [res] = await db.batch([
    db.prepare("DELETE FROM sites WHERE id = ? AND NOT EXISTS (SELECT 1 FROM devices WHERE site_id = ?)").bind(id, id),
    db
      .prepare(`UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL AND ${scoped} AND json_array_length(sites) = 1 AND ${gone}`)
      .bind(now, id, id),
    db
      .prepare(
        `UPDATE api_keys SET sites = (SELECT json_group_array(value) FROM json_each(api_keys.sites) WHERE value != ?)
         WHERE ${scoped} AND json_array_length(sites) > 1 AND ${gone}`,
      )
      .bind(id, id, id),
  ]);
  if (res!.meta.changes === 1) return "deleted";
  return (await getSite(db, id)) ? "not_empty" : "not_found";
}
