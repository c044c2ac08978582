-- The role Brigade's instances connect as: it reads and writes rows, and owns nothing.
-- The schema owner (the role running this file, and `brigade migrate`) keeps DDL; the
-- app role cannot create, alter, drop or truncate a table (DESIGN §8, docs/SECURITY.md).
--
--   psql -v ON_ERROR_STOP=1 -v app_role=brigade_app -v app_password=... \
--        -f deploy/postgres/app-role.sql <database>
--
-- Run by the schema owner in the application's database: deploy/compose.yaml does it
-- once on a new volume (postgres/app-role.sh); an existing database needs it once by
-- hand (docs/RUNBOOK.md, "Database roles"). Running it again is harmless: it only
-- sets the password and grants again.

SELECT format('CREATE ROLE %I LOGIN', :'app_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec
ALTER ROLE :"app_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';

GRANT CONNECT ON DATABASE :"DBNAME" TO :"app_role";
GRANT USAGE ON SCHEMA public TO :"app_role";
REVOKE CREATE ON SCHEMA public FROM :"app_role";
-- Before PostgreSQL 15 every role may create in `public` through PUBLIC: take that
-- away too (15 and later already do; the owner keeps its own right).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- What exists now ...
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
-- ... and what later migrations create (they run as this owner).
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app_role";

-- GET /api/v1/operator/queries reads pg_stat_statements; without this role the app
-- sees only its own statements' text (the migrations' would show as <insufficient
-- privilege>). Needs a superuser or a role with ADMIN on pg_read_all_stats: skipped,
-- with a notice, otherwise.
SELECT format('GRANT pg_read_all_stats TO %I', :'app_role')
WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = current_user AND rolsuper) \gexec
