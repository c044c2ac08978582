-- Shard-ready keys: venue_id first in the primary key, every unique constraint and every
-- foreign key between venue-owned tables, so the tables can be distributed by venue
-- (Citus requires the distribution column in each of them; docs/SCALING.md). Data is
-- kept: keys are swapped in place. `users` (global) and `venues` (keyed by its own id)
-- are not venue-owned; the schema rule test (crates/app/tests/e2e/schema.rs) checks
-- every other table with a venue_id column.

-- 1. Foreign keys that point at the single-column primary keys about to go.
ALTER TABLE lots DROP CONSTRAINT lots_product_id_fkey;
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_lot_id_fkey;
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_product_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_table_id_fkey;
ALTER TABLE order_items DROP CONSTRAINT order_items_product_id_fkey;
ALTER TABLE order_items DROP CONSTRAINT order_items_order_id_fkey;
ALTER TABLE order_item_lots DROP CONSTRAINT order_item_lots_lot_id_fkey;
ALTER TABLE order_item_lots DROP CONSTRAINT order_item_lots_order_item_id_fkey;

-- 2. Primary keys led by venue_id.
ALTER TABLE memberships DROP CONSTRAINT memberships_pkey, ADD PRIMARY KEY (venue_id, user_id);
ALTER TABLE dining_tables DROP CONSTRAINT dining_tables_pkey, ADD PRIMARY KEY (venue_id, id);
ALTER TABLE products DROP CONSTRAINT products_pkey, ADD PRIMARY KEY (venue_id, id);
ALTER TABLE lots DROP CONSTRAINT lots_pkey, ADD PRIMARY KEY (venue_id, id);
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_pkey, ADD PRIMARY KEY (venue_id, id);
ALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD PRIMARY KEY (venue_id, id);
ALTER TABLE order_items DROP CONSTRAINT order_items_pkey, ADD PRIMARY KEY (venue_id, id);
ALTER TABLE order_item_lots DROP CONSTRAINT order_item_lots_pkey,
    ADD PRIMARY KEY (venue_id, order_item_id, lot_id);

-- 3. The same foreign keys, naming the venue: a row can only point into its own venue.
ALTER TABLE lots ADD CONSTRAINT lots_product_fkey
    FOREIGN KEY (venue_id, product_id) REFERENCES products (venue_id, id);
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_lot_fkey
    FOREIGN KEY (venue_id, lot_id) REFERENCES lots (venue_id, id);
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_product_fkey
    FOREIGN KEY (venue_id, product_id) REFERENCES products (venue_id, id);
-- table_id is NULL for bar orders: MATCH SIMPLE checks only complete keys.
ALTER TABLE orders ADD CONSTRAINT orders_table_fkey
    FOREIGN KEY (venue_id, table_id) REFERENCES dining_tables (venue_id, id);
ALTER TABLE order_items ADD CONSTRAINT order_items_product_fkey
    FOREIGN KEY (venue_id, product_id) REFERENCES products (venue_id, id);
ALTER TABLE order_items ADD CONSTRAINT order_items_order_fkey
    FOREIGN KEY (venue_id, order_id) REFERENCES orders (venue_id, id) ON DELETE CASCADE;
ALTER TABLE order_item_lots ADD CONSTRAINT order_item_lots_lot_fkey
    FOREIGN KEY (venue_id, lot_id) REFERENCES lots (venue_id, id);
ALTER TABLE order_item_lots ADD CONSTRAINT order_item_lots_order_item_fkey
    FOREIGN KEY (venue_id, order_item_id) REFERENCES order_items (venue_id, id) ON DELETE CASCADE;

-- 4. Lookup indexes by a foreign key, led by the venue too.
DROP INDEX stock_movements_lot_idx;
CREATE INDEX stock_movements_lot_idx ON stock_movements (venue_id, lot_id);
DROP INDEX orders_open_by_table_idx;
CREATE INDEX orders_open_by_table_idx ON orders (venue_id, table_id)
    WHERE status NOT IN ('completed', 'cancelled');
DROP INDEX order_items_order_idx;
CREATE INDEX order_items_order_idx ON order_items (venue_id, order_id);
