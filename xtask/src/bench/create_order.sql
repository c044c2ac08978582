-- The statements Brigade runs to open a one-item bar order (see
-- Brigade::create_order and the PostgreSQL stores), as one pgbench transaction.
SELECT gen_random_uuid() AS oid, gen_random_uuid() AS iid \gset
BEGIN;
SELECT id, name, price_minor, active FROM products WHERE venue_id = :venue::uuid AND id = ANY(ARRAY[:product::uuid]);
INSERT INTO orders (id, venue_id, status, covers, created_by, total_minor, created_at, updated_at)
     VALUES (:oid::uuid, :venue::uuid, 'draft', 2, :venue::uuid, 1400, now(), now());
INSERT INTO order_items (id, venue_id, order_id, product_id, product_name, quantity_milli, unit_price_minor, modifiers, created_at)
     VALUES (:iid::uuid, :venue::uuid, :oid::uuid, :product::uuid, 'Bench', 1000, 1400, '{}', now());
UPDATE venues SET last_order_number = last_order_number + 1, last_event_seq = last_event_seq + 1
 WHERE id = :venue::uuid RETURNING last_order_number AS num, last_event_seq AS seq \gset
UPDATE orders SET order_number = :num WHERE id = :oid::uuid AND venue_id = :venue::uuid;
INSERT INTO events (venue_id, seq, event_type, data, created_at)
     VALUES (:venue::uuid, :seq, 'new_order', '{"order_id": "x"}', now());
COMMIT;
