-- See the PostgreSQL migration of the same name. SQLite cannot add a foreign key to a
-- table, so products is rebuilt (as in 2026-12-02-000001_venue_keys, whose
-- metadata.toml explains running outside diesel's transaction).

PRAGMA foreign_keys = OFF;
BEGIN;

ALTER TABLE venues ADD COLUMN menu_version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE categories (
    venue_id    TEXT NOT NULL REFERENCES venues (id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (venue_id, id),
    CONSTRAINT categories_venue_name_key UNIQUE (venue_id, name)
);

INSERT INTO categories (venue_id, id, name, position, created_at, updated_at)
SELECT venue_id, min(id), category,
       (row_number() OVER (PARTITION BY venue_id ORDER BY category)) - 1,
       min(created_at), min(created_at)
FROM products
WHERE category IS NOT NULL
GROUP BY venue_id, category;

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
SELECT p.id, p.venue_id, p.name, p.sku, p.unit, p.cost_minor, p.price_minor, p.attributes,
       p.stock_tracked, p.active, p.created_at, p.updated_at, c.id, 0
FROM products p
LEFT JOIN categories c ON c.venue_id = p.venue_id AND c.name = p.category;
DROP TABLE products;
ALTER TABLE new_products RENAME TO products;
CREATE INDEX products_category_idx ON products (venue_id, category_id);


CREATE TEMP TABLE menu_check (violations INTEGER NOT NULL CHECK (violations = 0));
INSERT INTO menu_check SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE menu_check;

COMMIT;
PRAGMA foreign_keys = ON;
