DROP TABLE ws_tickets;
DROP INDEX users_access_changed_idx;
ALTER TABLE users
    DROP COLUMN access_changed_at,
    DROP COLUMN disabled_at,
    DROP COLUMN session_epoch;
