#!/usr/bin/env bash
# CPU per request of one brigade build: a fresh demo database on the local PostgreSQL,
# `serve` with 2 workers, wrk GET tables then POST orders as a waiter, CPU from /proc.
# usage: docs/bench/cpu_per_request.sh path/to/brigade NAME [PORT]   (needs wrk, psql)
set -euo pipefail
BIN=$1; NAME=$2; PORT=${3:-18090}
DB="bench_auth_${NAME}_$$"
URL="postgres://postgres@127.0.0.1:5432/$DB"
psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $DB" >/dev/null
export BRIGADE_DATABASE_URL=$URL BRIGADE_LOG=error
export BRIGADE_JWT_SECRET=9d2f6b1e8a4c07f3e5b9d1a6c8e2f4b0a7d3c9e1f5b8a2d6c0e4f7b3a9d1c5e8
export BRIGADE_LOGIN_PER_ACCOUNT_PER_MINUTE=100000 BRIGADE_LOGIN_PER_ADDRESS_PER_MINUTE=100000
"$BIN" migrate >/dev/null; "$BIN" seed --demo >/dev/null
"$BIN" serve --bind 127.0.0.1:"$PORT" --workers 2 >/dev/null 2>&1 &
PID=$!
for _ in $(seq 50); do curl -fs http://127.0.0.1:"$PORT"/health/ready >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -fs http://127.0.0.1:"$PORT"/api/v1/auth/login -H 'content-type: application/json' -d '{"email":"waiter1@beerflow.demo","password":"admin123!"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
V=00000000-0000-0000-0000-000000000001
PRODUCT=$(curl -fs http://127.0.0.1:"$PORT"/api/v1/venues/$V/products -H "authorization: Bearer $TOKEN" | python3 -c 'import sys,json;print(json.load(sys.stdin)[0]["id"])')
cat > "/tmp/post_$NAME.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"covers":1,"items":[{"product_id":"$PRODUCT","quantity":1}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
cat > "/tmp/get_$NAME.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
ticks() { awk '{print $14+$15}' /proc/$PID/stat; }
HZ=$(getconf CLK_TCK)
run() { # path script
  local before after reqs
  before=$(ticks)
  reqs=$(wrk -t1 -c16 -d8s -s "$2" "http://127.0.0.1:$PORT$1" | awk '/requests in/{print $1}')
  after=$(ticks)
  python3 -c "r=$reqs; t=($after-$before)/$HZ; print(f'$NAME {\"$1\"[:40]:40s} {r/8:8.0f}/s  {t*1000/r:.3f} ms CPU/request')"
}
run "/api/v1/venues/$V/tables" "/tmp/get_$NAME.lua"
run "/api/v1/venues/$V/orders" "/tmp/post_$NAME.lua"
kill $PID; wait $PID 2>/dev/null || true
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE $DB" >/dev/null
