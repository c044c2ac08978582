#!/usr/bin/env bash
# Deploys a Brigade release to a host running instances of the plain binary:
#   1. checks the release, the database and the tools;
#   2. backs the database up (pg_dump -Fc) BEFORE anything changes;
#   3. applies the release's migrations (`brigade migrate`), once, before any instance
#      runs the new code;
#   4. points $BRIGADE_HOME/current at the release (the old one becomes `previous`);
#   5. restarts the instances one at a time, each ready on /health/ready before the
#      next goes down;
#   6. with a shared cache (BRIGADE_REDIS_URL), warms it with the menus of the venues
#      that took orders in the last week (`brigade cache warm`).
# Stops at the first failure and says how to roll back. Compose deployments:
# deploy/README.md.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
  cat <<EOF
Usage: $(basename "$0") [--dry-run] RELEASE_DIR

Deploys RELEASE_DIR (a checked-out, built release: migrations/postgres/ and
bin/brigade or target/release/brigade): database backup, migrations, then a rolling
restart of the instances.

Options:
  --dry-run   check everything and print the plan; change nothing
  -h, --help  this help

Migrations must be backward compatible (expand, then contract in a later release):
during the rolling restart, and after a rollback, the previous release runs against
the new schema.

$(env_help)

Example (two systemd instances, brigade@1 and brigade@2):
  BRIGADE_DATABASE_URL=postgres://brigade:...@db:5432/brigade \\
    $(basename "$0") /opt/brigade/releases/v0.2.0
EOF
}

release=
while (($#)); do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      [[ -z $release ]] || die "one release directory only (see --help)"
      release=$1
      ;;
  esac
  shift
done
[[ -n $release ]] || {
  usage >&2
  exit 2
}

step "Checking"
need_database_url
need_cmd psql pg_dump pg_restore curl flock
release=$(release_path "$release")
check_release "$release"
bin=$(release_bin "$release")
check_instances
check_database
take_lock
current=$(link_target current)
if [[ -n $current ]]; then
  info "current release: $current"
else
  info "no current release yet (first deploy)"
fi
[[ $current != "$release" ]] || warn "$release is already current: re-applying migrations and restarting"

pending=()
mapfile -t applied < <(applied_versions)
while IFS= read -r version; do
  [[ " ${applied[*]} " == *" $version "* ]] || pending+=("$version")
done < <(release_versions "$release")
if ((${#pending[@]})); then
  info "migrations to apply: ${pending[*]}"
else
  info "no pending migration"
fi

step "Backing up the database"
backup_database "before-$(basename "$release")"
record_history "backup $BACKUP_FILE (before deploying $release)"

step "Applying migrations"
run "$bin" migrate ||
  die "migration failed; the instances still run $current. The database may be restored with: $here/rollback.sh --restore $BACKUP_FILE"

step "Switching $BRIGADE_HOME/current"
if [[ -n $current && $current != "$release" ]]; then
  set_link previous "$current"
fi
set_link current "$release"
record_history "deploy $release (was ${current:-none})"

step "Restarting instances one at a time"
FAIL_HINT="the database is migrated and $BRIGADE_HOME/current is $release. Fix and re-run, or go back with $here/rollback.sh"
roll_instances
FAIL_HINT=

step "Warming the shared cache"
if [[ -n ${BRIGADE_REDIS_URL:-} ]]; then
  # The release is live: a cold cache only makes the first menu reads slower.
  run "$bin" cache warm ||
    warn "warming the shared cache failed; the instances fill it as they serve"
else
  info "no BRIGADE_REDIS_URL: each instance warmed its own cache as it started"
fi

step "Done"
[[ $DRY_RUN == 0 ]] || info "(dry run) nothing was changed"
info "deployed $release"
info "backup: $BACKUP_FILE"
if [[ -n $current && $current != "$release" ]]; then
  info "to go back: $here/rollback.sh            (code + down migrations, keeps new data)"
  info "        or: $here/rollback.sh --restore $BACKUP_FILE   (data as of the backup)"
fi
