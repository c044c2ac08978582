DROP INDEX orders_preparing_idx;
DROP TABLE kitchen_alerts;
ALTER TABLE venues DROP COLUMN hidden;
