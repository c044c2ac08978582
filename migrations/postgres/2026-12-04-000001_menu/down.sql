ALTER TABLE products ADD COLUMN category text;
UPDATE products p SET category = c.name
FROM categories c
WHERE c.venue_id = p.venue_id AND c.id = p.category_id;
DROP INDEX products_category_idx;
ALTER TABLE products DROP COLUMN category_id, DROP COLUMN allergens;
DROP TABLE categories;
ALTER TABLE venues DROP COLUMN menu_version;
