DROP INDEX orders_ready_at_idx;
DROP INDEX orders_in_kitchen_idx;
