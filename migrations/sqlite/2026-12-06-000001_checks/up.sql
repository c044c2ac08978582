-- See the PostgreSQL migration of the same name. products is rebuilt to take its tax
-- class's foreign key.

PRAGMA foreign_keys = OFF;
BEGIN;

ALTER TABLE venues ADD COLUMN prices_include_tax INTEGER NOT NULL DEFAULT 1
    CHECK (prices_include_tax IN (0, 1));
ALTER TABLE venues ADD COLUMN service_charge INTEGER NOT NULL DEFAULT 0
    CHECK (service_charge BETWEEN 0 AND 100000);

CREATE TABLE tax_classes (
    venue_id    TEXT NOT NULL REFERENCES venues (id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    rate        INTEGER NOT NULL CHECK (rate BETWEEN 0 AND 100000),
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (venue_id, id),
    CONSTRAINT tax_classes_venue_name_key UNIQUE (venue_id, name)
);
CREATE UNIQUE INDEX tax_classes_one_default_key ON tax_classes (venue_id) WHERE is_default;

CREATE TABLE new_products (
    id             TEXT NOT NULL,
    venue_id       TEXT NOT NULL REFERENCES venues (id),
    name           TEXT NOT NULL,
    sku            TEXT NOT NULL,
    unit           TEXT NOT NULL,
    cost_minor     INTEGER NOT NULL CHECK (cost_minor >= 0),
    price_minor    INTEGER NOT NULL CHECK (price_minor >= 0),
    attributes     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
    stock_tracked  INTEGER NOT NULL DEFAULT 1 CHECK (stock_tracked IN (0, 1)),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    category_id    TEXT,
    allergens      INTEGER NOT NULL DEFAULT 0 CHECK (allergens >= 0),
    tax_class_id   TEXT,
    PRIMARY KEY (venue_id, id),
    CONSTRAINT products_venue_sku_key UNIQUE (venue_id, sku),
    FOREIGN KEY (venue_id, category_id) REFERENCES categories (venue_id, id),
    FOREIGN KEY (venue_id, tax_class_id) REFERENCES tax_classes (venue_id, id)
);
INSERT INTO new_products
SELECT id, venue_id, name, sku, unit, cost_minor, price_minor, attributes, stock_tracked,
       active, created_at, updated_at, category_id, allergens, NULL
FROM products;
DROP TABLE products;
ALTER TABLE new_products RENAME TO products;
CREATE INDEX products_category_idx ON products (venue_id, category_id);

ALTER TABLE orders ADD COLUMN prices_include_tax INTEGER NOT NULL DEFAULT 1
    CHECK (prices_include_tax IN (0, 1));
ALTER TABLE orders ADD COLUMN service_charge INTEGER NOT NULL DEFAULT 0
    CHECK (service_charge BETWEEN 0 AND 100000);

ALTER TABLE order_items ADD COLUMN tax_rate INTEGER NOT NULL DEFAULT 0
    CHECK (tax_rate BETWEEN 0 AND 100000);

CREATE TABLE payments (
    venue_id        TEXT NOT NULL REFERENCES venues (id),
    id              TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('cash', 'card', 'other')),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'captured', 'failed', 'refunded')),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    tip_minor       INTEGER NOT NULL DEFAULT 0 CHECK (tip_minor >= 0),
    tendered_minor  INTEGER CHECK (tendered_minor >= 0),
    change_minor    INTEGER CHECK (change_minor >= 0),
    reference       TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    refunded_by     TEXT,
    refund_reason   TEXT,
    PRIMARY KEY (venue_id, id),
    FOREIGN KEY (venue_id, order_id) REFERENCES orders (venue_id, id)
);
CREATE INDEX payments_order_idx ON payments (venue_id, order_id);
CREATE INDEX payments_created_idx ON payments (venue_id, created_at);

CREATE TABLE discounts (
    venue_id      TEXT NOT NULL REFERENCES venues (id),
    id            TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    item_id       TEXT,
    percent       INTEGER CHECK (percent BETWEEN 0 AND 100000),
    amount_minor  INTEGER CHECK (amount_minor > 0),
    reason        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (venue_id, id),
    FOREIGN KEY (venue_id, order_id) REFERENCES orders (venue_id, id) ON DELETE CASCADE,
    FOREIGN KEY (venue_id, item_id) REFERENCES order_items (venue_id, id) ON DELETE CASCADE,
    CHECK ((percent IS NULL) <> (amount_minor IS NULL))
);
CREATE UNIQUE INDEX discounts_line_key ON discounts (venue_id, item_id) WHERE item_id IS NOT NULL;
CREATE UNIQUE INDEX discounts_check_key ON discounts (venue_id, order_id) WHERE item_id IS NULL;

CREATE TEMP TABLE checks_check (violations INTEGER NOT NULL CHECK (violations = 0));
INSERT INTO checks_check SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE checks_check;

COMMIT;
PRAGMA foreign_keys = ON;
