-- The menu (DESIGN §9), first part: categories, allergens, and the venue's menu
-- version, which every menu change bumps in its own transaction (caches are keyed by
-- it). Every key leads with venue_id, as everywhere.
ALTER TABLE venues ADD COLUMN menu_version bigint NOT NULL DEFAULT 1;

CREATE TABLE categories (
    venue_id    uuid NOT NULL REFERENCES venues (id),
    id          uuid NOT NULL,
    name        text NOT NULL,
    position    integer NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (venue_id, id),
    CONSTRAINT categories_venue_name_key UNIQUE (venue_id, name)
);

-- The free-text categories become categories of the same name, alphabetically; each
-- takes the id of its first product (ids are UUIDs either way, and this needs no
-- generator SQLite lacks).
INSERT INTO categories (venue_id, id, name, position, created_at, updated_at)
SELECT venue_id, min(id::text)::uuid, category,
       (row_number() OVER (PARTITION BY venue_id ORDER BY category))::integer - 1,
       min(created_at), min(created_at)
FROM products
WHERE category IS NOT NULL
GROUP BY venue_id, category;

-- A product's allergens are a bit per EU Annex II allergen (brigade_domain::menu).
ALTER TABLE products
    ADD COLUMN category_id uuid,
    ADD COLUMN allergens integer NOT NULL DEFAULT 0 CHECK (allergens >= 0),
    ADD CONSTRAINT products_category_fkey
        FOREIGN KEY (venue_id, category_id) REFERENCES categories (venue_id, id);
UPDATE products p SET category_id = c.id
FROM categories c
WHERE c.venue_id = p.venue_id AND c.name = p.category;
ALTER TABLE products DROP COLUMN category;
CREATE INDEX products_category_idx ON products (venue_id, category_id);

