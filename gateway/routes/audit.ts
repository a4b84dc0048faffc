// GET /audit: the audit log, newest first, filtered by device, user and time, paginated with an opaque cursor.
import { Hono } from "hono";
import { requireRole } from "../auth/roles";
import { listAudit, type AuditRow } from "../db/audit";
import type { AppEnv } from "../http/app-env";
import { validQuery } from "../http/body";
import { AuditQuery } from "../schemas";

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const present = (row: AuditRow) => ({ ...row, before_state: parseJson(row.before_state), detail: parseJson(row.detail) });

export const auditLog = new Hono<AppEnv>().get("/", requireRole("admin"), async (c) => {
  const q = validQuery(c, AuditQuery);
  const { rows, more } = await listAudit(c.env.DB, {
    device_id: q.device_id,
    user_id: q.user_id,
    // Rows store UTC ISO strings; normalise the filter so string comparison is time comparison.
    since: q.since === undefined ? undefined : new Date(q.since).toISOString(),
    // A site-scoped admin reads only its sites' rows.
    sites: c.get("principal").sites,
    limit: q.limit,
    before: q.cursor === undefined ? undefined : Number(q.cursor),
  });
  const next = more && rows.length > 0 ? String(rows[rows.length - 1].id) : null;
  return c.json({ success: true, data: rows.map(present), next_cursor: next });
});
