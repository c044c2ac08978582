-- The kitchen-health query (GET /health, and the metrics probe every 15 s) reads the
-- orders in the kitchen and those that became ready in the last hour. Without these it
-- read the whole orders table, which is never pruned.
CREATE INDEX orders_in_kitchen_idx ON orders (status, kitchen_started_at)
    WHERE status IN ('confirmed', 'preparing', 'ready');
CREATE INDEX orders_ready_at_idx ON orders (ready_at) WHERE ready_at IS NOT NULL;
