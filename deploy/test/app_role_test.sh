#!/usr/bin/env bash
# Runs deploy/postgres/app-role.sh (hence app-role.sql) on a scratch database of
# BRIGADE_TEST_PG as its superuser, the way the postgres image runs it for compose,
# then connects as the role it made and checks: rows of tables made before and after
# it (by the owner, as migrations are) can be read and written; no table can be
# created, altered, truncated or dropped; no superuser, CREATEDB or CREATEROLE; the
# statistics role granted; a second run is harmless. Run by deploy/check.sh; needs psql.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
server=${BRIGADE_TEST_PG:?set BRIGADE_TEST_PG, e.g. postgres://postgres@127.0.0.1:5432}
server=${server%/}
suffix=$$_$RANDOM
db=brigade_approle_$suffix
# Not brigade_app: roles are cluster-wide, and the test server may be shared.
role=brigade_app_check_$suffix
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
owner_user=${server#*://}
owner_user=${owner_user%%@*}
owner_user=${owner_user%%:*}
host=${server#*://}
host=${host#*@}
app_url="postgresql://$role:$password@$host/$db"

sql() { psql --no-psqlrc -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
cleanup() {
  sql "$server/postgres" "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  sql "$server/postgres" "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# shellcheck source=test/expect.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/expect.sh"
as_app() { sql "$app_url" "$1"; }
is_true() { [[ $(as_app "$1") == t ]]; }

sql "$server/postgres" "CREATE DATABASE $db" >/dev/null
# A table that exists before the script runs (an existing deployment being upgraded).
sql "$server/$db" "CREATE TABLE early (id bigserial PRIMARY KEY, v text)" >/dev/null

run_script() {
  BRIGADE_APP_DB_PASSWORD=$password BRIGADE_APP_ROLE=$role \
    BRIGADE_APP_ROLE_SQL="$here/../postgres/app-role.sql" \
    POSTGRES_USER=$owner_user POSTGRES_DB="$server/$db" \
    bash "$here/../postgres/app-role.sh"
}
if ! out=$(run_script 2>&1); then
  printf '%s\nFAIL  app-role.sh failed\n' "$out"
  exit 1
fi
printf 'ok    app-role.sh made role %s\n' "$role"
expect "a second run is harmless" run_script
# A table a later migration makes, as the owner: default privileges cover it.
sql "$server/$db" "CREATE TABLE later (id bigserial PRIMARY KEY, v text)" >/dev/null

expect "the role signs in with BRIGADE_APP_DB_PASSWORD" as_app "SELECT 1"
expect "no superuser, CREATEDB or CREATEROLE" \
  is_true "SELECT NOT (rolsuper OR rolcreatedb OR rolcreaterole) FROM pg_roles WHERE rolname = current_user"
for t in early later; do
  expect "rows of a table made $( [[ $t == early ]] && echo before || echo after) it: insert, select, update, delete" \
    as_app "INSERT INTO $t (v) VALUES ('a'); UPDATE $t SET v = 'b'; SELECT count(*) FROM $t; DELETE FROM $t"
done
expect "CREATE TABLE is refused" fails as_app "CREATE TABLE mine (id int)"
expect "ALTER TABLE is refused" fails as_app "ALTER TABLE early ADD COLUMN x int"
expect "TRUNCATE is refused" fails as_app "TRUNCATE later"
expect "DROP TABLE is refused" fails as_app "DROP TABLE early"
expect "pg_read_all_stats granted (operators' statement view)" \
  is_true "SELECT pg_has_role(current_user, 'pg_read_all_stats', 'member')"

((failed == 0))
