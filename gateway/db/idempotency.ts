// idempotency repository: claim a (key id, Idempotency-Key) pair, store the final answer, replay it for 24 h.

/** docs/http-api.md §10: a retry within 24 h gets the first answer. */
export const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A claim still pending after this long was abandoned (the isolate died mid-call) and may be taken over. */
export const STALE_PENDING_MS = 5 * 60 * 1000;

export interface IdemRow {
  key_id: string;
  idem_key: string;
  fingerprint: string;
  state: "pending" | "done";
  status: number | null;
  body: string | null;
  created_at: number;
  /** Content-Language of the stored answer (migrations/0002). */
  content_language: string | null;
}

/** A stored final answer. */
export interface StoredAnswer {
  status: number;
  body: string;
  contentLanguage: string | null;
}

export type Claim = { kind: "claimed" } | ({ kind: "replay" } & StoredAnswer) | { kind: "conflict" };

/** Takes the pair for this request, or says why not: an earlier final answer to replay, or a conflict. */
export async function claim(db: D1Database, keyId: string, idemKey: string, fingerprint: string, now: number): Promise<Claim> {
  // One statement: insert, or take over an expired row / an abandoned pending claim; otherwise leave it alone.
  const res = await db
    .prepare(
      `INSERT INTO idempotency (key_id, idem_key, fingerprint, state, created_at) VALUES (?, ?, ?, 'pending', ?)
       ON CONFLICT (key_id, idem_key) DO UPDATE SET
         fingerprint = excluded.fingerprint, state = 'pending', status = NULL, body = NULL, content_language = NULL,
         created_at = excluded.created_at
       WHERE idempotency.created_at < ? OR (idempotency.state = 'pending' AND idempotency.created_at < ?)`,
    )
    .bind(keyId, idemKey, fingerprint, now, now - REPLAY_WINDOW_MS, now - STALE_PENDING_MS)
    .run();
  if (res.meta.changes === 1) return { kind: "claimed" };
  const row = await db
    .prepare("SELECT * FROM idempotency WHERE key_id = ? AND idem_key = ?")
    .bind(keyId, idemKey)
    .first<IdemRow>();
  if (row && row.state === "done" && row.fingerprint === fingerprint && row.status !== null && row.body !== null) {
    return { kind: "replay", status: row.status, body: row.body, contentLanguage: row.content_language };
  }
  return { kind: "conflict" };
}

/** Stores the final answer of a claimed pair. */
export async function complete(db: D1Database, keyId: string, idemKey: string, answer: StoredAnswer): Promise<void> {
  await db
    .prepare("UPDATE idempotency SET state = 'done', status = ?, body = ?, content_language = ? WHERE key_id = ? AND idem_key = ?")
    .bind(answer.status, answer.body, answer.contentLanguage, keyId, idemKey)
    .run();
}

/** Gives a claimed pair back (the answer was a 5xx: a retry must really retry). */
export async function release(db: D1Database, keyId: string, idemKey: string): Promise<void> {
  await db
    .prepare("DELETE FROM idempotency WHERE key_id = ? AND idem_key = ? AND state = 'pending'")
    .bind(keyId, idemKey)
    .run();
}

/** Deletes rows past the replay window. */
export async function sweep(db: D1Database, now: number): Promise<void> {
  await db.prepare("DELETE FROM idempotency WHERE created_at < ?").bind(now - REPLAY_WINDOW_MS).run();
}
