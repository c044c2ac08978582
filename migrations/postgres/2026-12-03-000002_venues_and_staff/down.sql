DROP TABLE password_tokens;
ALTER TABLE venues
    DROP COLUMN target_ticket_minutes,
    DROP COLUMN stuck_after_minutes,
    DROP COLUMN allow_unpaid_close,
    DROP COLUMN business_day_starts_minutes,
    DROP COLUMN currency,
    DROP COLUMN timezone;
