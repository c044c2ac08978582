-- Back to keys by id alone: the tables of the initial migration, rebuilt the same way
-- (all rows kept; see up.sql).

PRAGMA foreign_keys = OFF;
BEGIN;

-- memberships
CREATE TABLE new_memberships (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    venue_id  TEXT NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'waiter', 'kitchen')),
    PRIMARY KEY (user_id, venue_id)
);
INSERT INTO new_memberships SELECT * FROM memberships;
DROP TABLE memberships;
ALTER TABLE new_memberships RENAME TO memberships;

-- dining_tables
CREATE TABLE new_dining_tables (
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
INSERT INTO new_dining_tables SELECT * FROM dining_tables;
DROP TABLE dining_tables;
ALTER TABLE new_dining_tables RENAME TO dining_tables;

-- products
CREATE TABLE new_products (
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
INSERT INTO new_products SELECT * FROM products;
DROP TABLE products;
ALTER TABLE new_products RENAME TO products;

-- lots
CREATE TABLE new_lots (
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
INSERT INTO new_lots SELECT * FROM lots;
DROP TABLE lots;
ALTER TABLE new_lots RENAME TO lots;
CREATE INDEX lots_fefo_idx ON lots (venue_id, product_id, expiry_date, received_at, id)
    WHERE qty_current_milli > 0;

-- stock_movements
CREATE TABLE new_stock_movements (
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
INSERT INTO new_stock_movements SELECT * FROM stock_movements;
DROP TABLE stock_movements;
ALTER TABLE new_stock_movements RENAME TO stock_movements;
CREATE INDEX stock_movements_venue_created_idx ON stock_movements (venue_id, created_at);
CREATE INDEX stock_movements_reference_idx ON stock_movements (venue_id, reference_id);
CREATE INDEX stock_movements_lot_idx ON stock_movements (lot_id);

-- orders
CREATE TABLE new_orders (
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
INSERT INTO new_orders SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE new_orders RENAME TO orders;
CREATE INDEX orders_venue_status_idx ON orders (venue_id, status, created_at);
CREATE INDEX orders_open_by_table_idx ON orders (table_id) WHERE status NOT IN ('completed', 'cancelled');
CREATE INDEX orders_in_kitchen_idx ON orders (status, kitchen_started_at)
    WHERE status IN ('confirmed', 'preparing', 'ready');
CREATE INDEX orders_ready_at_idx ON orders (ready_at) WHERE ready_at IS NOT NULL;

-- order_items
CREATE TABLE new_order_items (
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
INSERT INTO new_order_items SELECT * FROM order_items;
DROP TABLE order_items;
ALTER TABLE new_order_items RENAME TO order_items;
CREATE INDEX order_items_order_idx ON order_items (order_id);

-- order_item_lots
CREATE TABLE new_order_item_lots (
    order_item_id   TEXT NOT NULL REFERENCES order_items (id) ON DELETE CASCADE,
    lot_id          TEXT NOT NULL REFERENCES lots (id),
    venue_id        TEXT NOT NULL REFERENCES venues (id),
    quantity_milli  INTEGER NOT NULL CHECK (quantity_milli > 0),
    PRIMARY KEY (order_item_id, lot_id)
);
INSERT INTO new_order_item_lots SELECT * FROM order_item_lots;
DROP TABLE order_item_lots;
ALTER TABLE new_order_item_lots RENAME TO order_item_lots;

-- Every key must hold before COMMIT: a violation fails the CHECK and the migration.
CREATE TEMP TABLE venue_keys_check (violations INTEGER NOT NULL CHECK (violations = 0));
INSERT INTO venue_keys_check SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE venue_keys_check;

COMMIT;
PRAGMA foreign_keys = ON;
