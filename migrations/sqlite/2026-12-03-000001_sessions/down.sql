DROP TABLE ws_tickets;
DROP INDEX users_access_changed_idx;
ALTER TABLE users DROP COLUMN access_changed_at;
ALTER TABLE users DROP COLUMN disabled_at;
ALTER TABLE users DROP COLUMN session_epoch;
