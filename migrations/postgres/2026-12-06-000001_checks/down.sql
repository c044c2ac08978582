DROP TABLE discounts;
DROP TABLE payments;
ALTER TABLE order_items DROP COLUMN tax_rate;
ALTER TABLE orders DROP COLUMN service_charge, DROP COLUMN prices_include_tax;
ALTER TABLE products DROP COLUMN tax_class_id;
DROP TABLE tax_classes;
ALTER TABLE venues DROP COLUMN service_charge, DROP COLUMN prices_include_tax;
