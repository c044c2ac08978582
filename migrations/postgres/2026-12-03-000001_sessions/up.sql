-- Tokens carry who, not where (DESIGN §9): a token names its user and the session
-- epoch it was issued under; memberships are read server-side. Logging out or
-- disabling the account bumps the epoch, which ends every token issued before.
-- access_changed_at is set in the same transaction as any change of the epoch, the
-- disabled flag or a membership: every instance polls it (one indexed query a second)
-- to drop what it cached, so a change is in force everywhere within two seconds.
ALTER TABLE users
    ADD COLUMN session_epoch      bigint NOT NULL DEFAULT 0,
    ADD COLUMN disabled_at        timestamptz,
    ADD COLUMN access_changed_at  timestamptz;
CREATE INDEX users_access_changed_idx ON users (access_changed_at)
    WHERE access_changed_at IS NOT NULL;

-- Single-use WebSocket tickets (DESIGN §11: no credential in a URL). Only the ticket's
-- SHA-256 is kept; redeeming deletes the row, so a ticket works once on any instance.
CREATE TABLE ws_tickets (
    ticket_hash       text PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_epoch     bigint NOT NULL,
    token_expires_at  timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL
);
CREATE INDEX ws_tickets_expires_idx ON ws_tickets (expires_at);
