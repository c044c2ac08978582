-- A venue's settings (DESIGN §9). Venues that existed before keep the behaviour they
-- had: UTC days from midnight, closing unpaid allowed (new venues are created with
-- allow_unpaid_close = false by the use case), the kitchen thresholds of the defaults.
ALTER TABLE venues
    ADD COLUMN timezone                     text NOT NULL DEFAULT 'UTC',
    ADD COLUMN currency                     text NOT NULL DEFAULT 'EUR',
    ADD COLUMN business_day_starts_minutes  integer NOT NULL DEFAULT 0
        CHECK (business_day_starts_minutes BETWEEN 0 AND 1439),
    ADD COLUMN allow_unpaid_close           boolean NOT NULL DEFAULT true,
    ADD COLUMN stuck_after_minutes          integer NOT NULL DEFAULT 20
        CHECK (stuck_after_minutes BETWEEN 1 AND 1440),
    ADD COLUMN target_ticket_minutes        integer NOT NULL DEFAULT 15
        CHECK (target_ticket_minutes BETWEEN 1 AND 1440);

-- One-time set-password tokens for accounts created by a venue admin (DESIGN §9:
-- nobody but the owner sets an account's password). Only the token's SHA-256 is kept.
CREATE TABLE password_tokens (
    token_hash  text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);
