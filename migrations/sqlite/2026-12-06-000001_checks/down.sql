PRAGMA foreign_keys = OFF;
BEGIN;

DROP TABLE discounts;
DROP TABLE payments;
ALTER TABLE order_items DROP COLUMN tax_rate;
ALTER TABLE orders DROP COLUMN service_charge;
ALTER TABLE orders DROP COLUMN prices_include_tax;

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
    PRIMARY KEY (venue_id, id),
    CONSTRAINT products_venue_sku_key UNIQUE (venue_id, sku),
    FOREIGN KEY (venue_id, category_id) REFERENCES categories (venue_id, id)
);
INSERT INTO new_products
SELECT id, venue_id, name, sku, unit, cost_minor, price_minor, attributes, stock_tracked,
       active, created_at, updated_at, category_id, allergens
FROM products;
DROP TABLE products;
ALTER TABLE new_products RENAME TO products;
CREATE INDEX products_category_idx ON products (venue_id, category_id);

DROP TABLE tax_classes;
ALTER TABLE venues DROP COLUMN service_charge;
ALTER TABLE venues DROP COLUMN prices_include_tax;

CREATE TEMP TABLE checks_check (violations INTEGER NOT NULL CHECK (violations = 0));
INSERT INTO checks_check SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE checks_check;

COMMIT;
PRAGMA foreign_keys = ON;
