-- Admin console sessions (docs/console.md §2): only a hash of the cookie's random id is kept, with its key and expiry.
CREATE TABLE console_sessions (
  id_hash     TEXT PRIMARY KEY,              -- hex SHA-256 of the session cookie's random id
  key_id      TEXT NOT NULL,                 -- the signed-in API key ('bootstrap' for ADMIN_API_KEY)
  key_hash    TEXT NOT NULL,                 -- hex SHA-256 of that key: re-checked on every request (revoked = signed out)
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
