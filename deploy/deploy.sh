#!/usr/bin/env bash
# Deploys a Brigade release to a host running instances of the plain binary:
#   1. checks the release, the database and the tools; prints the version each instance
#      runs (/health/live) and the release's;
#   2. backs the database up (pg_dump -Fc) BEFORE anything changes;
#   3. applies the release's migrations (`brigade migrate`, as the schema owner:
#      BRIGADE_MIGRATE_DATABASE_URL when set), once, before any instance runs the new
#      code;
#   4. points $BRIGADE_HOME/current at the release (the old one becomes `previous`);
#   5. restarts the instances one at a time, each ready on /health/ready before the
#      next goes down;
#   6. checks every instance now reports the release's version;
#   7. with a shared cache (BRIGADE_REDIS_URL), warms it with the menus of the venues
#      that took orders in the last week (`brigade cache warm`);
#   8. smoke test: `brigade smoke` runs the critical flows against each instance (or
#      BRIGADE_SMOKE_URL), then prints each instance's detailed /health;
#   9. writes a JSON report to $BRIGADE_HOME/reports/ (also when a step fails).
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
restart of the instances, a check of the versions they run, a smoke test and a
report in \$BRIGADE_HOME/reports/.

Options:
  --dry-run   check everything and print the plan; change nothing
  -h, --help  this help

Migrations must be backward compatible (expand, then contract in a later release):
during the rolling restart, and after a rollback, the previous release runs against
the new schema.

$(env_help)

Example (two systemd instances, brigade@1 and brigade@2, connecting as brigade_app):
  BRIGADE_DATABASE_URL=postgres://brigade_app:...@db:5432/brigade \\
  BRIGADE_MIGRATE_DATABASE_URL=postgres://brigade:...@db:5432/brigade \\
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
need_cmd psql pg_dump pg_restore curl flock timeout
release=$(release_path "$release")
check_release "$release"
bin=$(release_bin "$release")
release_version=$(release_version "$bin") || die "$bin --version printed no version"
# A release with the smoke test also reports its version in /health/live (issue #19):
# then an instance that does not is running an older binary.
strict_versions=0
if has_smoke "$bin"; then strict_versions=1; fi
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
REPORT_ACTION=deploy
REPORT_RELEASE=$release
REPORT_RELEASE_VERSION=$release_version
REPORT_FROM=$current

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

step "Versions"
info "release $(basename "$release"): $release_version"
read_versions VERSION_BEFORE
show_versions VERSION_BEFORE

step "Backing up the database"
arm_report # from here on, a failure still writes the report
check_start backup
backup_database "before-$(basename "$release")"
record_history "backup $BACKUP_FILE (before deploying $release)"
check_end true

step "Applying migrations"
check_start migrate
run as_owner "$bin" migrate ||
  die "migration failed; the instances still run ${current:-nothing}. The database may be restored with: $here/rollback.sh --restore $BACKUP_FILE"
if [[ $DRY_RUN == 0 ]]; then
  mapfile -t now_applied < <(applied_versions)
  for version in "${now_applied[@]}"; do
    [[ " ${applied[*]} " == *" $version "* ]] || REPORT_MIGRATIONS+=("$version")
  done
fi
check_end true

step "Switching $BRIGADE_HOME/current"
check_start switch
if [[ -n $current && $current != "$release" ]]; then
  set_link previous "$current"
fi
set_link current "$release"
record_history "deploy $release (was ${current:-none})"
check_end true

step "Restarting instances one at a time"
FAIL_HINT="the database is migrated and $BRIGADE_HOME/current is $release. Fix and re-run, or go back with $here/rollback.sh"
roll_instances

step "Checking every instance runs $release_version"
check_start versions
verify_versions "$release_version" "$strict_versions"
check_end true
FAIL_HINT=

step "Warming the shared cache"
if [[ -n ${BRIGADE_REDIS_URL:-} ]]; then
  # The release is live: a cold cache only makes the first menu reads slower.
  check_start "cache warm"
  if run "$bin" cache warm; then
    check_end true
  else
    check_end false "brigade cache warm failed (not fatal)"
    warn "warming the shared cache failed; the instances fill it as they serve"
  fi
else
  info "no BRIGADE_REDIS_URL: each instance warmed its own cache as it started"
fi

step "Smoke test"
smoke_test "$bin"

step "Health"
show_health

if ((${#SMOKE_FAILED[@]})); then
  if [[ -n $current ]]; then
    FAIL_HINT="the release is live (database migrated, $BRIGADE_HOME/current is $release). Go back with $here/rollback.sh (code + down migrations), or $here/rollback.sh --restore $BACKUP_FILE (data as of the backup)"
  else
    FAIL_HINT="the release is live (database migrated, $BRIGADE_HOME/current is $release); a first deploy has no earlier release to go back to: fix and deploy again"
  fi
  die "the smoke test failed against ${SMOKE_FAILED[*]}: $release does not serve its critical flows (the FAIL lines of the smoke test)"
fi

step "Done"
[[ $DRY_RUN == 0 ]] || info "(dry run) nothing was changed"
info "deployed $release ($release_version)"
info "backup: $BACKUP_FILE"
if [[ -n $current && $current != "$release" ]]; then
  info "to go back: $here/rollback.sh            (code + down migrations, keeps new data)"
  info "        or: $here/rollback.sh --restore $BACKUP_FILE   (data as of the backup)"
fi
write_report true
[[ -z $REPORT_FILE ]] || info "report: $REPORT_FILE"
