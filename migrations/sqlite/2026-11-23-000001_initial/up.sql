-- Brigade's initial schema for the embedded store: the same tables, columns and
-- constraints as migrations/postgres, in SQLite's types. Ids are lowercase hyphenated
-- UUID text; timestamps are UTC text ('YYYY-MM-DD HH:MM:SS.fff+00:00', which sorts in
-- time order); dates 'YYYY-MM-DD'; JSON is text; booleans 0/1. Money is integer minor
-- units (*_minor), quantities thousandths of the unit (*_milli), as in PostgreSQL.
-- Connections run with PRAGMA foreign_keys = ON.

CREATE TABLE venues (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    stock_policy       TEXT NOT NULL DEFAULT 'partial' CHECK (stock_policy IN ('strict', 'partial')),
    -- Per-venue counters, taken last in a write transaction (DESIGN §6).
    last_order_number  INTEGER NOT NULL DEFAULT 0,
    last_event_seq     INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    email          TEXT NOT NULL UNIQUE,
    full_name      TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);

CREATE TABLE memberships (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    venue_id  TEXT NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'waiter', 'kitchen')),
    PRIMARY KEY (user_id, venue_id)
);

CREATE TABLE dining_tables (
    id             TEXT PRIMARY KEY NOT NULL,
    venue_id       TEXT NOT NULL REFERENCES venues (id),
    name           TEXT NOT NULL,
    seats          INTEGER NOT NULL CHECK (seats > 0),
    area           TEXT,
    position_json  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(position_json)),
    status         TEXT NOT NULL CHECK (status IN ('available', 'occupied', 'reserved', 'cleaning', 'out_of_service')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CONSTRAINT dining_tables_venue_name_key UNIQUE (venue_id, name)
);

CREATE TABLE products (
    id             TEXT PRIMARY KEY NOT NULL,
    venue_id       TEXT NOT NULL REFERENCES venues (id),
    name           TEXT NOT NULL,
    sku            TEXT NOT NULL,
    unit           TEXT NOT NULL,
    cost_minor     INTEGER NOT NULL CHECK (cost_minor >= 0),
    price_minor    INTEGER NOT NULL CHECK (price_minor >= 0),
    category       TEXT,
    attributes     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    stock_tracked  INTEGER NOT NULL DEFAULT 1 CHECK (stock_tracked IN (0, 1)),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CONSTRAINT products_venue_sku_key UNIQUE (venue_id, sku)
);

CREATE TABLE lots (
    id                   TEXT PRIMARY KEY NOT NULL,
    venue_id             TEXT NOT NULL REFERENCES venues (id),
    product_id           TEXT NOT NULL REFERENCES products (id),
    lot_code             TEXT NOT NULL,
    qty_init_milli       INTEGER NOT NULL CHECK (qty_init_milli > 0),
    -- A lot never goes below zero, whatever the code above does.
    qty_current_milli    INTEGER NOT NULL CHECK (qty_current_milli >= 0),
    unit                 TEXT NOT NULL,
    cost_per_unit_minor  INTEGER NOT NULL CHECK (cost_per_unit_minor >= 0),
    expiry_date          TEXT,
    storage_location     TEXT,
    received_at          TEXT NOT NULL,
    CONSTRAINT lots_product_code_key UNIQUE (venue_id, product_id, lot_code)
);
-- FEFO scan: a product's lots with stock (NULL expiries sort last in the query).
CREATE INDEX lots_fefo_idx ON lots (venue_id, product_id, expiry_date, received_at, id)
    WHERE qty_current_milli > 0;

CREATE TABLE stock_movements (
    id              TEXT PRIMARY KEY NOT NULL,
    venue_id        TEXT NOT NULL REFERENCES venues (id),
    lot_id          TEXT NOT NULL REFERENCES lots (id),
    product_id      TEXT NOT NULL REFERENCES products (id),
    movement_type   TEXT NOT NULL CHECK (movement_type IN ('IN', 'OUT')),
    quantity_milli  INTEGER NOT NULL CHECK (quantity_milli <> 0),
    reference_type  TEXT,
    reference_id    TEXT,
    created_by      TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX stock_movements_venue_created_idx ON stock_movements (venue_id, created_at);
CREATE INDEX stock_movements_reference_idx ON stock_movements (venue_id, reference_id);
CREATE INDEX stock_movements_lot_idx ON stock_movements (lot_id);

CREATE TABLE orders (
    id                  TEXT PRIMARY KEY NOT NULL,
    venue_id            TEXT NOT NULL REFERENCES venues (id),
    -- NULL only inside the creating transaction, until the number is assigned.
    order_number        INTEGER,
    table_id            TEXT REFERENCES dining_tables (id),
    status              TEXT NOT NULL CHECK (status IN ('draft', 'confirmed', 'preparing', 'ready', 'served', 'completed', 'cancelled')),
    covers              INTEGER NOT NULL CHECK (covers > 0),
    notes               TEXT,
    created_by          TEXT NOT NULL,
    total_minor         INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    confirmed_at        TEXT,
    kitchen_started_at  TEXT,
    ready_at            TEXT,
    served_at           TEXT,
    completed_at        TEXT,
    cancelled_at        TEXT,
    CONSTRAINT orders_venue_number_key UNIQUE (venue_id, order_number)
);
CREATE INDEX orders_venue_status_idx ON orders (venue_id, status, created_at);
CREATE INDEX orders_open_by_table_idx ON orders (table_id) WHERE status NOT IN ('completed', 'cancelled');

CREATE TABLE order_items (
    id                TEXT PRIMARY KEY NOT NULL,
    venue_id          TEXT NOT NULL REFERENCES venues (id),
    order_id          TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id        TEXT NOT NULL REFERENCES products (id),
    product_name      TEXT NOT NULL,
    quantity_milli    INTEGER NOT NULL CHECK (quantity_milli > 0),
    unit_price_minor  INTEGER NOT NULL CHECK (unit_price_minor >= 0),
    notes             TEXT,
    modifiers         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(modifiers)),
    shortfall_milli   INTEGER NOT NULL DEFAULT 0 CHECK (shortfall_milli >= 0),
    created_at        TEXT NOT NULL
);
CREATE INDEX order_items_order_idx ON order_items (order_id);

-- Which lots FEFO took an item from.
CREATE TABLE order_item_lots (
    order_item_id   TEXT NOT NULL REFERENCES order_items (id) ON DELETE CASCADE,
    lot_id          TEXT NOT NULL REFERENCES lots (id),
    venue_id        TEXT NOT NULL REFERENCES venues (id),
    quantity_milli  INTEGER NOT NULL CHECK (quantity_milli > 0),
    PRIMARY KEY (order_item_id, lot_id)
);

-- The per-venue event journal: written in the same transaction as the change it
-- describes, numbered gap-free per venue.
CREATE TABLE events (
    venue_id    TEXT NOT NULL REFERENCES venues (id),
    seq         INTEGER NOT NULL,
    event_type  TEXT NOT NULL,
    data        TEXT NOT NULL CHECK (json_valid(data)),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (venue_id, seq)
);

CREATE TABLE idempotency_keys (
    venue_id     TEXT NOT NULL REFERENCES venues (id),
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    resource_id  TEXT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    PRIMARY KEY (venue_id, user_id, key)
);
