-- The check (DESIGN §9), first part: how a venue prices (tax inside its prices or on
-- top, a service charge), its tax classes and each product's, the rate each order line
-- was sold at, and payments. Percentages are thousandths of a percent (8.875 % is
-- 8875); amounts are minor units. Every key leads with venue_id, as everywhere.
ALTER TABLE venues
    ADD COLUMN prices_include_tax boolean NOT NULL DEFAULT true,
    ADD COLUMN service_charge     integer NOT NULL DEFAULT 0
        CHECK (service_charge BETWEEN 0 AND 100000);

CREATE TABLE tax_classes (
    venue_id    uuid NOT NULL REFERENCES venues (id),
    id          uuid NOT NULL,
    name        text NOT NULL,
    rate        integer NOT NULL CHECK (rate BETWEEN 0 AND 100000),
    -- The class of products that name none; at most one per venue.
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (venue_id, id),
    CONSTRAINT tax_classes_venue_name_key UNIQUE (venue_id, name)
);
CREATE UNIQUE INDEX tax_classes_one_default_key ON tax_classes (venue_id) WHERE is_default;

ALTER TABLE products
    ADD COLUMN tax_class_id uuid,
    ADD CONSTRAINT products_tax_class_fkey
        FOREIGN KEY (venue_id, tax_class_id) REFERENCES tax_classes (venue_id, id);

-- The rules an order's check is computed under: the venue's when the order opened, so
-- a later change of settings does not rewrite old checks (orders before: no tax added,
-- no service, as they were priced).
ALTER TABLE orders
    ADD COLUMN prices_include_tax boolean NOT NULL DEFAULT true,
    ADD COLUMN service_charge     integer NOT NULL DEFAULT 0
        CHECK (service_charge BETWEEN 0 AND 100000);

-- The rate a line was sold at (lines sold before tax classes: 0).
ALTER TABLE order_items ADD COLUMN tax_rate integer NOT NULL DEFAULT 0
    CHECK (tax_rate BETWEEN 0 AND 100000);

CREATE TABLE payments (
    venue_id        uuid NOT NULL REFERENCES venues (id),
    id              uuid NOT NULL,
    order_id        uuid NOT NULL,
    method          text NOT NULL CHECK (method IN ('cash', 'card', 'other')),
    state           text NOT NULL CHECK (state IN ('pending', 'captured', 'failed', 'refunded')),
    -- Towards the check; the tip is on top.
    amount_minor    bigint NOT NULL CHECK (amount_minor > 0),
    tip_minor       bigint NOT NULL DEFAULT 0 CHECK (tip_minor >= 0),
    -- Cash: what the guest handed over, and the change given back.
    tendered_minor  bigint CHECK (tendered_minor >= 0),
    change_minor    bigint CHECK (change_minor >= 0),
    -- A card terminal's or processor's id for it.
    reference       text,
    created_by      uuid NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- Set when it is refunded: by whom and why.
    refunded_by     uuid,
    refund_reason   text,
    PRIMARY KEY (venue_id, id),
    FOREIGN KEY (venue_id, order_id) REFERENCES orders (venue_id, id)
);
CREATE INDEX payments_order_idx ON payments (venue_id, order_id);
CREATE INDEX payments_created_idx ON payments (venue_id, created_at);

-- Discounts: on one line (item_id) or on the check (item_id NULL), a percentage or an
-- amount, with a reason; at most one per line and one per check.
CREATE TABLE discounts (
    venue_id      uuid NOT NULL REFERENCES venues (id),
    id            uuid NOT NULL,
    order_id      uuid NOT NULL,
    item_id       uuid,
    percent       integer CHECK (percent BETWEEN 0 AND 100000),
    amount_minor  bigint CHECK (amount_minor > 0),
    reason        text NOT NULL,
    created_by    uuid NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (venue_id, id),
    FOREIGN KEY (venue_id, order_id) REFERENCES orders (venue_id, id) ON DELETE CASCADE,
    FOREIGN KEY (venue_id, item_id) REFERENCES order_items (venue_id, id) ON DELETE CASCADE,
    CHECK ((percent IS NULL) <> (amount_minor IS NULL))
);
CREATE UNIQUE INDEX discounts_line_key ON discounts (venue_id, item_id) WHERE item_id IS NOT NULL;
CREATE UNIQUE INDEX discounts_check_key ON discounts (venue_id, order_id) WHERE item_id IS NULL;
