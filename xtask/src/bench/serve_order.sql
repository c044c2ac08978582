-- The statements Brigade runs to serve a one-item ready order with FEFO (see
-- Brigade::change_status / serve and the PostgreSQL stores), as one pgbench transaction.
BEGIN;
SELECT id AS oid FROM orders WHERE venue_id = :venue::uuid AND status = 'ready' LIMIT 1 FOR UPDATE SKIP LOCKED \gset
SELECT o.*, t.name FROM orders o LEFT JOIN dining_tables t ON t.venue_id = o.venue_id AND t.id = o.table_id WHERE o.id = :oid::uuid AND o.venue_id = :venue::uuid;
SELECT id AS iid, product_id AS pid FROM order_items WHERE venue_id = :venue::uuid AND order_id = ANY(ARRAY[:oid::uuid]) \gset
SELECT id, name, stock_policy FROM venues WHERE id = :venue::uuid;
SELECT id, stock_tracked FROM products WHERE venue_id = :venue::uuid AND id = ANY(ARRAY[:pid::uuid]);
SELECT id, qty_current_milli, expiry_date, received_at FROM lots
 WHERE venue_id = :venue::uuid AND product_id = :pid::uuid AND qty_current_milli > 0
 ORDER BY expiry_date ASC NULLS LAST, received_at, id FOR UPDATE;
SELECT id AS lid FROM lots WHERE venue_id = :venue::uuid AND product_id = :pid::uuid AND qty_current_milli >= 1000
 ORDER BY expiry_date ASC NULLS LAST, received_at, id LIMIT 1 \gset
UPDATE lots SET qty_current_milli = qty_current_milli - 1000 WHERE id = :lid::uuid AND venue_id = :venue::uuid AND qty_current_milli >= 1000;
INSERT INTO order_item_lots (order_item_id, lot_id, venue_id, quantity_milli) VALUES (:iid::uuid, :lid::uuid, :venue::uuid, 1000);
INSERT INTO stock_movements (id, venue_id, lot_id, product_id, movement_type, quantity_milli, reference_type, reference_id, created_at)
     VALUES (gen_random_uuid(), :venue::uuid, :lid::uuid, :pid::uuid, 'OUT', -1000, 'order', :oid::uuid, now());
UPDATE orders SET status = 'served', updated_at = now(), served_at = now() WHERE id = :oid::uuid AND venue_id = :venue::uuid;
UPDATE venues SET last_order_number = last_order_number + 0, last_event_seq = last_event_seq + 1
 WHERE id = :venue::uuid RETURNING last_order_number AS num, last_event_seq AS seq \gset
INSERT INTO events (venue_id, seq, event_type, data, created_at)
     VALUES (:venue::uuid, :seq, 'order_status_changed', '{"order_id": "x"}', now());
COMMIT;
