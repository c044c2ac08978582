DROP TABLE password_tokens;
ALTER TABLE venues DROP COLUMN target_ticket_minutes;
ALTER TABLE venues DROP COLUMN stuck_after_minutes;
ALTER TABLE venues DROP COLUMN allow_unpaid_close;
ALTER TABLE venues DROP COLUMN business_day_starts_minutes;
ALTER TABLE venues DROP COLUMN currency;
ALTER TABLE venues DROP COLUMN timezone;
