-- See the PostgreSQL migration of the same name.
ALTER TABLE venues ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));

CREATE TABLE kitchen_alerts (
    venue_id   TEXT NOT NULL REFERENCES venues (id),
    order_id   TEXT NOT NULL,
    code       TEXT NOT NULL,
    raised_at  TEXT NOT NULL,
    PRIMARY KEY (venue_id, order_id, code),
    FOREIGN KEY (venue_id, order_id) REFERENCES orders (venue_id, id) ON DELETE CASCADE
);
