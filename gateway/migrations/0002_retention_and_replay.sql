-- Retention sweeps need their time columns indexed; replayed answers keep the language they were written in.
CREATE INDEX idempotency_created ON idempotency(created_at);   -- the 24 h sweep (db/idempotency.ts sweep)
CREATE INDEX snapshots_deleted ON user_snapshots(deleted_at);  -- the 90-day snapshot retention (db/snapshots.ts)
ALTER TABLE idempotency ADD COLUMN content_language TEXT;      -- Content-Language of the stored answer
