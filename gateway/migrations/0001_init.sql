-- zk-relay registry: sites (agent tokens), devices, API keys, audit log, delete snapshots, idempotency.
CREATE TABLE sites (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,          -- hex SHA-256 of the agent token
  created_at  TEXT NOT NULL,
  last_seen_at TEXT
);

CREATE TABLE devices (
  id          TEXT PRIMARY KEY,              -- normalised as the seed does: lower case, spaces -> '_'
  site_id     TEXT NOT NULL REFERENCES sites(id),
  name        TEXT NOT NULL,
  ip          TEXT NOT NULL,
  port        INTEGER NOT NULL DEFAULT 4370,
  password    INTEGER NOT NULL DEFAULT 0,    -- comm key; never returned by the API
  timeout     REAL NOT NULL DEFAULT 5,       -- seconds
  transport   TEXT NOT NULL DEFAULT 'tcp' CHECK (transport IN ('tcp', 'udp', 'auto')),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX devices_site ON devices(site_id);

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  key_hash    TEXT NOT NULL UNIQUE,          -- hex SHA-256 of the key
  role        TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
  sites       TEXT,                          -- JSON array of site ids, NULL = every site
  created_at  TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at  TEXT
);

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          TEXT NOT NULL,                 -- ISO 8601 UTC
  key_id      TEXT NOT NULL,
  action      TEXT NOT NULL,                 -- e.g. users.delete, devices.create
  method      TEXT NOT NULL,
  path        TEXT NOT NULL,
  site_id     TEXT,
  device_id   TEXT,
  user_id     TEXT,
  status      INTEGER NOT NULL,              -- HTTP status answered
  result      TEXT NOT NULL,                 -- ok | error code
  before_state TEXT,                         -- JSON, e.g. the user as it was before a delete/update
  detail      TEXT
);
CREATE INDEX audit_device ON audit_log(device_id, id);
CREATE INDEX audit_user ON audit_log(user_id, id);
CREATE INDEX audit_at ON audit_log(at);

CREATE TABLE user_snapshots (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id   TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  snapshot    TEXT NOT NULL,                 -- JSON UserSnapshot (shared/ops.ts), templates included
  fingers     INTEGER NOT NULL,
  deleted_at  TEXT NOT NULL,
  deleted_by  TEXT NOT NULL,                 -- api key id
  restored_at TEXT
);
CREATE INDEX snapshots_device_user ON user_snapshots(device_id, user_id, id);

CREATE TABLE idempotency (
  key_id      TEXT NOT NULL,                 -- the caller's api key id: keys never share replays
  idem_key    TEXT NOT NULL,
  fingerprint TEXT NOT NULL,                 -- method + path + body hash
  state       TEXT NOT NULL CHECK (state IN ('pending', 'done')),
  status      INTEGER,
  body        TEXT,
  created_at  INTEGER NOT NULL,              -- epoch ms; rows older than 24 h are ignored and swept
  PRIMARY KEY (key_id, idem_key)
);
