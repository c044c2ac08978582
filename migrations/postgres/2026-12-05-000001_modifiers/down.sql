ALTER TABLE order_items DROP COLUMN options;
DROP TABLE product_modifier_groups;
DROP TABLE modifier_options;
DROP TABLE modifier_groups;
