-- Brigade's initial schema. Every venue-owned row carries venue_id and every query
-- filters by it. Money is integer minor units (*_minor); quantities are thousandths of
-- the product's unit (*_milli). Timestamps are UTC (timestamptz).

CREATE TABLE venues (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    stock_policy  text NOT NULL DEFAULT 'partial' CHECK (stock_policy IN ('strict', 'partial')),
    -- Per-venue counters. The row is locked from the moment a transaction takes a
    -- number until it commits, so numbers are taken last (DESIGN §6).
    last_order_number bigint NOT NULL DEFAULT 0,
    last_event_seq    bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL UNIQUE,
    full_name      text NOT NULL,
    password_hash  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    venue_id  uuid NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    role      text NOT NULL CHECK (role IN ('admin', 'manager', 'waiter', 'kitchen')),
    PRIMARY KEY (user_id, venue_id)
);

CREATE TABLE dining_tables (
    id             uuid PRIMARY KEY,
    venue_id       uuid NOT NULL REFERENCES venues (id),
    name           text NOT NULL,
    seats          integer NOT NULL CHECK (seats > 0),
    area           text,
    position_json  jsonb NOT NULL DEFAULT '{}',
    status         text NOT NULL CHECK (status IN ('available', 'occupied', 'reserved', 'cleaning', 'out_of_service')),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT dining_tables_venue_name_key UNIQUE (venue_id, name)
);

CREATE TABLE products (
    id             uuid PRIMARY KEY,
    venue_id       uuid NOT NULL REFERENCES venues (id),
    name           text NOT NULL,
    sku            text NOT NULL,
    unit           text NOT NULL,
    cost_minor     bigint NOT NULL CHECK (cost_minor >= 0),
    price_minor    bigint NOT NULL CHECK (price_minor >= 0),
    category       text,
    attributes     jsonb NOT NULL DEFAULT '{}',
    stock_tracked  boolean NOT NULL DEFAULT true,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT products_venue_sku_key UNIQUE (venue_id, sku)
);

CREATE TABLE lots (
    id                   uuid PRIMARY KEY,
    venue_id             uuid NOT NULL REFERENCES venues (id),
    product_id           uuid NOT NULL REFERENCES products (id),
    lot_code             text NOT NULL,
    qty_init_milli       bigint NOT NULL CHECK (qty_init_milli > 0),
    -- A lot never goes below zero, whatever the code above does.
    qty_current_milli    bigint NOT NULL CHECK (qty_current_milli >= 0),
    unit                 text NOT NULL,
    cost_per_unit_minor  bigint NOT NULL CHECK (cost_per_unit_minor >= 0),
    expiry_date          date,
    storage_location     text,
    received_at          timestamptz NOT NULL,
    CONSTRAINT lots_product_code_key UNIQUE (venue_id, product_id, lot_code)
);
-- FEFO scan: a product's lots with stock, earliest expiry first, no expiry last.
CREATE INDEX lots_fefo_idx ON lots (venue_id, product_id, expiry_date NULLS LAST, received_at, id)
    WHERE qty_current_milli > 0;

CREATE TABLE stock_movements (
    id              uuid PRIMARY KEY,
    venue_id        uuid NOT NULL REFERENCES venues (id),
    lot_id          uuid NOT NULL REFERENCES lots (id),
    product_id      uuid NOT NULL REFERENCES products (id),
    movement_type   text NOT NULL CHECK (movement_type IN ('IN', 'OUT')),
    quantity_milli  bigint NOT NULL CHECK (quantity_milli <> 0),
    reference_type  text,
    reference_id    uuid,
    created_by      uuid,
    created_at      timestamptz NOT NULL
);
CREATE INDEX stock_movements_venue_created_idx ON stock_movements (venue_id, created_at);
CREATE INDEX stock_movements_reference_idx ON stock_movements (venue_id, reference_id);
CREATE INDEX stock_movements_lot_idx ON stock_movements (lot_id);

CREATE TABLE orders (
    id                  uuid PRIMARY KEY,
    venue_id            uuid NOT NULL REFERENCES venues (id),
    -- NULL only inside the creating transaction, until the number is assigned.
    order_number        bigint,
    table_id            uuid REFERENCES dining_tables (id),
    status              text NOT NULL CHECK (status IN ('draft', 'confirmed', 'preparing', 'ready', 'served', 'completed', 'cancelled')),
    covers              integer NOT NULL CHECK (covers > 0),
    notes               text,
    created_by          uuid NOT NULL,
    total_minor         bigint NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    confirmed_at        timestamptz,
    kitchen_started_at  timestamptz,
    ready_at            timestamptz,
    served_at           timestamptz,
    completed_at        timestamptz,
    cancelled_at        timestamptz,
    CONSTRAINT orders_venue_number_key UNIQUE (venue_id, order_number)
);
CREATE INDEX orders_venue_status_idx ON orders (venue_id, status, created_at);
CREATE INDEX orders_open_by_table_idx ON orders (table_id) WHERE status NOT IN ('completed', 'cancelled');

CREATE TABLE order_items (
    id                uuid PRIMARY KEY,
    venue_id          uuid NOT NULL REFERENCES venues (id),
    order_id          uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id        uuid NOT NULL REFERENCES products (id),
    product_name      text NOT NULL,
    quantity_milli    bigint NOT NULL CHECK (quantity_milli > 0),
    unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
    notes             text,
    modifiers         jsonb NOT NULL DEFAULT '{}',
    shortfall_milli   bigint NOT NULL DEFAULT 0 CHECK (shortfall_milli >= 0),
    created_at        timestamptz NOT NULL
);
CREATE INDEX order_items_order_idx ON order_items (order_id);

-- Which lots FEFO took an item from.
CREATE TABLE order_item_lots (
    order_item_id   uuid NOT NULL REFERENCES order_items (id) ON DELETE CASCADE,
    lot_id          uuid NOT NULL REFERENCES lots (id),
    venue_id        uuid NOT NULL REFERENCES venues (id),
    quantity_milli  bigint NOT NULL CHECK (quantity_milli > 0),
    PRIMARY KEY (order_item_id, lot_id)
);

-- The per-venue event journal: written in the same transaction as the change it
-- describes, numbered gap-free per venue.
CREATE TABLE events (
    venue_id    uuid NOT NULL REFERENCES venues (id),
    seq         bigint NOT NULL,
    event_type  text NOT NULL,
    data        jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (venue_id, seq)
);

CREATE TABLE idempotency_keys (
    venue_id     uuid NOT NULL REFERENCES venues (id),
    user_id      uuid NOT NULL,
    key          text NOT NULL,
    fingerprint  text NOT NULL,
    resource_id  uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (venue_id, user_id, key)
);
