#!/usr/bin/env bash
# End-to-end test of deploy.sh and rollback.sh on a real PostgreSQL with real Brigade
# processes: two instances on loopback ports, two releases, a deploy, a rollback with
# down migrations, a rollback that restores the pre-deploy backup, and a deploy that
# warms a shared cache on a real Redis.
#
#   BRIGADE_BIN=target/debug/brigade deploy/test/deploy_rollback_e2e.sh
#
# BRIGADE_BIN: a built brigade binary (required). BRIGADE_TEST_PG: a PostgreSQL server
# URL it may create and drop a database on (default postgres://postgres@127.0.0.1:5432,
# as the test suites use). BRIGADE_TEST_REDIS: a Redis it may write keys to, under a
# channel of its own it deletes at the end (default redis://127.0.0.1:6379; redis-cli
# on PATH). deploy/check.sh runs this when BRIGADE_BIN is set.
#
# Release v2 is release v1 plus one migration. A real release embeds its migrations in
# its binary; here v2's bin/brigade is a wrapper that runs the real `migrate` and then
# applies the extra migration the way diesel does (up.sql, then its version recorded),
# which is all deploy.sh and rollback.sh can observe.
#
# Some checks are single-quoted strings given to eval: they expand when checked.
# shellcheck disable=SC2016
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
deploy_dir=$(dirname "$here")
repo=$(dirname "$deploy_dir")

[[ -n ${BRIGADE_BIN:-} ]] || {
  echo "set BRIGADE_BIN to a built brigade binary" >&2
  exit 2
}
bin=$(cd -- "$(dirname -- "$BRIGADE_BIN")" && pwd)/$(basename -- "$BRIGADE_BIN")
[[ -x $bin ]] || {
  echo "$BRIGADE_BIN is not executable" >&2
  exit 2
}
server=${BRIGADE_TEST_PG:-postgres://postgres@127.0.0.1:5432}
server=${server%/}
db=brigade_deploy_e2e_$$
export BRIGADE_DATABASE_URL=$server/$db

work=$(mktemp -d)
passed=0
failed=0

cleanup() {
  local status=$? pidfile
  if ((status != 0)) && [[ -s $work/run.log ]]; then
    echo "log of the scripts:"
    sed 's/^/    /' "$work/run.log"
  fi
  for pidfile in "$work"/*.pid; do
    [[ -f $pidfile ]] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
  psql --no-psqlrc -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

ok() {
  printf '  ok    %s\n' "$1"
  passed=$((passed + 1))
}
bad() {
  printf '  FAIL  %s\n' "$1"
  failed=$((failed + 1))
}
check() { # check "description" command...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
sql() { psql --no-psqlrc -qAt -v ON_ERROR_STOP=1 -d "$BRIGADE_DATABASE_URL" -c "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

psql --no-psqlrc -q -d "$server/postgres" -c "CREATE DATABASE $db" >/dev/null

# --------------------------------------------------------------------------- releases
mkdir -p "$work/releases/v1/bin" "$work/releases/v2/bin"
for r in v1 v2; do cp -R "$repo/migrations" "$work/releases/$r/"; done
ln -s "$bin" "$work/releases/v1/bin/brigade"
extra=2099-01-01-000001_e2e_kitchen_note
mkdir -p "$work/releases/v2/migrations/postgres/$extra"
cat >"$work/releases/v2/migrations/postgres/$extra/up.sql" <<'EOF'
ALTER TABLE orders ADD COLUMN e2e_kitchen_note text;
CREATE TABLE e2e_release_two (id integer PRIMARY KEY);
EOF
cat >"$work/releases/v2/migrations/postgres/$extra/down.sql" <<'EOF'
DROP TABLE e2e_release_two;
ALTER TABLE orders DROP COLUMN e2e_kitchen_note;
EOF
cat >"$work/releases/v2/bin/brigade" <<EOF
#!/usr/bin/env bash
set -euo pipefail
if [[ \${1:-} == migrate ]]; then
  "$bin" migrate
  applied=\$(psql --no-psqlrc -qAt -d "\$BRIGADE_DATABASE_URL" -c "SELECT count(*) FROM __diesel_schema_migrations WHERE version = '20990101000001'")
  if [[ \$applied == 0 ]]; then
    psql --no-psqlrc -q -v ON_ERROR_STOP=1 --single-transaction -d "\$BRIGADE_DATABASE_URL" \\
      -f "$work/releases/v2/migrations/postgres/$extra/up.sql" \\
      -c "INSERT INTO __diesel_schema_migrations (version) VALUES ('20990101000001')"
    echo "applied $extra"
  fi
else
  exec "$bin" "\$@"
fi
EOF
chmod +x "$work/releases/v2/bin/brigade"

# ------------------------------------------------------------------------- instances
# inst.sh restart|stop NAME: what systemctl would do for brigade@NAME.
port_a=$(free_port)
port_b=$(free_port)
cat >"$work/inst.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
action=\$1 name=\$2
case \$name in a) port=$port_a ;; b) port=$port_b ;; *) exit 1 ;; esac
pidfile=$work/\$name.pid
if [[ -f \$pidfile ]]; then
  pid=\$(cat "\$pidfile")
  kill "\$pid" 2>/dev/null || true
  for _ in \$(seq 1 100); do kill -0 "\$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "\$pidfile"
fi
[[ \$action == restart ]] || exit 0
BRIGADE_JWT_SECRET=7e3b9d1f5a2c8e0b4d6f1a9c3e5b7d2f0a8c4e6b1d9f3a5c7e2b0d8f6a4c1e9b \\
  nohup "$work/home/current/bin/brigade" serve --bind 127.0.0.1:\$port \\
  >>"$work/\$name.log" 2>&1 &
echo \$! >"\$pidfile"
EOF
chmod +x "$work/inst.sh"

export BRIGADE_HOME=$work/home
export BRIGADE_INSTANCES="a=http://127.0.0.1:$port_a b=http://127.0.0.1:$port_b"
export BRIGADE_RESTART_CMD="$work/inst.sh restart {name}"
export BRIGADE_STOP_CMD="$work/inst.sh stop {name}"
export BRIGADE_READY_TIMEOUT=60
export BRIGADE_SETTLE_SECS=1

ready() { curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$1/health/ready"; }
both_ready() { ready "$port_a" && ready "$port_b"; }
current_is() { [[ $(readlink "$BRIGADE_HOME/current") == "$work/releases/$1" ]]; }
previous_is() { [[ $(readlink "$BRIGADE_HOME/previous") == "$work/releases/$1" ]]; }
has_extra() { [[ $(sql "SELECT count(*) FROM __diesel_schema_migrations WHERE version = '20990101000001'") == 1 ]]; }
has_table() { [[ $(sql "SELECT to_regclass('$1') IS NOT NULL") == t ]]; }
has_column() { [[ $(sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'e2e_kitchen_note'") == 1 ]]; }
backups() { find "$BRIGADE_HOME/backups" -name "*$1*.dump" 2>/dev/null | wc -l; }
# File names start with a UTC timestamp, so the last in name order is the newest.
latest_backup() { find "$BRIGADE_HOME/backups" -name "*$1*.dump" | sort | tail -n 1; }
not() { ! "$@"; }
log="$work/run.log"
quietly() { "$@" >>"$log" 2>&1; }
# refuses PATTERN COMMAND...: the command fails, and says why (PATTERN, extended regex).
refuses() {
  local pattern=$1 out
  shift
  out=$("$@" 2>&1) && return 1
  printf '%s\n' "$out" >>"$log"
  grep -Eq "$pattern" <<<"$out"
}

# says PATTERN COMMAND...: the command succeeds, and its output matches PATTERN.
says() {
  local pattern=$1 out
  shift
  out=$("$@" 2>&1) || {
    printf '%s\n' "$out" >>"$log"
    return 1
  }
  printf '%s\n' "$out" >>"$log"
  grep -Eq "$pattern" <<<"$out"
}

echo "deploy/rollback end-to-end ($bin, database $db)"

# ----------------------------------------------------------------------- first deploy
echo "-- deploy v1 on an empty database"
check "deploy.sh v1 succeeds" quietly "$deploy_dir/deploy.sh" "$work/releases/v1"
check "current -> v1" current_is v1
check "initial migration applied" has_table orders
check "both instances ready" both_ready
check "a backup was taken before migrating" test "$(backups before-v1)" -eq 1

echo "-- deploy v2 (one new migration)"
pid_a=$(cat "$work/a.pid")
check "deploy.sh --dry-run v2 changes nothing" quietly "$deploy_dir/deploy.sh" --dry-run "$work/releases/v2"
check "  still on v1, no backup, v2's migration not applied" \
  eval 'current_is v1 && [[ $(backups before-v2) == 0 ]] && ! has_extra'
check "deploy.sh v2 succeeds" quietly "$deploy_dir/deploy.sh" "$work/releases/v2"
check "current -> v2, previous -> v1" eval 'current_is v2 && previous_is v1'
check "v2 migration applied" has_extra
check "instance a was restarted" test "$(cat "$work/a.pid")" != "$pid_a"
check "both instances ready" both_ready
check "backup before v2 exists and is a valid archive" \
  eval 'pg_restore --list "$(latest_backup before-v2)" >/dev/null'
sql "INSERT INTO e2e_release_two VALUES (1)"

echo "-- roll back v2 -> v1 (code, then down migrations)"
check "rollback.sh --dry-run changes nothing" quietly "$deploy_dir/rollback.sh" --dry-run
check "  still on v2, with its migration" eval 'current_is v2 && has_extra'
check "rollback.sh without a terminal and without --yes refuses" \
  refuses "pass --yes to confirm" "$deploy_dir/rollback.sh" </dev/null
check "rollback.sh --yes succeeds" quietly "$deploy_dir/rollback.sh" --yes
check "current -> v1, previous -> v2" eval 'current_is v1 && previous_is v2'
check "down.sql ran: table and column gone" eval '! has_table e2e_release_two && ! has_column'
check "the version row is gone" not has_extra
check "the initial migration is kept" has_table orders
check "both instances ready on v1" both_ready
check "a safety backup was taken before the rollback" test "$(backups before-rollback)" -eq 1
check "rolling 'back' to the newer v2 is refused" \
  refuses "newer than the database. Use deploy.sh" "$deploy_dir/rollback.sh" --yes
check "a second deploy while one runs is refused (lock)" \
  refuses "another deploy or rollback holds" flock "$BRIGADE_HOME/.deploy.lock" "$deploy_dir/deploy.sh" "$work/releases/v1"
check "deploy.sh refuses a directory that is not a release" \
  refuses "not a release checkout" "$deploy_dir/deploy.sh" "$work"

echo "-- deploy v2 again, write data, restore the pre-deploy backup"
check "deploy.sh v2 succeeds" quietly "$deploy_dir/deploy.sh" "$work/releases/v2"
backup=$(latest_backup before-v2)
sql "INSERT INTO venues (id, name) VALUES ('00000000-0000-0000-0000-0000000000e2', 'written after the backup')"
sql "INSERT INTO e2e_release_two VALUES (2)"
check "rollback.sh --restore succeeds" quietly "$deploy_dir/rollback.sh" --restore "$backup" --yes
check "current -> v1" current_is v1
check "data written after the backup is gone" test "$(sql "SELECT count(*) FROM venues WHERE id = '00000000-0000-0000-0000-0000000000e2'")" -eq 0
check "v2's schema is gone (reverted, then restored)" not has_table e2e_release_two
check "v2's version row is gone" not has_extra
check "the restored schema is complete" has_table orders
check "both instances ready after the restore" both_ready

echo "-- a down migration that fails, then the rollback finished with --to"
check "deploy.sh v2 succeeds" quietly "$deploy_dir/deploy.sh" "$work/releases/v2"
down="$work/releases/v2/migrations/postgres/$extra/down.sql"
cp "$down" "$work/down.sql.good"
printf 'SELECT 1 / 0;\n' >>"$down"
check "rollback.sh stops at the failing down migration and says how to finish" \
  refuses "finish with .*rollback.sh --to $work/releases/v1" "$deploy_dir/rollback.sh" --yes
check "  the instances already run v1" eval 'current_is v1 && both_ready'
check "  the failed down migration left the schema untouched" eval 'has_extra && has_table e2e_release_two'
cp "$work/down.sql.good" "$down"
check "rollback.sh --to v1 finishes the down migrations" quietly "$deploy_dir/rollback.sh" --to "$work/releases/v1" --yes
check "  v2's migration is reverted" eval '! has_extra && ! has_table e2e_release_two'
check "  a second --to v1 has nothing left to do" \
  refuses "no migration is left to revert" "$deploy_dir/rollback.sh" --to "$work/releases/v1" --yes

echo "-- with a shared cache, a deploy warms the menus of the venues that took orders"
redis_url=${BRIGADE_TEST_REDIS:-redis://127.0.0.1:6379}
export BRIGADE_REDIS_CHANNEL=brigade-deploy-e2e-$$
venue=00000000-0000-0000-0000-000000000001
menu_keys() { redis-cli -u "$redis_url" --scan --pattern "$BRIGADE_REDIS_CHANNEL:cache:menu:*:$venue:*" | wc -l; }
"$bin" seed --demo >>"$log" 2>&1
# The demo venue takes an order through instance a (so it is recently active).
python3 - "http://127.0.0.1:$port_a" "$venue" >>"$log" 2>&1 <<'PY'
import json, sys, urllib.request
base, venue = sys.argv[1], sys.argv[2]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=10) as reply:
        return json.load(reply)
token = call("POST", "/api/v1/auth/login",
             {"email": "waiter1@beerflow.demo", "password": "admin123!"})["access_token"]
product = call("GET", f"/api/v1/venues/{venue}/products", token=token)[0]
call("POST", f"/api/v1/venues/{venue}/orders",
     {"covers": 1, "items": [{"product_id": product["id"], "quantity": 1}]}, token)
print("ordered", product["name"])
PY
check "  no menu of the venue is in the shared cache yet" test "$(menu_keys)" -eq 0
check "deploy.sh v2 with BRIGADE_REDIS_URL succeeds and warms one venue's menu" \
  says "Warmed the menu cache: 1 venues" env BRIGADE_REDIS_URL="$redis_url" "$deploy_dir/deploy.sh" "$work/releases/v2"
check "  the venue's menu is in the shared cache" test "$(menu_keys)" -ge 1
check "  brigade cache warm without a shared cache says what is missing" \
  refuses "set BRIGADE_REDIS_URL" env -u BRIGADE_REDIS_URL "$bin" cache warm
redis-cli -u "$redis_url" --scan --pattern "$BRIGADE_REDIS_CHANNEL:*" | xargs -r redis-cli -u "$redis_url" del >/dev/null

echo
echo "$passed passed, $failed failed"
((failed == 0))
