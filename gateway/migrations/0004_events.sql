-- Terminal events (punches, enrolments, door, alarm) reported by the agents' live sessions (docs/events.md).
CREATE TABLE events (
  pos         INTEGER PRIMARY KEY AUTOINCREMENT,  -- the global order; the opaque cursor encodes it
  id          TEXT NOT NULL UNIQUE,               -- stable id from the dedupe key (shared/events.ts eventKey)
  site_id     TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  seq         INTEGER NOT NULL,                   -- per device: 1, 2, 3… in storing order
  type        TEXT NOT NULL CHECK (type IN ('attendance', 'enrollment', 'door', 'alarm')),
  user_id     TEXT NOT NULL,
  uid         INTEGER,
  timestamp   TEXT NOT NULL,                      -- device wall clock "YYYY-MM-DD HH:mm:ss"
  status      INTEGER,
  punch       INTEGER,
  verify      TEXT,                               -- JSON object, when the terminal sent details
  catch_up    INTEGER NOT NULL,                   -- 1: read from the log after a (re)connect, not live
  received_at TEXT NOT NULL
);
CREATE UNIQUE INDEX events_device_seq ON events(device_id, seq);
CREATE INDEX events_device_pos ON events(device_id, pos);
CREATE INDEX events_site_pos ON events(site_id, pos);
CREATE INDEX events_device_time ON events(device_id, type, timestamp);

-- One row per terminal an agent watches: the last seq given out and the watch status the agent reported.
CREATE TABLE event_devices (
  device_id      TEXT PRIMARY KEY,
  site_id        TEXT NOT NULL,
  last_seq       INTEGER NOT NULL DEFAULT 0,
  state          TEXT,                            -- live | connecting | stopped (shared/events.ts WatchStatus)
  log_records    INTEGER,
  caught_up_at   TEXT,                            -- first set when the whole log has been imported
  log_resets     INTEGER NOT NULL DEFAULT 0,
  last_log_reset TEXT,                            -- JSON {at, previous, now}
  error          TEXT,
  updated_at     TEXT NOT NULL
);
