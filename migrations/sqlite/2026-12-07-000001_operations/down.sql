DROP TABLE kitchen_alerts;
ALTER TABLE venues DROP COLUMN hidden;
