-- Durable results: a delete's snapshot and audit row are keyed by the relay request id, so a result delivered
-- twice (the agent's outbox re-sends until acknowledged) is applied once.
ALTER TABLE user_snapshots ADD COLUMN request_id TEXT;                 -- relay request id of the delete (NULL: older rows)
CREATE UNIQUE INDEX snapshots_request ON user_snapshots(request_id);  -- NULLs never collide
ALTER TABLE audit_log ADD COLUMN relay_id TEXT;                       -- relay request id of the change this row records
CREATE UNIQUE INDEX audit_relay ON audit_log(relay_id);
