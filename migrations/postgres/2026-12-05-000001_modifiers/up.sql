-- The menu (DESIGN §9), second part: modifier groups with their options, attached to
-- products in a display order, and the options an order line was sold with. Every key
-- leads with venue_id, as everywhere.
CREATE TABLE modifier_groups (
    venue_id     uuid NOT NULL REFERENCES venues (id),
    id           uuid NOT NULL,
    name         text NOT NULL,
    -- `required` is min_choices >= 1.
    min_choices  integer NOT NULL DEFAULT 0 CHECK (min_choices >= 0),
    max_choices  integer NOT NULL DEFAULT 1 CHECK (max_choices >= 1 AND max_choices >= min_choices),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (venue_id, id)
);

CREATE TABLE modifier_options (
    venue_id           uuid NOT NULL,
    id                 uuid NOT NULL,
    group_id           uuid NOT NULL,
    name               text NOT NULL,
    -- May be negative ("no cheese"); a line's price never is.
    price_delta_minor  bigint NOT NULL DEFAULT 0,
    allergens          integer NOT NULL DEFAULT 0 CHECK (allergens >= 0),
    position           integer NOT NULL DEFAULT 0,
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (venue_id, id),
    FOREIGN KEY (venue_id, group_id) REFERENCES modifier_groups (venue_id, id),
    CONSTRAINT modifier_options_group_name_key UNIQUE (venue_id, group_id, name)
);

-- Which groups a product offers, in display order.
CREATE TABLE product_modifier_groups (
    venue_id    uuid NOT NULL,
    product_id  uuid NOT NULL,
    group_id    uuid NOT NULL,
    position    integer NOT NULL,
    PRIMARY KEY (venue_id, product_id, group_id),
    FOREIGN KEY (venue_id, product_id) REFERENCES products (venue_id, id),
    FOREIGN KEY (venue_id, group_id) REFERENCES modifier_groups (venue_id, id)
);
CREATE INDEX product_modifier_groups_group_idx ON product_modifier_groups (venue_id, group_id);

-- The options a line was sold with, as named and priced then (unit_price includes
-- their deltas).
ALTER TABLE order_items ADD COLUMN options jsonb NOT NULL DEFAULT '[]';
