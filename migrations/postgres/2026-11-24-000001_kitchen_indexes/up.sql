-- The kitchen-health query (GET /health, and the metrics probe every 15 s) reads the
-- orders in the kitchen and those that became ready in the last hour. Without these it
-- read the whole orders table, which is never pruned.
--
-- Orders in the kitchen: a partial index, touched only by kitchen transitions.
CREATE INDEX orders_in_kitchen_idx ON orders (status, kitchen_started_at)
    WHERE status IN ('confirmed', 'preparing', 'ready');
-- Recently ready: BRIN, since every later status change of an order writes a new row
-- version and a B-tree entry would cost each serve (measured with `cargo xtask bench`);
-- ready_at grows with the table, which is what BRIN needs.
CREATE INDEX orders_ready_at_idx ON orders USING brin (ready_at);
