-- See the PostgreSQL migration of the same name: session epochs, disabled accounts,
-- the access-change stamp every instance polls, and single-use WebSocket tickets.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN access_changed_at TEXT;
CREATE INDEX users_access_changed_idx ON users (access_changed_at)
    WHERE access_changed_at IS NOT NULL;

CREATE TABLE ws_tickets (
    ticket_hash       TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_epoch     INTEGER NOT NULL,
    token_expires_at  TEXT NOT NULL,
    expires_at        TEXT NOT NULL
);
CREATE INDEX ws_tickets_expires_idx ON ws_tickets (expires_at);
