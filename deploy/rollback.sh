#!/usr/bin/env bash
# Rolls a Brigade host back to an earlier release. Two modes:
#
#   rollback.sh [--to RELEASE_DIR]
#       Code first, then schema: points $BRIGADE_HOME/current at the target release
#       (default: $BRIGADE_HOME/previous), restarts the instances one at a time, then
#       runs, newest first, the down.sql of every applied migration the target does not
#       ship (taken from the release being left). Data written since the deploy stays,
#       except what lived only in the reverted tables/columns.
#
#   rollback.sh --restore DUMP_FILE [--to RELEASE_DIR]
#       Data as of a backup: stops the instances, reverts the migrations the dump does
#       not contain, restores the dump with pg_restore --clean, then starts the target
#       release. Everything written after the backup is LOST.
#
# Both take a safety dump of the database as it is before touching it, print the
# version each instance runs before and check they all run the target's after, run the
# target's smoke test (`brigade smoke`) and print each instance's detailed /health, and
# write a JSON report to $BRIGADE_HOME/reports/ (also when a step fails). Compose
# deployments: deploy/README.md.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
  cat <<EOF
Usage: $(basename "$0") [--to RELEASE_DIR] [--restore DUMP_FILE] [--yes] [--dry-run]

Rolls back to RELEASE_DIR (default: the release $BRIGADE_HOME/previous points at).

Options:
  --to DIR          the release to go back to (a checked-out, built release)
  --restore FILE    also restore the database from FILE (pg_dump -Fc, e.g. the one
                    deploy.sh made); everything written after it is lost
  --yes             do not ask for confirmation (needed without a terminal)
  --dry-run         check everything and print the plan; change nothing
  -h, --help        this help

Without --restore: instances first (the target release must run on the newer schema,
which backward-compatible migrations guarantee), then the down migrations. Then every
instance must report the target's version, the target's smoke test runs, and a report
goes to \$BRIGADE_HOME/reports/.

$(env_help)

Backups made by deploy.sh: ls -lt "$BRIGADE_BACKUP_DIR"
EOF
}

to=
restore=
ASSUME_YES=0
while (($#)); do
  case $1 in
    --to)
      [[ $# -ge 2 ]] || die "--to needs a directory"
      to=$2
      shift
      ;;
    --restore)
      [[ $# -ge 2 ]] || die "--restore needs a dump file"
      restore=$2
      shift
      ;;
    --yes) ASSUME_YES=1 ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done

confirm() {
  [[ $ASSUME_YES == 1 || $DRY_RUN == 1 ]] && return 0
  [[ -t 0 ]] || die "$1: pass --yes to confirm without a terminal"
  local answer
  read -r -p "$1. Type 'yes' to go on: " answer
  [[ $answer == yes ]] || die "aborted; nothing was changed"
}

# The migration versions recorded in a dump's copy of __diesel_schema_migrations.
dump_versions() {
  pg_restore --data-only --table=__diesel_schema_migrations --file=- "$1" |
    awk '/^COPY .*__diesel_schema_migrations/ { copying = 1; next }
         /^\\\.$/ { copying = 0 }
         copying { print $1 }'
}

contains() {
  local needle=$1 item
  shift
  for item in "$@"; do [[ $item == "$needle" ]] && return 0; done
  return 1
}

step "Checking"
need_database_url
need_cmd psql pg_dump pg_restore curl flock timeout
current=$(link_target current)
[[ -n $current ]] || die "$BRIGADE_HOME/current is not a release symlink: nothing to roll back from"
target=${to:-$(link_target previous)}
[[ -n $target ]] || die "$BRIGADE_HOME/previous is not set: name the release with --to"
target=$(release_path "$target")
previous=$(link_target previous)
# Target == current: an earlier rollback switched the code but did not finish its down
# migrations; this run only finishes them.
resume=0
[[ $target != "$current" ]] || resume=1
info "from: $current"
check_release "$current"
info "to:   $target"
check_release "$target"
target_bin=$(release_bin "$target")
target_version=$(release_version "$target_bin") || die "$target_bin --version printed no version"
current_version=$(release_version "$(release_bin "$current")") || current_version=unknown
# A release with the smoke test also reports its version in /health/live (issue #19);
# an older target does not, and its instances' versions cannot be confirmed.
strict_versions=0
if has_smoke "$target_bin"; then strict_versions=1; fi
check_instances
check_database
take_lock
REPORT_ACTION=rollback
REPORT_RELEASE=$target
REPORT_RELEASE_VERSION=$target_version
REPORT_FROM=$current
REPORT_MIGRATIONS_KEY=migrations_reverted

mapfile -t applied < <(applied_versions)
mapfile -t target_versions < <(release_versions "$target")

if [[ -n $restore ]]; then
  [[ -f $restore ]] || die "no such dump: $restore"
  restore=$(cd -- "$(dirname -- "$restore")" && pwd)/$(basename -- "$restore")
  pg_restore --list "$restore" >/dev/null || die "$restore is not a readable pg_dump -Fc archive"
  mapfile -t keep < <(dump_versions "$restore")
  info "dump $restore holds migrations: ${keep[*]:-none}"
  for version in "${target_versions[@]}"; do
    contains "$version" "${keep[@]}" ||
      warn "the dump lacks migration $version of the target release; the target applies it when it starts"
  done
else
  keep=("${target_versions[@]}")
  for version in "${target_versions[@]}"; do
    contains "$version" "${applied[@]}" ||
      die "$target ships migration $version, which the database does not have: it is newer than the database. Use deploy.sh to move forward."
  done
fi
REPORT_EXTRA+=("\"restore\": $(json_str_or_null "$restore")")

# Applied migrations to undo, newest first, each with its down.sql from the release
# being left (or, when resuming, from the one left before).
revert=()
for version in $(printf '%s\n' "${applied[@]}" | sort -r); do
  [[ -n $version ]] || continue
  contains "$version" "${keep[@]}" && continue
  dir=$(migration_dir "$current" "$version")
  [[ -n $dir || -z $previous ]] || dir=$(migration_dir "$previous" "$version")
  [[ -n $dir ]] || die "migration $version is applied but neither $current nor ${previous:-a previous release} ships it: cannot find its down.sql"
  [[ -f $dir/down.sql ]] || die "$dir has no down.sql"
  revert+=("$dir")
done
if [[ $resume == 1 ]]; then
  [[ -z $restore ]] || die "$target is already current: --restore needs --to naming an earlier release"
  ((${#revert[@]})) || die "$target is already the current release and no migration is left to revert"
  info "$target is already current: only finishing its down migrations"
fi
if ((${#revert[@]})); then
  info "down migrations to run, in order:"
  for dir in "${revert[@]}"; do info "  $(basename "$dir")"; done
else
  info "no migration to revert"
fi

step "Versions"
info "leaving $(basename "$current"): $current_version"
info "going to $(basename "$target"): $target_version"
read_versions VERSION_BEFORE
show_versions VERSION_BEFORE

if [[ -n $restore ]]; then
  confirm "This replaces the database with $restore: everything written since then is lost"
elif ((${#revert[@]})); then
  confirm "The down migrations drop what the newer release added to the schema, with its data"
fi

# One down migration, timed, in the report.
revert_one() {
  local dir=$1 version
  version=$(migration_version "$dir")
  check_start "revert $version"
  revert_migration "$dir"
  [[ $DRY_RUN == 1 ]] || REPORT_MIGRATIONS+=("$version")
  check_end true
}

# After the restart, before any down migration: they drop what the newer code uses.
check_versions() {
  step "Checking every instance runs $target_version"
  check_start versions
  verify_versions "$target_version" "$strict_versions"
  check_end true
}

step "Safety backup of the database as it is now"
arm_report # from here on, a failure still writes the report
check_start backup
backup_database "before-rollback"
record_history "backup $BACKUP_FILE (before rolling back $current to $target)"
check_end true
FAIL_HINT="the safety backup is $BACKUP_FILE"

if [[ -n $restore ]]; then
  step "Stopping instances (no writes during the restore)"
  FAIL_HINT="instances may be stopped and $BRIGADE_HOME/current is still $current; start them with: ${BRIGADE_RESTART_CMD}. Safety backup: $BACKUP_FILE"
  stop_instances

  if ((${#revert[@]})); then
    step "Reverting migrations the dump does not contain"
    for dir in "${revert[@]}"; do revert_one "$dir"; done
  fi

  step "Restoring $restore"
  # --clean --if-exists drops each object of the dump before recreating it; one
  # transaction, so a failure leaves the database as it was.
  check_start restore
  run pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction \
    --dbname="$OWNER_DATABASE_URL" "$restore" ||
    die "pg_restore failed and was rolled back (one transaction)"
  record_history "restore $restore"
  check_end true

  step "Switching $BRIGADE_HOME/current"
  check_start switch
  set_link previous "$current"
  set_link current "$target"
  record_history "rollback $current -> $target (database restored from $restore)"
  check_end true

  step "Starting instances on $target"
  FAIL_HINT="the database is restored and $BRIGADE_HOME/current is $target. Safety backup: $BACKUP_FILE"
  roll_instances
  check_versions
else
  if [[ $resume == 0 ]]; then
    step "Switching $BRIGADE_HOME/current"
    check_start switch
    set_link previous "$current"
    set_link current "$target"
    record_history "rollback $current -> $target"
    check_end true

    step "Restarting instances on $target, one at a time"
    FAIL_HINT="$BRIGADE_HOME/current is $target, no migration was reverted yet: finish with $0 --to $target. Safety backup: $BACKUP_FILE"
    roll_instances
  else
    FAIL_HINT="no migration was reverted yet: restart the instances on $target ($BRIGADE_RESTART_CMD), then finish with $0 --to $target. Safety backup: $BACKUP_FILE"
  fi
  check_versions

  if ((${#revert[@]})); then
    step "Reverting migrations $target does not ship"
    FAIL_HINT="the instances run $target; the down migrations before this one are done (each is atomic): fix and finish with $0 --to $target. Safety backup: $BACKUP_FILE"
    for dir in "${revert[@]}"; do revert_one "$dir"; done
    record_history "reverted ${#revert[@]} migration(s) for $target"
  fi
fi
FAIL_HINT=

step "Smoke test"
smoke_test "$target_bin"

step "Health"
show_health

if ((${#SMOKE_FAILED[@]})); then
  FAIL_HINT="the rollback itself is done: the instances run $target on the schema it ships. What fails is in the smoke test's FAIL lines above and in the report. Safety backup of the state before the rollback: $BACKUP_FILE"
  die "the rolled-back release $target fails its smoke test against ${SMOKE_FAILED[*]}"
fi

step "Done"
[[ $DRY_RUN == 0 ]] || info "(dry run) nothing was changed"
info "running $target ($target_version)"
info "safety backup of the state before the rollback: $BACKUP_FILE"
write_report true
[[ -z $REPORT_FILE ]] || info "report: $REPORT_FILE"
