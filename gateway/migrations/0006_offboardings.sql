-- Offboardings: one row per DELETE /users/{user_id}, one per device it touched or queued, so it can be read back, undone, and finished when an offline site's agent returns.
CREATE TABLE offboardings (
  id          TEXT PRIMARY KEY,              -- "off_" + 32 hex characters
  user_id     TEXT NOT NULL,
  key_id      TEXT NOT NULL,                 -- the API key that asked (queued deletes run as it)
  created_at  TEXT NOT NULL,
  undone_at   TEXT                           -- last POST /offboardings/{id}/undo
);
CREATE TABLE offboarding_devices (
  offboarding_id TEXT NOT NULL REFERENCES offboardings(id) ON DELETE CASCADE,
  device_id   TEXT NOT NULL,
  site_id     TEXT NOT NULL,
  position    INTEGER NOT NULL,              -- the order the answer listed it in
  status      TEXT NOT NULL,                 -- deleted, not_found, unreachable, agent_offline, busy, error, queued, applying, cancelled
  error       TEXT,                          -- JSON {code, key, params}: localized when read, in the reader's language
  snapshot_id INTEGER,                       -- the undo snapshot of a deleted user (user_snapshots.id)
  undo        TEXT,                          -- outcome of the last undo on this device: restored, or an error code
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (offboarding_id, device_id)
);
CREATE INDEX offboarding_devices_queued ON offboarding_devices(site_id, status);
CREATE INDEX offboardings_created ON offboardings(created_at);
