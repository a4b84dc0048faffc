// audit_log repository: one row per mutating call (or per device for fan-out calls), read back newest first.

export interface AuditEntry {
  at: string;
  key_id: string;
  action: string;
  method: string;
  path: string;
  site_id: string | null;
  device_id: string | null;
  user_id: string | null;
  status: number;
  result: string;
  before_state: string | null;
  detail: string | null;
}

export interface AuditRow extends AuditEntry {
  id: number;
}

export interface AuditQuery {
  device_id?: string;
  user_id?: string;
  since?: string;
  /** Only rows of these sites (a site-scoped admin); null = all rows. */
  sites: string[] | null;
  limit: number;
  /** Rows with an id below this one (the previous page's last id). */
  before?: number;
}

/** Writes all entries in one batch. */
export async function insertAudit(db: D1Database, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const stmt = db.prepare(
    `INSERT INTO audit_log (at, key_id, action, method, path, site_id, device_id, user_id, status, result, before_state, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  await db.batch(
    entries.map((e) =>
      stmt.bind(e.at, e.key_id, e.action, e.method, e.path, e.site_id, e.device_id, e.user_id, e.status, e.result, e.before_state, e.detail),
    ),
  );
}

/** One page, newest first, plus whether more rows follow. */
export async function listAudit(db: D1Database, q: AuditQuery): Promise<{ rows: AuditRow[]; more: boolean }> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, ...values: (string | number)[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (q.device_id !== undefined) add("device_id = ?", q.device_id);
  if (q.user_id !== undefined) add("user_id = ?", q.user_id);
  if (q.since !== undefined) add("at >= ?", q.since);
  if (q.before !== undefined) add("id < ?", q.before);
  if (q.sites !== null) {
    if (q.sites.length === 0) return { rows: [], more: false };
    add(`site_id IN (${q.sites.map(() => "?").join(", ")})`, ...q.sites);
  }
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
  const { results } = await db
    .prepare(sql)
    .bind(...params, q.limit + 1)
    .all<AuditRow>();
  return { rows: results.slice(0, q.limit), more: results.length > q.limit };
}
