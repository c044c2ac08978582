# shellcheck shell=bash
# Shared by deploy.sh and rollback.sh; not meant to be run on its own.
#
# Host layout (all paths overridable through the environment, see `deploy.sh --help`):
#
#   $BRIGADE_HOME/current   -> the release the instances run (symlink)
#   $BRIGADE_HOME/previous  -> the release before it (symlink; rollback's default target)
#   $BRIGADE_HOME/backups/  -> pg_dump -Fc files, one per deploy and per rollback
#   $BRIGADE_HOME/history.log
#   $BRIGADE_HOME/reports/  -> one JSON report per deploy and per rollback
#
# A release directory is a checked-out release of the repository, built: it holds
# migrations/postgres/<version>_<name>/{up,down}.sql and the binary, either at
# bin/brigade or at target/release/brigade. Instances run "$BRIGADE_HOME/current/..."
# (e.g. a systemd unit brigade@.service, deploy/README.md), so switching the symlink and
# restarting an instance is what changes its version.

: "${BRIGADE_HOME:=/opt/brigade}"
: "${BRIGADE_BACKUP_DIR:=$BRIGADE_HOME/backups}"
: "${BRIGADE_INSTANCES:=1=http://127.0.0.1:8081 2=http://127.0.0.1:8082}"
# (Plain assignments: the braces of {name} cannot sit inside ${VAR:=default}.)
[[ -n ${BRIGADE_RESTART_CMD:-} ]] || BRIGADE_RESTART_CMD='systemctl restart brigade@{name}'
[[ -n ${BRIGADE_STOP_CMD:-} ]] || BRIGADE_STOP_CMD='systemctl stop brigade@{name}'
: "${BRIGADE_READY_TIMEOUT:=120}"
: "${BRIGADE_SETTLE_SECS:=5}"
: "${BRIGADE_SMOKE:=1}"
: "${BRIGADE_SMOKE_TIMEOUT:=300}"

DRY_RUN=${DRY_RUN:-0}

# --------------------------------------------------------------------------- output
ts() { date -u +%H:%M:%S; }
step() { printf '\n[%s] ==> %s\n' "$(ts)" "$*"; }
info() { printf '[%s]     %s\n' "$(ts)" "$*"; }
warn() { printf '[%s] warning: %s\n' "$(ts)" "$*" >&2; }
FAIL_HINT=
LAST_ERROR= # what went wrong, for the report
die() {
  LAST_ERROR=$*
  printf '[%s] error: %s\n' "$(ts)" "$*" >&2
  [[ -z $FAIL_HINT ]] || printf '[%s]        %s\n' "$(ts)" "$FAIL_HINT" >&2
  exit 1
}

# Any command failing outside an explicit check still says where and what to do next.
set -E
trap 'on_error $? $LINENO' ERR
on_error() {
  LAST_ERROR="a command failed (status $1, line $2 of $(basename "$0"))"
  printf '[%s] error: a command failed (status %s, line %s of %s)\n' "$(ts)" "$1" "$2" "$(basename "$0")" >&2
  [[ -z $FAIL_HINT ]] || printf '[%s]        %s\n' "$(ts)" "$FAIL_HINT" >&2
}

# Runs a command that changes something, or only prints it with --dry-run.
run() {
  if [[ $DRY_RUN == 1 ]]; then
    printf '[%s]     (dry run) would run: %s\n' "$(ts)" "$*"
    return 0
  fi
  "$@"
}

need_cmd() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' is not installed or not on PATH"
  done
}

need_database_url() {
  [[ -n ${BRIGADE_DATABASE_URL:-} ]] || die "BRIGADE_DATABASE_URL is not set (postgres://user:password@host:5432/db)"
  export BRIGADE_DATABASE_URL # read by `brigade smoke` and `brigade cache warm`
  [[ $BRIGADE_DATABASE_URL == postgres://* || $BRIGADE_DATABASE_URL == postgresql://* ]] ||
    die "BRIGADE_DATABASE_URL must be a postgres:// URL (the embedded store has no deploy procedure)"
  # The schema owner's URL, for what these scripts do to the database themselves:
  # `brigade migrate`, down migrations, dumps, restores. Instances that connect as a
  # non-owner role (deploy/postgres/app-role.sql) cannot change the schema; their URL
  # stays BRIGADE_DATABASE_URL.
  OWNER_DATABASE_URL=${BRIGADE_MIGRATE_DATABASE_URL:-$BRIGADE_DATABASE_URL}
  [[ $OWNER_DATABASE_URL == postgres://* || $OWNER_DATABASE_URL == postgresql://* ]] ||
    die "BRIGADE_MIGRATE_DATABASE_URL must be a postgres:// URL"
}

# A URL without its password, for messages (default: the owner's).
redacted_url() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"${1:-$OWNER_DATABASE_URL}"; }

psql_q() { psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 --dbname="$OWNER_DATABASE_URL" "$@"; }

# Runs a brigade command as the schema owner (`brigade migrate` reads
# BRIGADE_DATABASE_URL). A function, so `run as_owner ...` prints no password.
as_owner() { BRIGADE_DATABASE_URL=$OWNER_DATABASE_URL "$@"; }

check_database() {
  psql_q -c 'SELECT 1' >/dev/null || die "cannot connect to $(redacted_url)"
  info "database $(redacted_url) reachable"
  [[ $OWNER_DATABASE_URL != "$BRIGADE_DATABASE_URL" ]] || return 0
  psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --dbname="$BRIGADE_DATABASE_URL" -c 'SELECT 1' >/dev/null ||
    die "cannot connect to $(redacted_url "$BRIGADE_DATABASE_URL") (BRIGADE_DATABASE_URL: the smoke test and the cache warming use it)"
  info "database $(redacted_url "$BRIGADE_DATABASE_URL") reachable (the app's role; migrations, dumps and restores as the owner above)"
}

# One deploy or rollback at a time.
take_lock() {
  run mkdir -p "$BRIGADE_HOME"
  [[ $DRY_RUN == 1 ]] && return 0
  exec 9>"$BRIGADE_HOME/.deploy.lock"
  flock -n 9 || die "another deploy or rollback holds $BRIGADE_HOME/.deploy.lock"
}

record_history() {
  [[ $DRY_RUN == 1 ]] && return 0
  printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$BRIGADE_HOME/history.log"
}

# ------------------------------------------------------------------------- releases
# Absolute, symlink-free path of a release directory.
release_path() {
  local dir=$1
  [[ -d $dir ]] || die "release directory $dir does not exist"
  (cd -P -- "$dir" && pwd)
}

release_bin() {
  local dir=$1 candidate
  for candidate in "$dir/bin/brigade" "$dir/target/release/brigade"; do
    if [[ -x $candidate ]]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  die "no executable bin/brigade or target/release/brigade in $dir"
}

check_release() {
  local dir=$1 bin version
  [[ -d $dir/migrations/postgres ]] || die "$dir has no migrations/postgres directory: not a release checkout"
  bin=$(release_bin "$dir")
  version=$("$bin" --version 2>/dev/null) || die "$bin does not run (--version failed)"
  info "release $dir: $version"
}

# Resolves a symlink under $BRIGADE_HOME, or prints nothing.
link_target() {
  local link=$BRIGADE_HOME/$1
  [[ -L $link ]] || return 0
  (cd -P -- "$link" 2>/dev/null && pwd) || true
}

# Atomically points $BRIGADE_HOME/<name> at a directory (rename over the old link).
set_link() {
  local name=$1 target=$2
  run ln -sfn "$target" "$BRIGADE_HOME/.$name.new"
  run mv -Tf "$BRIGADE_HOME/.$name.new" "$BRIGADE_HOME/$name"
  info "$BRIGADE_HOME/$name -> $target"
}

# ----------------------------------------------------------------------- migrations
# Diesel's version of a migration directory: the part of its name before the first
# "_", without dashes (2026-11-23-000001_initial -> 20261123000001). This is the value
# stored in __diesel_schema_migrations.version.
migration_version() {
  local name
  name=$(basename "$1")
  name=${name%%_*}
  printf '%s\n' "${name//-/}"
}

# The versions a release ships, one per line.
release_versions() {
  local dir
  for dir in "$1"/migrations/postgres/*/; do
    [[ -f $dir/up.sql ]] || continue
    migration_version "$dir"
  done
}

# The versions applied to the database, one per line.
applied_versions() {
  local exists
  exists=$(psql_q -c "SELECT to_regclass('__diesel_schema_migrations') IS NOT NULL")
  [[ $exists == t ]] || return 0
  psql_q -c 'SELECT version FROM __diesel_schema_migrations ORDER BY version'
}

# The migration directory of a version inside a release, or nothing.
migration_dir() {
  local release=$1 version=$2 dir
  for dir in "$release"/migrations/postgres/*/; do
    [[ $(migration_version "$dir") == "$version" ]] && {
      printf '%s\n' "${dir%/}"
      return 0
    }
  done
  return 0
}

# Runs one migration's down.sql and forgets its version, in one transaction (unless the
# migration opted out of transactions in metadata.toml, as diesel allows).
revert_migration() {
  local dir=$1 version
  version=$(migration_version "$dir")
  [[ -f $dir/down.sql ]] || die "$dir has no down.sql: cannot revert $version"
  local -a tx=(--single-transaction)
  if [[ -f $dir/metadata.toml ]] && grep -Eq '^[[:space:]]*run_in_transaction[[:space:]]*=[[:space:]]*false' "$dir/metadata.toml"; then
    tx=()
    warn "$(basename "$dir") runs outside a transaction: a failure may leave it half reverted"
  fi
  info "reverting $(basename "$dir")"
  run psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 "${tx[@]}" --dbname="$OWNER_DATABASE_URL" \
    -f "$dir/down.sql" \
    -c "DELETE FROM __diesel_schema_migrations WHERE version = '$version'" ||
    die "$(basename "$dir")/down.sql failed${tx[*]:+ and was rolled back: the schema is as it was before it}"
}

# ------------------------------------------------------------------------- backups
# pg_dump -Fc to a timestamped file; written under a temporary name and checked with
# pg_restore --list before it gets its final name, so a file that exists is complete.
# Sets BACKUP_FILE to the file's path.
BACKUP_FILE=
backup_database() {
  local label=$1
  BACKUP_FILE="$BRIGADE_BACKUP_DIR/brigade-$(date -u +%Y%m%dT%H%M%SZ)-$label.dump"
  run mkdir -p "$BRIGADE_BACKUP_DIR"
  if [[ $DRY_RUN == 1 ]]; then
    info "(dry run) would run: pg_dump --format=custom --file=$BACKUP_FILE $(redacted_url)"
    return 0
  fi
  if ! (
    umask 077 # the dump holds every order and account
    pg_dump --format=custom --file="$BACKUP_FILE.partial" --dbname="$OWNER_DATABASE_URL"
  ); then
    rm -f "$BACKUP_FILE.partial"
    die "pg_dump failed"
  fi
  pg_restore --list "$BACKUP_FILE.partial" >/dev/null || die "the backup $BACKUP_FILE.partial is unreadable"
  mv -f "$BACKUP_FILE.partial" "$BACKUP_FILE"
  info "backup $BACKUP_FILE ($(du -h "$BACKUP_FILE" | cut -f1))"
}

# ------------------------------------------------------------------------ instances
# BRIGADE_INSTANCES is "name=base-url name=base-url ..."; {name} in the command
# templates is replaced by the instance's name.
check_instances() {
  local entry
  [[ -n ${BRIGADE_INSTANCES// /} ]] || die "BRIGADE_INSTANCES is empty"
  for entry in $BRIGADE_INSTANCES; do
    # The name ends up in a shell command: letters, digits and @ . _ - only.
    [[ $entry =~ ^[A-Za-z0-9@._-]+=https?://[^[:space:]]+$ ]] ||
      die "BRIGADE_INSTANCES entry '$entry' is not name=http(s)://host:port"
  done
  info "instances: $BRIGADE_INSTANCES"
  [[ $BRIGADE_SMOKE == 0 || $BRIGADE_SMOKE == 1 ]] ||
    die "BRIGADE_SMOKE is '$BRIGADE_SMOKE': 1 runs the smoke test after the restart, 0 skips it"
  [[ $BRIGADE_SMOKE_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "BRIGADE_SMOKE_TIMEOUT must be a number of seconds"
  if [[ -n ${BRIGADE_SMOKE_URL:-} ]]; then
    [[ $BRIGADE_SMOKE_URL =~ ^https?://[^[:space:]]+$ ]] ||
      die "BRIGADE_SMOKE_URL '$BRIGADE_SMOKE_URL' is not an http(s):// URL"
    info "smoke test against $BRIGADE_SMOKE_URL (BRIGADE_SMOKE_URL), not each instance"
  fi
  # Found now rather than after the restart: `brigade smoke` speaks plain HTTP only.
  if [[ $BRIGADE_SMOKE == 1 ]]; then
    local target
    for target in ${BRIGADE_SMOKE_URL:-$(smoke_urls)}; do
      [[ $target != https://* ]] ||
        die "the smoke test speaks plain HTTP and would fail on $target: set BRIGADE_SMOKE_URL to an http:// URL (an instance on loopback, or nginx), or BRIGADE_SMOKE=0"
    done
  fi
}

smoke_urls() {
  local name
  for name in $(instance_names); do instance_url "$name"; done
}

instance_names() {
  local entry
  for entry in $BRIGADE_INSTANCES; do printf '%s\n' "${entry%%=*}"; done
}

instance_url() {
  local want=$1 entry
  for entry in $BRIGADE_INSTANCES; do
    if [[ ${entry%%=*} == "$want" ]]; then
      printf '%s\n' "${entry#*=}"
      return 0
    fi
  done
  return 1
}

instance_cmd() {
  local template=$1 name=$2
  # 9>&-: a process the command starts must not inherit (and keep) the deploy lock.
  run bash -c "${template//\{name\}/$name}" 9>&-
}

wait_ready() {
  local name=$1 url deadline
  url="$(instance_url "$name")/health/ready"
  if [[ $DRY_RUN == 1 ]]; then
    info "(dry run) would wait for $url to answer 200"
    return 0
  fi
  deadline=$((SECONDS + BRIGADE_READY_TIMEOUT))
  until curl -fsS --max-time 2 -o /dev/null "$url" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
  info "instance $name ready ($url)"
}

# Restarts the instances one after the other; each must be ready before the next one
# goes down, so the other instance carries the traffic meanwhile.
roll_instances() {
  local name first=1
  for name in $(instance_names); do
    if [[ $first == 0 && $BRIGADE_SETTLE_SECS -gt 0 ]]; then
      # Let WebSocket clients of the previous instance reconnect and nginx see it again.
      info "waiting ${BRIGADE_SETTLE_SECS}s before the next instance"
      [[ $DRY_RUN == 1 ]] || sleep "$BRIGADE_SETTLE_SECS"
    fi
    first=0
    check_start "restart $name"
    info "restarting instance $name"
    instance_cmd "$BRIGADE_RESTART_CMD" "$name" || die "restarting instance $name failed"
    wait_ready "$name" || die "instance $name not ready after ${BRIGADE_READY_TIMEOUT}s ($(instance_url "$name")/health/ready); the instances after it were not touched"
    check_end true
  done
}

stop_instances() {
  local name
  for name in $(instance_names); do
    check_start "stop $name"
    info "stopping instance $name"
    instance_cmd "$BRIGADE_STOP_CMD" "$name" || die "stopping instance $name failed"
    check_end true
  done
}

# ------------------------------------------------------------------------- versions
# The version a release's binary reports: `brigade --version` prints "brigade 0.1.0".
release_version() {
  local out
  out=$("$1" --version 2>/dev/null) || return 1
  out=${out%%$'\n'*}
  [[ -n ${out// /} ]] || return 1
  printf '%s\n' "${out##* }"
}

# Reads every instance's /health/live into the associative array named $1: name ->
# version; "" when the instance does not answer, "unknown" when it answers without a
# version (a release older than that field). Reads only: also run with --dry-run.
# shellcheck disable=SC2004,SC2034 # versions_ is a nameref to an associative array
read_versions() {
  local -n versions_=$1
  local name body
  versions_=()
  for name in $(instance_names); do
    versions_[$name]=
    body=$(curl -fsS --max-time 3 "$(instance_url "$name")/health/live" 2>/dev/null) || continue
    if [[ $body =~ \"version\"[[:space:]]*:[[:space:]]*\"([^\"]*)\" ]]; then
      versions_[$name]=${BASH_REMATCH[1]:-unknown}
    else
      versions_[$name]=unknown
    fi
  done
}

# Prints what read_versions found; warns when the instances answering run different
# versions (an earlier deploy or rollback stopped between two instances).
show_versions() {
  local -n shown_=$1
  local name version list=
  local -A distinct=()
  for name in $(instance_names); do
    version=${shown_[$name]-}
    case $version in
      "") info "instance $name: not answering" ;;
      unknown) info "instance $name: running a release that does not report its version" ;;
      *) info "instance $name: running $version" ;;
    esac
    list+=" $name=${version:-down}"
    [[ -z $version ]] || distinct[$version]=1
  done
  if ((${#distinct[@]} > 1)); then
    warn "the instances run different versions (${list# }): an earlier deploy or rollback did not finish its rolling restart"
  fi
}

# After the restart: every instance must report the release's version, else die (with
# FAIL_HINT). STRICT=1: an instance without a version in /health/live runs an older
# release, which is a mismatch; STRICT=0 (the release itself predates the field): it
# cannot be confirmed, a warning. Fills VERSION_AFTER.
verify_versions() {
  local expected=$1 strict=$2 name version other=0
  local -a bad=()
  if [[ $DRY_RUN == 1 ]]; then
    info "(dry run) would check that every instance reports $expected on /health/live"
    return 0
  fi
  read_versions VERSION_AFTER
  for name in $(instance_names); do
    version=${VERSION_AFTER[$name]-}
    case $version in
      "$expected") info "instance $name: running $expected" ;;
      "") bad+=("instance $name does not answer $(instance_url "$name")/health/live") ;;
      unknown)
        if [[ $strict == 1 ]]; then
          bad+=("instance $name runs a release that does not report its version, older than $expected")
          other=1
        else
          warn "instance $name does not report its version (the release predates it): cannot confirm it runs $expected"
        fi
        ;;
      *)
        bad+=("instance $name runs $version, not $expected")
        other=1
        ;;
    esac
  done
  ((${#bad[@]} == 0)) && return 0
  local what
  what=$(printf '%s; ' "${bad[@]}")
  what="after the restart, ${what%; }"
  # The usual cause: a unit that starts a fixed path instead of the current release.
  ((other == 0)) || what+=". Does each instance run the binary under $BRIGADE_HOME/current (ExecStart of its unit)?"
  die "$what"
}

# ---------------------------------------------------------------------------- smoke
# `brigade smoke --url URL --report FILE` runs the critical flows (login, a table, an
# order to the kitchen display and its WebSocket event, the menu) against a running
# server, as the least-privilege user of a hidden smoke venue it provisions through the
# database, and cleans up after itself.
SMOKE_DIR=
SMOKE_FAILED=()

# Releases from before the smoke test (rollback targets) lack the command.
has_smoke() { "$1" smoke --help >/dev/null 2>&1; }

# smoke_test BIN: the release's smoke test against each instance, or against
# BRIGADE_SMOKE_URL alone; one check each in the report ("smoke NAME", or "smoke"), the
# URLs that failed in SMOKE_FAILED.
smoke_test() {
  local bin=$1 name
  SMOKE_FAILED=()
  if [[ $BRIGADE_SMOKE == 0 ]]; then
    warn "BRIGADE_SMOKE=0: smoke test skipped; nothing has checked that the release takes orders"
    skip_check smoke "BRIGADE_SMOKE=0"
    return 0
  fi
  if ! has_smoke "$bin"; then
    warn "$bin has no smoke command (a release from before it): smoke test skipped"
    skip_check smoke "the release has no smoke command"
    return 0
  fi
  if [[ -n ${BRIGADE_SMOKE_URL:-} ]]; then
    smoke_one smoke "$BRIGADE_SMOKE_URL" "$bin"
  else
    for name in $(instance_names); do
      smoke_one "smoke $name" "$(instance_url "$name")" "$bin"
    done
  fi
}

# Prefixes each line of stdin like info does.
indent() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do info "$line"; done
}

smoke_one() {
  local check=$1 url=$2 bin=$3 file status=0 report=null
  check_start "$check"
  if [[ $DRY_RUN == 1 ]]; then
    run "$bin" smoke --url "$url" --report "<temporary file>"
    check_end true
    return 0
  fi
  [[ -n $SMOKE_DIR ]] || SMOKE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/brigade-smoke.XXXXXX")
  file=$SMOKE_DIR/${check// /-}.json
  info "$check: $url"
  timeout "$BRIGADE_SMOKE_TIMEOUT" "$bin" smoke --url "$url" --report "$file" 2>&1 | indent || status=$?
  if [[ -s $file ]]; then
    report=$(<"$file")
    report=${report//[$'\n\r']/ } # whitespace between tokens: JSON strings escape theirs
    is_json_object "$report" || report=null
  fi
  if ((status == 0)); then
    check_end true "" "\"url\":$(json_str "$url"),\"report\":$report"
    return 0
  fi
  if ((status == 124)); then
    warn "the smoke test against $url did not finish in ${BRIGADE_SMOKE_TIMEOUT}s (BRIGADE_SMOKE_TIMEOUT)"
  fi
  SMOKE_FAILED+=("$url")
  check_end false "smoke test against $url failed (status $status)" "\"url\":$(json_str "$url"),\"report\":$report"
}

# --------------------------------------------------------------------------- health
# Prints each instance's detailed /health (components, kitchen) and keeps it for the
# report. The instances show it only to a caller with their operator token when they
# have one (BRIGADE_OPERATOR_TOKEN), and to loopback when they have none.
health_get() {
  if [[ -n ${BRIGADE_OPERATOR_TOKEN:-} ]]; then
    # The header comes through stdin: a command line is visible to every user (ps).
    curl -sS --max-time 5 -w '\n%{http_code}' -H @- "$1" 2>/dev/null <<<"Authorization: Bearer $BRIGADE_OPERATOR_TOKEN"
  else
    curl -sS --max-time 5 -w '\n%{http_code}' "$1" 2>/dev/null
  fi
}

show_health() {
  local name url out code body
  for name in $(instance_names); do
    url="$(instance_url "$name")/health"
    if [[ $DRY_RUN == 1 ]]; then
      info "(dry run) would fetch $url${BRIGADE_OPERATOR_TOKEN:+ with the operator token}"
      continue
    fi
    HEALTH[$name]=null
    if ! out=$(health_get "$url"); then
      warn "instance $name: $url does not answer"
      continue
    fi
    code=${out##*$'\n'}
    body=${out%$'\n'*}
    body=${body//[$'\n\r']/ }
    info "instance $name ($url, HTTP $code): $body"
    if is_json_object "$body"; then
      HEALTH[$name]=$body
      [[ $body == *'"components"'* ]] ||
        info "  (the summary only: set BRIGADE_OPERATOR_TOKEN to the instances' operator token for the details)"
    fi
    [[ $code == 200 ]] || warn "instance $name answers HTTP $code on /health (503: its database does not answer)"
  done
}

# --------------------------------------------------------------------------- report
# $BRIGADE_HOME/reports/<UTC time>-deploy.json (or -rollback.json): what ran, how long
# each step took, the versions before and after, the smoke reports and the health. Written
# at the end, or by the EXIT trap with "ok": false once something has changed (the
# scripts call arm_report at their first change). Nothing is written with --dry-run.
REPORT_ACTION=
REPORT_ARMED=0
REPORT_FILE=
REPORT_RELEASE=
REPORT_RELEASE_VERSION=
REPORT_FROM=
REPORT_MIGRATIONS_KEY=migrations_applied
REPORT_MIGRATIONS=()
REPORT_EXTRA=() # further members, each '"key":value'
REPORT_CHECKS=()
REPORT_STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
CHECK_NAME=
CHECK_T0=0
# shellcheck disable=SC2034 # read by name (json_by_instance) and by the scripts
declare -gA VERSION_BEFORE=() VERSION_AFTER=() HEALTH=()

# A JSON string: backslash, quote and control characters escaped.
json_str() {
  local s=$1 out='' c i
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  if [[ $s == *[$'\001'-$'\037']* ]]; then
    local LC_ALL=C
    for ((i = 0; i < ${#s}; i++)); do
      c=${s:i:1}
      [[ $c != [$'\001'-$'\037'] ]] || printf -v c '\\u%04x' "'$c"
      out+=$c
    done
    s=$out
  fi
  printf '"%s"' "$s"
}

# A JSON string, or null for an empty value.
json_str_or_null() {
  if [[ -n $1 ]]; then json_str "$1"; else printf 'null'; fi
}

# ["a","b"] of the arguments.
json_array() {
  local item sep='' out='['
  for item in "$@"; do
    out+="$sep$(json_str "$item")"
    sep=,
  done
  printf '%s]' "$out"
}

# {"instance": value, ...} of the associative array named $1 in BRIGADE_INSTANCES order;
# RAW=1: the values are JSON already.
json_by_instance() {
  local -n by_=$1
  local raw=${2:-0} name value sep='' out='{'
  for name in $(instance_names); do
    value=${by_[$name]-}
    if [[ $raw == 1 ]]; then
      value=${value:-null}
    else
      value=$(json_str_or_null "$value")
    fi
    out+="$sep$(json_str "$name"):$value"
    sep=,
  done
  printf '%s}' "$out"
}

# Good enough to embed: an object from the binary or an instance, not an HTML error
# page. (No jq or python on production hosts.)
is_json_object() { [[ $1 =~ ^[[:space:]]*\{.*\}[[:space:]]*$ ]]; }

now_ms() { date +%s%3N; }

check_start() {
  CHECK_NAME=$1
  CHECK_T0=$(now_ms)
}

# check_end OK [ERROR [MEMBERS]]: closes the open check; MEMBERS: more '"key":value'.
check_end() {
  local ok=$1 error=${2:-} members=${3:-} entry
  [[ -n $CHECK_NAME ]] || return 0
  entry="{\"name\":$(json_str "$CHECK_NAME"),\"ok\":$ok,\"ms\":$(($(now_ms) - CHECK_T0))"
  [[ -z $error ]] || entry+=",\"error\":$(json_str "$error")"
  [[ -z $members ]] || entry+=",$members"
  REPORT_CHECKS+=("$entry}")
  CHECK_NAME=
}

skip_check() {
  REPORT_CHECKS+=("{\"name\":$(json_str "$1"),\"ok\":null,\"ms\":0,\"skipped\":$(json_str "$2")}")
}

# From the first change on, a failure still leaves a report.
arm_report() {
  [[ $DRY_RUN == 1 ]] || REPORT_ARMED=1
}

# write_report true|false: writes the report and its history line; sets REPORT_FILE.
write_report() {
  local ok=$1 dir=$BRIGADE_HOME/reports epoch file check sep='' backup=''
  if [[ $DRY_RUN == 1 ]]; then
    info "(dry run) would write a report to $dir/<UTC time>-$REPORT_ACTION.json"
    return 0
  fi
  REPORT_ARMED=0
  if ! mkdir -p "$dir"; then
    warn "cannot create $dir: no report written"
    return 0
  fi
  # One run at a time (the lock): a name taken means the same second; take the next.
  epoch=$(date -u +%s)
  file=$dir/$(date -u -d "@$epoch" +%Y%m%dT%H%M%SZ)-$REPORT_ACTION.json
  while [[ -e $file ]]; do
    sleep 1
    epoch=$(date -u +%s)
    file=$dir/$(date -u -d "@$epoch" +%Y%m%dT%H%M%SZ)-$REPORT_ACTION.json
  done
  [[ -z $BACKUP_FILE || ! -f $BACKUP_FILE ]] || backup=$BACKUP_FILE
  if ! {
    printf '{\n'
    printf '  "action": %s,\n' "$(json_str "$REPORT_ACTION")"
    printf '  "release": %s,\n' "$(json_str_or_null "$REPORT_RELEASE")"
    printf '  "release_version": %s,\n' "$(json_str_or_null "$REPORT_RELEASE_VERSION")"
    printf '  "from": %s,\n' "$(json_str_or_null "$REPORT_FROM")"
    for check in "${REPORT_EXTRA[@]}"; do printf '  %s,\n' "$check"; done
    printf '  "version_before": %s,\n' "$(json_by_instance VERSION_BEFORE)"
    printf '  "version_after": %s,\n' "$(json_by_instance VERSION_AFTER)"
    printf '  "%s": %s,\n' "$REPORT_MIGRATIONS_KEY" "$(json_array "${REPORT_MIGRATIONS[@]}")"
    printf '  "backup": %s,\n' "$(json_str_or_null "$backup")"
    printf '  "checks": ['
    for check in "${REPORT_CHECKS[@]}"; do
      printf '%s\n    %s' "$sep" "$check"
      sep=,
    done
    printf '\n  ],\n'
    printf '  "health": %s,\n' "$(json_by_instance HEALTH 1)"
    printf '  "ok": %s,\n' "$ok"
    [[ $ok == true ]] || printf '  "error": %s,\n' "$(json_str "${LAST_ERROR:-failed}")"
    printf '  "started_at": %s,\n' "$(json_str "$REPORT_STARTED")"
    printf '  "finished_at": %s\n' "$(json_str "$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)")"
    printf '}\n'
  } >"$file.partial"; then
    rm -f "$file.partial"
    warn "writing $file failed: no report"
    return 0
  fi
  mv -f "$file.partial" "$file"
  REPORT_FILE=$file
  record_history "report $file"
}

# A run that stops once something has changed still writes its report, ok false, the
# open step as the failing check.
on_exit() {
  local status=$?
  if [[ $REPORT_ARMED == 1 ]]; then
    if ((status == 0)); then
      write_report true
    else
      [[ -n $LAST_ERROR ]] || LAST_ERROR="stopped (exit status $status)"
      [[ -z $CHECK_NAME ]] || check_end false "$LAST_ERROR"
      # What runs now, for whoever picks it up.
      ((${#VERSION_AFTER[@]})) || read_versions VERSION_AFTER
      write_report false
    fi
    [[ -z $REPORT_FILE ]] || printf '[%s]        report: %s\n' "$(ts)" "$REPORT_FILE" >&2
  fi
  [[ -z $SMOKE_DIR ]] || rm -rf "$SMOKE_DIR"
}
trap on_exit EXIT

env_help() {
  local token=unset
  [[ -z ${BRIGADE_OPERATOR_TOKEN:-} ]] || token='set'
  cat <<EOF
Environment:
  BRIGADE_DATABASE_URL   postgres:// URL of the database (required): the instances'
                         role, used by \`brigade smoke\` and \`brigade cache warm\`
  BRIGADE_MIGRATE_DATABASE_URL
                         the schema owner's URL, when the instances connect as a
                         non-owner role (deploy/postgres/app-role.sql): used by
                         \`brigade migrate\`, down migrations, pg_dump, pg_restore and
                         psql (default: BRIGADE_DATABASE_URL)
  BRIGADE_HOME           holds the current/previous release symlinks, backups/,
                         reports/ and history.log (now: $BRIGADE_HOME)
  BRIGADE_BACKUP_DIR     where dumps go (now: $BRIGADE_BACKUP_DIR)
  BRIGADE_INSTANCES      "name=base-url ..." of the instances, rolled in this order
                         (now: $BRIGADE_INSTANCES)
  BRIGADE_RESTART_CMD    restarts one instance; {name} is replaced
                         (now: $BRIGADE_RESTART_CMD)
  BRIGADE_STOP_CMD       stops one instance (rollback --restore only)
                         (now: $BRIGADE_STOP_CMD)
  BRIGADE_READY_TIMEOUT  seconds an instance has to answer 200 on /health/ready
                         (now: $BRIGADE_READY_TIMEOUT)
  BRIGADE_SETTLE_SECS    pause between two instances (now: $BRIGADE_SETTLE_SECS)
  BRIGADE_REDIS_URL      the instances' shared cache, warmed after the restart (optional;
                         with BRIGADE_REDIS_CHANNEL when the instances set one, and
                         the instances' BRIGADE_JWT_SECRET: the menus written are sealed
                         with a key derived from it, or the instances ignore them)
  BRIGADE_SMOKE          1: after the restart, \`brigade smoke\` runs the critical flows
                         against each instance as a hidden smoke venue's user; a failure
                         fails the run. 0: skipped, with a warning (now: $BRIGADE_SMOKE)
  BRIGADE_SMOKE_URL      run the smoke test once, against this http:// URL (e.g. nginx
                         in front), instead of each instance (now: ${BRIGADE_SMOKE_URL:-unset})
  BRIGADE_SMOKE_TIMEOUT  seconds one smoke test may take (now: $BRIGADE_SMOKE_TIMEOUT)
  BRIGADE_OPERATOR_TOKEN the instances' operator token: sent to /health to print its
                         detailed view (now: $token)
The PostgreSQL client tools must be of the server's major version or newer.
EOF
}
