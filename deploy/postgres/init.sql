-- Run once by the postgres image, on the first start with an empty data directory
-- (/docker-entrypoint-initdb.d), in the `brigade` database. The library itself is
-- loaded by the server's command line (shared_preload_libraries, deploy/compose.yaml).
-- An existing database needs this statement run by hand once (docs/RUNBOOK.md,
-- "Statement statistics").
--
-- pg_stat_statements feeds GET /api/v1/operator/queries: the costliest statement
-- patterns, with placeholders for values.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
