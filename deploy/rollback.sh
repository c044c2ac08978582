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
# Both take a safety dump of the database as it is before touching it. Compose
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
which backward-compatible migrations guarantee), then the down migrations.

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
need_cmd psql pg_dump pg_restore curl flock
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
check_instances
check_database
take_lock

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

if [[ -n $restore ]]; then
  confirm "This replaces the database with $restore: everything written since then is lost"
elif ((${#revert[@]})); then
  confirm "The down migrations drop what the newer release added to the schema, with its data"
fi

step "Safety backup of the database as it is now"
backup_database "before-rollback"
record_history "backup $BACKUP_FILE (before rolling back $current to $target)"
FAIL_HINT="the safety backup is $BACKUP_FILE"

if [[ -n $restore ]]; then
  step "Stopping instances (no writes during the restore)"
  FAIL_HINT="instances may be stopped and $BRIGADE_HOME/current is still $current; start them with: ${BRIGADE_RESTART_CMD}. Safety backup: $BACKUP_FILE"
  stop_instances

  if ((${#revert[@]})); then
    step "Reverting migrations the dump does not contain"
    for dir in "${revert[@]}"; do revert_migration "$dir"; done
  fi

  step "Restoring $restore"
  # --clean --if-exists drops each object of the dump before recreating it; one
  # transaction, so a failure leaves the database as it was.
  run pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction \
    --dbname="$BRIGADE_DATABASE_URL" "$restore" ||
    die "pg_restore failed and was rolled back (one transaction)"
  record_history "restore $restore"

  step "Switching $BRIGADE_HOME/current"
  set_link previous "$current"
  set_link current "$target"
  record_history "rollback $current -> $target (database restored from $restore)"

  step "Starting instances on $target"
  FAIL_HINT="the database is restored and $BRIGADE_HOME/current is $target. Safety backup: $BACKUP_FILE"
  roll_instances
else
  if [[ $resume == 0 ]]; then
    step "Switching $BRIGADE_HOME/current"
    set_link previous "$current"
    set_link current "$target"
    record_history "rollback $current -> $target"

    step "Restarting instances on $target, one at a time"
    FAIL_HINT="$BRIGADE_HOME/current is $target, no migration was reverted yet: finish with $0 --to $target. Safety backup: $BACKUP_FILE"
    roll_instances
  fi

  if ((${#revert[@]})); then
    step "Reverting migrations $target does not ship"
    FAIL_HINT="the instances run $target; the down migrations before this one are done (each is atomic): fix and finish with $0 --to $target. Safety backup: $BACKUP_FILE"
    for dir in "${revert[@]}"; do revert_migration "$dir"; done
    record_history "reverted ${#revert[@]} migration(s) for $target"
  fi
fi
FAIL_HINT=

step "Done"
[[ $DRY_RUN == 0 ]] || info "(dry run) nothing was changed"
info "running $target"
info "safety backup of the state before the rollback: $BACKUP_FILE"
