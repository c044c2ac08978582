-- The operator's view (#19).
-- A hidden venue (the deploy smoke test's) serves like any other but stays out of the
-- cross-venue figures, kitchen health and kitchen alerts, and the menu warm-up.
ALTER TABLE venues ADD COLUMN hidden boolean NOT NULL DEFAULT false;

-- Kitchen alerts raised, one per order and code: the claim that makes an alert go out
-- exactly once however many instances scan (inserted in the event's transaction).
CREATE TABLE kitchen_alerts (
    venue_id   uuid NOT NULL REFERENCES venues (id),
    order_id   uuid NOT NULL,
    code       text NOT NULL,
    raised_at  timestamptz NOT NULL,
    PRIMARY KEY (venue_id, order_id, code),
    FOREIGN KEY (venue_id, order_id) REFERENCES orders (venue_id, id) ON DELETE CASCADE
);
-- The alert scan reads through orders_in_kitchen_idx (status, kitchen_started_at).
