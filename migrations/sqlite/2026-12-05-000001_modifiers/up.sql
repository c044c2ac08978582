-- See the PostgreSQL migration of the same name.
CREATE TABLE modifier_groups (
    venue_id     TEXT NOT NULL REFERENCES venues (id),
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    min_choices  INTEGER NOT NULL DEFAULT 0 CHECK (min_choices >= 0),
    max_choices  INTEGER NOT NULL DEFAULT 1 CHECK (max_choices >= 1 AND max_choices >= min_choices),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (venue_id, id)
);

CREATE TABLE modifier_options (
    venue_id           TEXT NOT NULL,
    id                 TEXT NOT NULL,
    group_id           TEXT NOT NULL,
    name               TEXT NOT NULL,
    price_delta_minor  INTEGER NOT NULL DEFAULT 0,
    allergens          INTEGER NOT NULL DEFAULT 0 CHECK (allergens >= 0),
    position           INTEGER NOT NULL DEFAULT 0,
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (venue_id, id),
    FOREIGN KEY (venue_id, group_id) REFERENCES modifier_groups (venue_id, id),
    CONSTRAINT modifier_options_group_name_key UNIQUE (venue_id, group_id, name)
);

CREATE TABLE product_modifier_groups (
    venue_id    TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (venue_id, product_id, group_id),
    FOREIGN KEY (venue_id, product_id) REFERENCES products (venue_id, id),
    FOREIGN KEY (venue_id, group_id) REFERENCES modifier_groups (venue_id, id)
);
CREATE INDEX product_modifier_groups_group_idx ON product_modifier_groups (venue_id, group_id);

ALTER TABLE order_items ADD COLUMN options TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(options));
