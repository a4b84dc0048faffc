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
  /** Relay request id of the change (migrations/0003): a result arriving late completes this row. */
  relay_id?: string | null;
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

const COLUMNS = "at, key_id, action, method, path, site_id, device_id, user_id, status, result, before_state, detail, relay_id";

function bindEntry(stmt: D1PreparedStatement, e: AuditEntry): D1PreparedStatement {
  return stmt.bind(e.at, e.key_id, e.action, e.method, e.path, e.site_id, e.device_id, e.user_id, e.status, e.result, e.before_state, e.detail, e.relay_id ?? null);
}

/**
 * Writes all entries in one batch. A row whose relay_id is already there is skipped: the real outcome of that
 * change arrived first (completeAudit) and must not be overwritten by the caller's earlier view of it.
 */
export async function insertAudit(db: D1Database, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const stmt = db.prepare(`INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (relay_id) DO NOTHING`);
  await db.batch(entries.map((e) => bindEntry(stmt, e)));
}

/** Sets the real outcome of the change `entry.relay_id` (its result came late): updates its row, or writes it. */
export async function completeAudit(db: D1Database, entry: AuditEntry & { relay_id: string }): Promise<void> {
  const stmt = db.prepare(
    `INSERT INTO audit_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (relay_id) DO UPDATE SET status = excluded.status, result = excluded.result,
       before_state = excluded.before_state, detail = excluded.detail`,
  );
  await bindEntry(stmt, entry).run();
}

/** Audit rows are kept this long by default (AUDIT_RETENTION_DAYS overrides it). */
export const AUDIT_RETENTION_DAYS = 400;
/** At most this many old rows go per sweep, so a sweep never slows the call that triggered it much. */
export const AUDIT_SWEEP_BATCH = 200;

/** Deletes up to AUDIT_SWEEP_BATCH rows older than `days` days, oldest first; returns how many. */
export async function sweepAudit(db: D1Database, now: number, days: number = AUDIT_RETENTION_DAYS): Promise<number> {
  const cutoff = new Date(now - days * 24 * 60 * 60 * 1000).toISOString();
  const res = await db
    .prepare("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)")
    .bind(cutoff, AUDIT_SWEEP_BATCH)
    .run();
  return res.meta.changes;
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
  // relay_id is bookkeeping between the relay and this table, not part of the API's row.
  const rows = results.slice(0, q.limit).map(({ relay_id: _relay, ...row }) => row as AuditRow);
  return { rows, more: results.length > q.limit };
}
