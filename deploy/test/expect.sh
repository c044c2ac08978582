# shellcheck shell=bash
# Sourced by the deploy/test scripts that print one line per check:
#   expect "what" command...   runs the command quietly; `ok` or `FAIL`, counted
#   fails command...           succeeds when the command fails
# The script ends with `((failed == 0))`.

failed=0
expect() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    printf 'ok    %s\n' "$what"
  else
    printf 'FAIL  %s\n' "$what"
    failed=$((failed + 1))
  fi
}
fails() { ! "$@"; }
