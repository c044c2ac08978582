# shellcheck shell=bash
# Shared by deploy.sh and rollback.sh; not meant to be run on its own.
#
# Host layout (all paths overridable through the environment, see `deploy.sh --help`):
#
#   $BRIGADE_HOME/current   -> the release the instances run (symlink)
#   $BRIGADE_HOME/previous  -> the release before it (symlink; rollback's default target)
#   $BRIGADE_HOME/backups/  -> pg_dump -Fc files, one per deploy and per rollback
#   $BRIGADE_HOME/history.log
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

DRY_RUN=${DRY_RUN:-0}

# --------------------------------------------------------------------------- output
ts() { date -u +%H:%M:%S; }
step() { printf '\n[%s] ==> %s\n' "$(ts)" "$*"; }
info() { printf '[%s]     %s\n' "$(ts)" "$*"; }
warn() { printf '[%s] warning: %s\n' "$(ts)" "$*" >&2; }
FAIL_HINT=
die() {
  printf '[%s] error: %s\n' "$(ts)" "$*" >&2
  [[ -z $FAIL_HINT ]] || printf '[%s]        %s\n' "$(ts)" "$FAIL_HINT" >&2
  exit 1
}

# Any command failing outside an explicit check still says where and what to do next.
set -E
trap 'on_error $? $LINENO' ERR
on_error() {
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
  export BRIGADE_DATABASE_URL # read by `brigade migrate`
  [[ $BRIGADE_DATABASE_URL == postgres://* || $BRIGADE_DATABASE_URL == postgresql://* ]] ||
    die "BRIGADE_DATABASE_URL must be a postgres:// URL (the embedded store has no deploy procedure)"
}

# The URL without its password, for messages.
redacted_url() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$BRIGADE_DATABASE_URL"; }

psql_q() { psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 --dbname="$BRIGADE_DATABASE_URL" "$@"; }

check_database() {
  psql_q -c 'SELECT 1' >/dev/null || die "cannot connect to $(redacted_url)"
  info "database $(redacted_url) reachable"
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
  run psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 "${tx[@]}" --dbname="$BRIGADE_DATABASE_URL" \
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
    pg_dump --format=custom --file="$BACKUP_FILE.partial" --dbname="$BRIGADE_DATABASE_URL"
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
    info "restarting instance $name"
    instance_cmd "$BRIGADE_RESTART_CMD" "$name" || die "restarting instance $name failed"
    wait_ready "$name" || die "instance $name not ready after ${BRIGADE_READY_TIMEOUT}s ($(instance_url "$name")/health/ready); the instances after it were not touched"
  done
}

stop_instances() {
  local name
  for name in $(instance_names); do
    info "stopping instance $name"
    instance_cmd "$BRIGADE_STOP_CMD" "$name" || die "stopping instance $name failed"
  done
}

env_help() {
  cat <<EOF
Environment:
  BRIGADE_DATABASE_URL   postgres:// URL of the database (required; used by brigade,
                         pg_dump, pg_restore and psql)
  BRIGADE_HOME           holds the current/previous release symlinks, backups/ and
                         history.log (now: $BRIGADE_HOME)
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
                         with BRIGADE_REDIS_CHANNEL when the instances set one)
The PostgreSQL client tools must be of the server's major version or newer.
EOF
}
