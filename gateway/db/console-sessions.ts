// console_sessions repository: console sign-ins, kept only as hashes of their cookie ids (docs/console.md §2).

export interface ConsoleSessionRow {
  id_hash: string;
  key_id: string;
  key_hash: string;
  created_at: string;
  expires_at: string;
}

/** Stores a new session; expired ones are swept first so the table only holds live sign-ins. */
export async function insertSession(db: D1Database, row: ConsoleSessionRow): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM console_sessions WHERE expires_at <= ?").bind(row.created_at),
    db
      .prepare("INSERT INTO console_sessions (id_hash, key_id, key_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
      .bind(row.id_hash, row.key_id, row.key_hash, row.created_at, row.expires_at),
  ]);
}

/** The live session with this id hash (null when unknown or expired at `now`). */
export function findSession(db: D1Database, idHash: string, now: string): Promise<ConsoleSessionRow | null> {
  return db
    .prepare("SELECT * FROM console_sessions WHERE id_hash = ? AND expires_at > ?")
    .bind(idHash, now)
    .first<ConsoleSessionRow>();
}

/** Sign-out (or a session whose key was revoked): the row is gone, the cookie means nothing any more. */
export async function deleteSession(db: D1Database, idHash: string): Promise<void> {
  await db.prepare("DELETE FROM console_sessions WHERE id_hash = ?").bind(idHash).run();
}
