-- Back to keys by id alone (the data is kept).

DROP INDEX order_items_order_idx;
CREATE INDEX order_items_order_idx ON order_items (order_id);
DROP INDEX orders_open_by_table_idx;
CREATE INDEX orders_open_by_table_idx ON orders (table_id) WHERE status NOT IN ('completed', 'cancelled');
DROP INDEX stock_movements_lot_idx;
CREATE INDEX stock_movements_lot_idx ON stock_movements (lot_id);

ALTER TABLE lots DROP CONSTRAINT lots_product_fkey;
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_lot_fkey;
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_product_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_table_fkey;
ALTER TABLE order_items DROP CONSTRAINT order_items_product_fkey;
ALTER TABLE order_items DROP CONSTRAINT order_items_order_fkey;
ALTER TABLE order_item_lots DROP CONSTRAINT order_item_lots_lot_fkey;
ALTER TABLE order_item_lots DROP CONSTRAINT order_item_lots_order_item_fkey;

ALTER TABLE memberships DROP CONSTRAINT memberships_pkey, ADD PRIMARY KEY (user_id, venue_id);
ALTER TABLE dining_tables DROP CONSTRAINT dining_tables_pkey, ADD PRIMARY KEY (id);
ALTER TABLE products DROP CONSTRAINT products_pkey, ADD PRIMARY KEY (id);
ALTER TABLE lots DROP CONSTRAINT lots_pkey, ADD PRIMARY KEY (id);
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_pkey, ADD PRIMARY KEY (id);
ALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD PRIMARY KEY (id);
ALTER TABLE order_items DROP CONSTRAINT order_items_pkey, ADD PRIMARY KEY (id);
ALTER TABLE order_item_lots DROP CONSTRAINT order_item_lots_pkey,
    ADD PRIMARY KEY (order_item_id, lot_id);

ALTER TABLE lots ADD CONSTRAINT lots_product_id_fkey
    FOREIGN KEY (product_id) REFERENCES products (id);
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_lot_id_fkey
    FOREIGN KEY (lot_id) REFERENCES lots (id);
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_product_id_fkey
    FOREIGN KEY (product_id) REFERENCES products (id);
ALTER TABLE orders ADD CONSTRAINT orders_table_id_fkey
    FOREIGN KEY (table_id) REFERENCES dining_tables (id);
ALTER TABLE order_items ADD CONSTRAINT order_items_product_id_fkey
    FOREIGN KEY (product_id) REFERENCES products (id);
ALTER TABLE order_items ADD CONSTRAINT order_items_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE;
ALTER TABLE order_item_lots ADD CONSTRAINT order_item_lots_lot_id_fkey
    FOREIGN KEY (lot_id) REFERENCES lots (id);
ALTER TABLE order_item_lots ADD CONSTRAINT order_item_lots_order_item_id_fkey
    FOREIGN KEY (order_item_id) REFERENCES order_items (id) ON DELETE CASCADE;
