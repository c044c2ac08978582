-- See the PostgreSQL migration of the same name.
ALTER TABLE venues ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE venues ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';
ALTER TABLE venues ADD COLUMN business_day_starts_minutes INTEGER NOT NULL DEFAULT 0
    CHECK (business_day_starts_minutes BETWEEN 0 AND 1439);
ALTER TABLE venues ADD COLUMN allow_unpaid_close INTEGER NOT NULL DEFAULT 1
    CHECK (allow_unpaid_close IN (0, 1));
ALTER TABLE venues ADD COLUMN stuck_after_minutes INTEGER NOT NULL DEFAULT 20
    CHECK (stuck_after_minutes BETWEEN 1 AND 1440);
ALTER TABLE venues ADD COLUMN target_ticket_minutes INTEGER NOT NULL DEFAULT 15
    CHECK (target_ticket_minutes BETWEEN 1 AND 1440);

CREATE TABLE password_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  TEXT NOT NULL
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);
