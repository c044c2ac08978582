PRAGMA foreign_keys = OFF;
BEGIN;


CREATE TABLE new_products (
    id             TEXT NOT NULL,
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
    PRIMARY KEY (venue_id, id),
    CONSTRAINT products_venue_sku_key UNIQUE (venue_id, sku)
);
INSERT INTO new_products
SELECT p.id, p.venue_id, p.name, p.sku, p.unit, p.cost_minor, p.price_minor, c.name,
       p.attributes, p.stock_tracked, p.active, p.created_at, p.updated_at
FROM products p
LEFT JOIN categories c ON c.venue_id = p.venue_id AND c.id = p.category_id;
DROP TABLE products;
ALTER TABLE new_products RENAME TO products;

DROP TABLE categories;
ALTER TABLE venues DROP COLUMN menu_version;

CREATE TEMP TABLE menu_check (violations INTEGER NOT NULL CHECK (violations = 0));
INSERT INTO menu_check SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE menu_check;

COMMIT;
PRAGMA foreign_keys = ON;
