#!/usr/bin/env bash
# The fuzz suite: schemathesis throws generated requests at every operation of the
# served OpenAPI contract, authenticated as the demo admin, on the embedded store and
# on PostgreSQL. It fails on any 5xx, any response outside its documented schema,
# content type or headers, and any status the contract does not list. Before that the
# contract itself must validate (openapi-spec-validator).
#
# Bounded and repeatable: a fixed seed and a fixed number of examples per operation.
#   FUZZ_EXAMPLES  examples per operation (default 60: about three minutes a store with
#                  the 100-odd operations of the API)
#   FUZZ_SEED      the seed (default 16)
#   FUZZ_STORES    which stores (default "sqlite postgres")
#   FUZZ_PHASES    schemathesis phases (default examples,coverage,fuzzing)
# The exploratory run (`cargo xtask fuzz --long`) raises the examples and adds the
# stateful phase. Reports (JUnit, and a pytest file reproducing failures) land in
# target/fuzz/<store>/.
#
# BRIGADE_BIN is the brigade binary to serve (cargo xtask sets it to the debug build).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BRIGADE_BIN:-$root/target/debug/brigade}
work=$root/target/fuzz
venv=$root/target/fuzz-venv
examples=${FUZZ_EXAMPLES:-60}
seed=${FUZZ_SEED:-16}
stores=${FUZZ_STORES:-sqlite postgres}
phases=${FUZZ_PHASES:-examples,coverage,fuzzing}
pg=${BRIGADE_TEST_PG:-postgres://postgres@127.0.0.1:5432}

say() { printf '    fuzz: %s\n' "$*"; }

[ -x "$bin" ] || { echo "fuzz: no brigade binary at $bin (cargo build first)" >&2; exit 1; }
mkdir -p "$work"

# The tools, in a venv of their own, rebuilt when the pinned requirements change.
requirements=$root/xtask/fuzz/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  say "installing schemathesis into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi

say "the contract validates (openapi-spec-validator)"
"$bin" openapi >"$work/openapi.json"
"$venv/bin/openapi-spec-validator" "$work/openapi.json"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server=""
database=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$database" ]; then
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  server=""
  database=""
}
trap cleanup EXIT

fuzz() {
  local store=$1 port data base token started
  port=$(free_port)
  data=$(mktemp -d "$work/$store-data.XXXXXX")
  local -a env=(
    BRIGADE_BIND="127.0.0.1:$port"
    BRIGADE_DATA_DIR="$data"
    BRIGADE_LOG=warn
    BRIGADE_JWT_SECRET=fuzz-5c1d8e0f3a9b47d2b6e1c4a7f09d3b8e2a6c1f5d9e0b4a7c3d8f2e6b1a
    # Limits raised for the run: the fuzzer is one client sending thousands of requests.
    BRIGADE_LOGIN_PER_ACCOUNT_PER_MINUTE=1000000
    BRIGADE_RATE_READS_PER_MINUTE=0
    BRIGADE_RATE_WRITES_PER_MINUTE=0
    BRIGADE_WS_CONNECTIONS_PER_USER=100000
    BRIGADE_LOGIN_PER_ADDRESS_PER_MINUTE=1000000
    BRIGADE_CLIENT_REPORTS_PER_MINUTE=1000000
    # The operators' views answer the fuzzer's staff token 401 operator_required.
    BRIGADE_OPERATOR_TOKEN=fuzz-operator-token-nobody-sends-0000000
  )
  if [ "$store" = postgres ]; then
    database="brigade_fuzz_$$"
    psql -q "$pg/postgres" -c "CREATE DATABASE $database" >/dev/null
    env+=(BRIGADE_DATABASE_URL="$pg/$database")
  fi
  env "${env[@]}" "$bin" serve --dev --demo >"$work/$store.log" 2>&1 &
  server=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 120); do
    curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$work/$store.log" >&2; return 1; }
    sleep 0.5
  done
  token=$(curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email": "admin@beerflow.demo", "password": "admin123!"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

  say "$store: $examples examples per operation, seed $seed, phases $phases"
  started=$SECONDS
  local status=0
  # Logging out would end the session the run authenticates with.
  # From target/fuzz: schemathesis keeps its cache in the working directory.
  (cd "$work" && "$venv/bin/st" --config-file "$root/xtask/fuzz/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --exclude-operation-id logout \
    --phases "$phases" \
    --max-examples "$examples" \
    --seed "$seed" \
    --workers 2 \
    --generation-database none \
    --request-timeout 30 \
    --no-color \
    --report junit,pytest --report-dir "$work/$store") || status=$?
  say "$store: $((SECONDS - started)) s"
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $store failed; the server's log ($work/$store.log) ends:" >&2
    tail -n 40 "$work/$store.log" >&2
  fi
  cleanup
  rm -rf "$data"
  return "$status"
}

failed=()
for store in $stores; do
  fuzz "$store" || failed+=("$store")
done
if ((${#failed[@]})); then
  echo "fuzz: failed on ${failed[*]}" >&2
  exit 1
fi
