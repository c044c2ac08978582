#!/usr/bin/env bash
# Creates the role the app instances connect as (brigade_app: rows, no DDL), by running
# app-role.sql as the schema owner. Mounted into /docker-entrypoint-initdb.d by
# deploy/compose.yaml, so the postgres image runs it once, on a new volume, after
# init.sql (names sort: 10-..., 20-...). Executable on purpose: the image then runs it
# in its own shell instead of sourcing it into the entrypoint.
#
# app-role.sql itself is mounted outside initdb.d (the image would run a .sql there
# without the variables it needs). On an existing volume, run this once by hand:
#
#   docker compose -f deploy/compose.yaml exec postgres /docker-entrypoint-initdb.d/20-app-role.sh
#
# Needs POSTGRES_USER, POSTGRES_DB (the image's) and BRIGADE_APP_DB_PASSWORD (compose).
# For deploy/test/app_role_test.sh only: BRIGADE_APP_ROLE (another name than the
# brigade_app that compose's URLs name) and BRIGADE_APP_ROLE_SQL (the .sql elsewhere).
set -euo pipefail

: "${BRIGADE_APP_DB_PASSWORD:?set BRIGADE_APP_DB_PASSWORD (deploy/.env) for the brigade_app role}"
role=${BRIGADE_APP_ROLE:-brigade_app}
sql=${BRIGADE_APP_ROLE_SQL:-/usr/local/share/brigade/app-role.sql}

# The password is a psql variable that the .sql quotes as a literal (:'app_password'),
# so any character is safe in it. ON_ERROR_STOP: a failure fails the container's first
# start instead of leaving a volume without the role.
psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet \
  -v app_role="$role" -v app_password="$BRIGADE_APP_DB_PASSWORD" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "$sql"
echo "app-role.sh: role $role can read and write rows of database $POSTGRES_DB, and change no schema"
