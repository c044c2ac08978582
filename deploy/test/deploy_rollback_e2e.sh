#!/usr/bin/env bash
# End-to-end test of deploy.sh and rollback.sh on a real PostgreSQL with real Brigade
# processes: two instances on loopback ports, two releases, a deploy, a rollback with
# down migrations, a rollback that restores the pre-deploy backup, and a deploy that
# warms a shared cache on a real Redis. Each run must show the versions the instances
# run, pass `brigade smoke` against both instances, print their detailed health (with
# the operator token) and leave a JSON report; then a deploy whose smoke test fails, one
# without the smoke test (BRIGADE_SMOKE=0), and one whose instances do not run the
# release's version.
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
# The instances' operator token: /health shows its details only to a caller with it.
operator_token=c0ffee5e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4
# The instances' signing secret, exported as an operator would: `brigade cache warm`
# seals the menus it writes with a key derived from it, or the instances ignore them.
export BRIGADE_JWT_SECRET=7e3b9d1f5a2c8e0b4d6f1a9c3e5b7d2f0a8c4e6b1d9f3a5c7e2b0d8f6a4c1e9b
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
BRIGADE_JWT_SECRET=$BRIGADE_JWT_SECRET \\
BRIGADE_OPERATOR_TOKEN=$operator_token \\
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
export BRIGADE_OPERATOR_TOKEN=$operator_token # the scripts send it to /health
# `brigade --version` prints "brigade 0.1.0"; /health/live reports the same version.
version=$("$bin" --version)
version=${version##* }

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

# captured COMMAND...: runs the command with its output in $out (and the log); its status.
out="$work/out.txt"
captured() {
  local status=0
  "$@" >"$out" 2>&1 || status=$?
  cat "$out" >>"$log"
  return "$status"
}
# shows PATTERN: the output of the last `captured` command matches PATTERN (extended regex).
shows() { grep -Eq -- "$1" "$out"; }

# The reports of the runs: $BRIGADE_HOME/reports/<UTC time>-deploy.json (-rollback.json).
reports() { find "$BRIGADE_HOME/reports" -name "*-$1.json" 2>/dev/null | wc -l; }
latest_report() { find "$BRIGADE_HOME/reports" -name "*-$1.json" | sort | tail -n 1; }
# report_has deploy|rollback PYTHON-EXPRESSION: the newest report of that kind is valid
# JSON and the expression holds, with r the report, v the binary's version, check(name)
# the named check and smoke_passed(names...) the instances' smoke tests all passed.
report_has() {
  local file
  file=$(latest_report "$1")
  [[ -n $file ]] || return 1
  python3 - "$file" "$2" "$version" 2>>"$log" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def check(name):
    return next((c for c in r["checks"] if c["name"] == name), None)
def smoke_passed(*names):
    for name in names:
        c = check("smoke " + name)
        if not (c and c["ok"] is True and c["report"] and c["report"]["ok"] is True
                and c["report"]["checks"] and all(k["ok"] is True for k in c["report"]["checks"])):
            return False
    return True
sys.exit(0 if eval("(" + sys.argv[2] + ")", {"r": r, "v": sys.argv[3], "check": check, "smoke_passed": smoke_passed}) else 1)
PY
}
# history_has_report deploy|rollback: history.log has a `report` line for the newest one.
history_has_report() {
  local file
  file=$(latest_report "$1")
  [[ -n $file ]] && grep -qF " report $file" "$BRIGADE_HOME/history.log"
}
both_smoked='smoke_passed("a", "b")'
both_on_version='r["version_after"] == {"a": v, "b": v}'
detailed_health='all(r["health"][n] and "components" in r["health"][n] for n in ("a", "b"))'

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
check "deploy.sh v1 succeeds" captured "$deploy_dir/deploy.sh" "$work/releases/v1"
check "current -> v1" current_is v1
check "initial migration applied" has_table orders
check "both instances ready" both_ready
check "a backup was taken before migrating" test "$(backups before-v1)" -eq 1
check "  it showed the release's version and that no instance ran yet" \
  eval 'shows "release v1: $version" && shows "instance a: not answering" && shows "instance b: not answering"'
check "  then that both run $version" eval 'shows "instance a: running $version" && shows "instance b: running $version"'
check "  the smoke test passed on both instances" eval 'shows "smoke a: http://127.0.0.1:$port_a" && shows "smoke b: " && shows "checks passed"'
check "  it printed the detailed health (operator token)" shows '"components"'
check "  one deploy report" test "$(reports deploy)" -eq 1
check "  the report: ok, versions none -> $version, migrations applied, smoke passed, health" \
  report_has deploy 'r["ok"] is True and r["action"] == "deploy" and r["release"].endswith("/v1") and r["from"] is None
    and r["version_before"] == {"a": None, "b": None} and '"$both_on_version"'
    and len(r["migrations_applied"]) > 0 and "20990101000001" not in r["migrations_applied"]
    and r["backup"] and all(check(n)["ok"] for n in ("backup", "migrate", "restart a", "restart b", "versions"))
    and '"$both_smoked and $detailed_health"
check "  the history has its report line" history_has_report deploy
check "  the report path is printed" eval 'shows "report: $(latest_report deploy)"'

echo "-- deploy v2 (one new migration)"
pid_a=$(cat "$work/a.pid")
check "deploy.sh --dry-run v2 changes nothing" captured "$deploy_dir/deploy.sh" --dry-run "$work/releases/v2"
check "  still on v1, no backup, v2's migration not applied, no report" \
  eval 'current_is v1 && [[ $(backups before-v2) == 0 ]] && ! has_extra && [[ $(reports deploy) == 1 ]]'
check "  it showed the running versions and the smoke test it would run" \
  eval 'shows "instance a: running $version" && shows "would run: .* smoke --url http://127.0.0.1:$port_b"'
check "deploy.sh v2 succeeds" captured "$deploy_dir/deploy.sh" "$work/releases/v2"
check "current -> v2, previous -> v1" eval 'current_is v2 && previous_is v1'
check "v2 migration applied" has_extra
check "instance a was restarted" test "$(cat "$work/a.pid")" != "$pid_a"
check "both instances ready" both_ready
check "backup before v2 exists and is a valid archive" \
  eval 'pg_restore --list "$(latest_backup before-v2)" >/dev/null'
check "  it showed the versions running before" eval 'shows "release v2: $version" && shows "instance a: running $version"'
check "  it printed the detailed health" shows '"components"'
check "  a second deploy report" test "$(reports deploy)" -eq 2
check "  the report: ok, from v1, v2's migration applied, smoke passed on both, health" \
  report_has deploy 'r["ok"] is True and r["release"].endswith("/v2") and r["from"].endswith("/v1")
    and r["version_before"] == {"a": v, "b": v} and '"$both_on_version"'
    and r["migrations_applied"] == ["20990101000001"] and '"$both_smoked and $detailed_health"
check "  the history has its report line" history_has_report deploy
sql "INSERT INTO e2e_release_two VALUES (1)"

echo "-- roll back v2 -> v1 (code, then down migrations)"
check "rollback.sh --dry-run changes nothing" quietly "$deploy_dir/rollback.sh" --dry-run
check "  still on v2, with its migration, no report" eval 'current_is v2 && has_extra && [[ $(reports rollback) == 0 ]]'
check "rollback.sh without a terminal and without --yes refuses" \
  refuses "pass --yes to confirm" "$deploy_dir/rollback.sh" </dev/null
check "rollback.sh --yes succeeds" captured "$deploy_dir/rollback.sh" --yes
check "current -> v1, previous -> v2" eval 'current_is v1 && previous_is v2'
check "down.sql ran: table and column gone" eval '! has_table e2e_release_two && ! has_column'
check "the version row is gone" not has_extra
check "the initial migration is kept" has_table orders
check "both instances ready on v1" both_ready
check "a safety backup was taken before the rollback" test "$(backups before-rollback)" -eq 1
check "  it showed the versions running before" eval 'shows "going to v1: $version" && shows "instance b: running $version"'
check "  it printed the detailed health" shows '"components"'
check "  one rollback report" test "$(reports rollback)" -eq 1
check "  the report: ok, v2 -> v1, v2's migration reverted, smoke passed on both, health" \
  report_has rollback 'r["ok"] is True and r["action"] == "rollback" and r["release"].endswith("/v1")
    and r["from"].endswith("/v2") and r["restore"] is None and r["version_before"] == {"a": v, "b": v}
    and '"$both_on_version"' and r["migrations_reverted"] == ["20990101000001"]
    and check("revert 20990101000001")["ok"] and '"$both_smoked and $detailed_health"
check "  the history has its report line" history_has_report rollback
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
check "  its report: ok, restored from the backup, smoke passed on both" \
  report_has rollback 'r["ok"] is True and r["restore"] == "'"$backup"'" and check("restore")["ok"]
    and check("stop a")["ok"] and '"$both_smoked"
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
rollbacks=$(reports rollback)
check "rollback.sh stops at the failing down migration and says how to finish" \
  refuses "finish with .*rollback.sh --to $work/releases/v1" "$deploy_dir/rollback.sh" --yes
check "  the instances already run v1" eval 'current_is v1 && both_ready'
check "  the failed down migration left the schema untouched" eval 'has_extra && has_table e2e_release_two'
check "  it still wrote a report" test "$(reports rollback)" -eq $((rollbacks + 1))
check "  the report: not ok, the failing revert last, nothing reverted" \
  report_has rollback 'r["ok"] is False and r["checks"][-1]["name"] == "revert 20990101000001"
    and r["checks"][-1]["ok"] is False and "down.sql failed" in r["error"] and r["migrations_reverted"] == []'
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

echo "-- a deploy whose smoke test fails"
dead=http://127.0.0.1:$(free_port) # nothing listens there
deploys=$(reports deploy)
check "deploy.sh with BRIGADE_SMOKE_URL on a dead port fails" \
  not captured env BRIGADE_SMOKE_URL="$dead" "$deploy_dir/deploy.sh" "$work/releases/v2"
check "  it says the smoke test failed, and how to go back" \
  eval 'shows "smoke test failed against $dead" && shows "FAIL" && shows "rollback.sh"'
check "  it still printed the detailed health" shows '"components"'
check "  it still wrote a report, and printed its path" \
  eval '[[ $(reports deploy) == '"$((deploys + 1))"' ]] && shows "report: $(latest_report deploy)"'
check "  the report: not ok, the failing smoke check" \
  report_has deploy 'r["ok"] is False and check("smoke")["ok"] is False
    and check("smoke")["url"] == "'"$dead"'" and "smoke test failed" in r["error"]'
check "  the history has its report line" history_has_report deploy

echo "-- BRIGADE_SMOKE=0 skips the smoke test, with a warning"
check "deploy.sh with BRIGADE_SMOKE=0 succeeds" captured env BRIGADE_SMOKE=0 "$deploy_dir/deploy.sh" "$work/releases/v2"
check "  it warns that the smoke test was skipped" shows "warning: BRIGADE_SMOKE=0: smoke test skipped"
check "  the report marks it skipped" \
  report_has deploy 'r["ok"] is True and check("smoke")["ok"] is None and check("smoke")["skipped"] == "BRIGADE_SMOKE=0"'

echo "-- a release whose version the restarted instances do not report"
# v3's binary claims another version than the instances (the real binary) report.
mkdir -p "$work/releases/v3/bin"
cp -R "$work/releases/v2/migrations" "$work/releases/v3/"
cat >"$work/releases/v3/bin/brigade" <<EOF
#!/usr/bin/env bash
[[ \${1:-} != --version ]] || { echo "brigade 99.0.0"; exit 0; }
exec "$work/releases/v2/bin/brigade" "\$@"
EOF
chmod +x "$work/releases/v3/bin/brigade"
check "deploy.sh v3 fails after the restart" \
  not captured "$deploy_dir/deploy.sh" "$work/releases/v3"
check "  it says which instance runs what, and how to go back" \
  eval 'shows "instance a runs $version, not 99.0.0" && shows "rollback.sh"'
check "  its report: not ok, the versions check failed, no smoke test run" \
  report_has deploy 'r["ok"] is False and check("versions")["ok"] is False
    and check("smoke a") is None and '"$both_on_version"

echo
echo "$passed passed, $failed failed"
((failed == 0))
