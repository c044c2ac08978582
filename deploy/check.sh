#!/usr/bin/env bash
# Validates everything under deploy/ that can be validated without Docker:
#
#   tls        tls/self-signed.sh writes the pair it should, keeps an existing one;
#              deploy/tls/*.pem are git-ignored
#   nginx      nginx -t on nginx.conf (upstreams on loopback, a throwaway certificate),
#              then a live smoke test over HTTPS and plain HTTP
#   prometheus promtool check config / check rules / test rules
#   grafana    dashboard JSON, its PromQL (through promtool), datasource uid
#   metrics    every metric name in alerts and dashboard is one Brigade exports
#   yaml       compose, collector and provisioning files parse; references resolve
#   docker     the Dockerfile's COPY sources exist and are not ignored
#   scripts    bash -n and shellcheck on every script
#   roles      postgres/app-role.sh on a scratch database: the app role reads and
#              writes rows, changes no schema (only when BRIGADE_TEST_PG is set)
#   e2e        deploy.sh/rollback.sh against PostgreSQL, only when BRIGADE_BIN is set
#
# Installs nothing: a missing tool is reported with the Debian package to install, and
# fails the run. Exit status 0 only if every check passed.
#
#   deploy/check.sh
#   BRIGADE_BIN=target/debug/brigade deploy/check.sh     # also the deploy/rollback e2e
set -euo pipefail

deploy=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cd "$deploy"

passed=0
failed=0
skipped=0
failures=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

section() { printf '\n==> %s\n' "$*"; }
pass() {
  printf '  PASS  %s\n' "$1"
  passed=$((passed + 1))
}
fail() {
  printf '  FAIL  %s\n' "$1"
  failed=$((failed + 1))
  failures+=("$1")
}
skip() {
  printf '  SKIP  %s\n' "$1"
  skipped=$((skipped + 1))
}
# attempt "description" command...: runs the command, shows its output indented.
attempt() {
  local what=$1 out line status=0
  shift
  out=$("$@" 2>&1) || status=$?
  if [[ -n $out ]]; then
    while IFS= read -r line; do printf '        %s\n' "$line"; done <<<"$out"
  fi
  if ((status == 0)); then pass "$what"; else fail "$what"; fi
}

# ------------------------------------------------------------------------- tools
section "Tools"
missing=()
have() { command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]]; }
need() { # need COMMAND DEBIAN-PACKAGE
  if have "$1"; then
    pass "$1 found"
  else
    fail "$1 not found: install the Debian package '$2' (apt-get install -y $2)"
    missing+=("$2")
  fi
}
need nginx nginx
need promtool prometheus
need python3 python3
need shellcheck shellcheck
need openssl openssl
PATH=$PATH:/usr/sbin # nginx lives there on Debian

have_yaml=0
if have python3 && python3 -c 'import yaml' 2>/dev/null; then
  have_yaml=1
  pass "python3 PyYAML found"
else
  skip "PyYAML not found: YAML files will not be checked (apt-get install -y python3-yaml)"
fi

# --------------------------------------------------------------------------- tls
section "TLS"
if have openssl; then
  attempt "tls/self-signed.sh: the pair it writes, its refusals (test/self_signed_test.sh)" \
    bash test/self_signed_test.sh
else
  skip "self-signed.sh checks (openssl missing)"
fi
# Keys must never be committed: git's own verdict when this is a checkout.
ignored() {
  local f
  for f in "$@"; do
    if git -C .. rev-parse --git-dir >/dev/null 2>&1; then
      git -C .. check-ignore -q "deploy/$f" || { echo "deploy/$f is not git-ignored"; return 1; }
    else
      grep -qx '\*\.pem' tls/.gitignore || { echo "tls/.gitignore lacks *.pem"; return 1; }
    fi
  done
  echo "git ignores: $*"
}
attempt "tls/cert.pem and tls/key.pem are git-ignored" ignored tls/cert.pem tls/key.pem

# ------------------------------------------------------------------------- nginx
section "nginx"
if have nginx && have openssl; then
  mkdir -p "$tmp/nginx"
  # The same nginx.conf, next to an upstream.conf that points at loopback (nginx -t
  # resolves upstream host names, and app1/app2 only exist inside compose).
  cp nginx/nginx.conf "$tmp/nginx/nginx.conf"
  sed -e 's/server app1:8080/server 127.0.0.1:18081/' -e 's/server app2:8080/server 127.0.0.1:18082/' \
    nginx/upstream.conf >"$tmp/nginx/upstream.conf"
  if cmp -s nginx/nginx.conf "$tmp/nginx/nginx.conf" && ! grep -q 'app[12]:' "$tmp/nginx/upstream.conf"; then
    pass "test copy: nginx.conf identical, upstream.conf on 127.0.0.1"
  else
    fail "could not build the loopback upstream.conf (server app1:8080 / app2:8080 lines changed?)"
  fi
  # nginx.conf reads tls/cert.pem and tls/key.pem next to itself: a throwaway pair there.
  quiet() { "$@" >/dev/null; } # errors still show
  attempt "a throwaway certificate for the test copy (tls/self-signed.sh)" \
    quiet bash tls/self-signed.sh "$tmp/nginx/tls"
  # -p/-e/pid in the temporary directory: runs unprivileged, touches nothing in /etc/nginx.
  attempt "nginx -t on deploy/nginx/nginx.conf" \
    nginx -t -q -p "$tmp/nginx/" -e stderr -c "$tmp/nginx/nginx.conf" -g "pid $tmp/nginx/nginx.pid;"
  if have python3; then
    attempt "live smoke test: nginx in front of two stub instances (deploy/test/nginx_smoke.py)" \
      python3 test/nginx_smoke.py
  fi
else
  skip "nginx checks (nginx or openssl missing)"
fi

# -------------------------------------------------------------------- prometheus
section "Prometheus"
if have promtool; then
  attempt "promtool check config prometheus/prometheus.yml (and its rule files)" \
    promtool check config prometheus/prometheus.yml
  attempt "promtool check rules prometheus/alerts.yml" promtool check rules prometheus/alerts.yml
  attempt "promtool test rules prometheus/alerts_test.yml" promtool test rules prometheus/alerts_test.yml
else
  skip "Prometheus checks (promtool missing)"
fi

# ---------------------------------------------------------------------- grafana
section "Grafana dashboard"
if have python3; then
  attempt "grafana/dashboards/brigade.json is valid JSON" \
    python3 -m json.tool grafana/dashboards/brigade.json /dev/null
  # Every panel query as a recording rule, Grafana's variables replaced by plausible
  # values, so promtool parses each PromQL expression.
  attempt "extract the dashboard's queries" python3 - grafana/dashboards/brigade.json "$tmp/dashboard_rules.yml" <<'EOF'
import json, sys
dash = json.load(open(sys.argv[1]))
exprs = []
def walk(panels):
    for p in panels:
        walk(p.get("panels", []))
        for t in p.get("targets", []):
            if t.get("expr"):
                exprs.append((p.get("title", "?"), t["expr"]))
walk(dash["panels"])
for a in dash.get("annotations", {}).get("list", []):
    if a.get("expr"):
        exprs.append(("annotation " + a.get("name", "?"), a["expr"]))
subst = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "6h", "$job": "brigade", "$instance": ".*"}
with open(sys.argv[2], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, (title, e) in enumerate(exprs):
        for k, v in subst.items():
            e = e.replace(k, v)
        out.write(f"      - record: dashboard:panel_{i}\n        expr: {json.dumps(e)}\n")
print(f"{len(exprs)} queries extracted")
EOF
  if have promtool && [[ -s $tmp/dashboard_rules.yml ]]; then
    attempt "every dashboard query parses (promtool check rules)" promtool check rules "$tmp/dashboard_rules.yml"
  fi
  attempt "panels use the provisioned datasource uid" python3 - <<'EOF'
import json, re
dash = json.load(open("grafana/dashboards/brigade.json"))
uid = re.search(r"^\s*uid:\s*(\S+)", open("grafana/provisioning/datasources/prometheus.yml").read(), re.M).group(1)
bad = []
def walk(panels):
    for p in panels:
        walk(p.get("panels", []))
        for obj in [p] + p.get("targets", []):
            ds = obj.get("datasource")
            if isinstance(ds, dict) and ds.get("type") == "prometheus" and ds.get("uid") != uid:
                bad.append(p.get("title"))
walk(dash["panels"])
ids = []
def ids_of(panels):
    for p in panels:
        ids.append(p["id"]); ids_of(p.get("panels", []))
ids_of(dash["panels"])
assert not bad, f"panels not on datasource uid {uid}: {bad}"
assert len(ids) == len(set(ids)), "duplicate panel ids"
print(f"{len(ids)} panels on datasource uid {uid!r}, ids unique")
EOF
else
  skip "dashboard checks (python3 missing)"
fi

# ---------------------------------------------------------------------- metrics
section "Metric names"
if have python3; then
  # What the collector's prometheus exporter makes of Brigade's instruments
  # (deploy/README.md, "Metrics"). A name used in a rule or panel but missing here is a
  # typo, or a metric the app must add first.
  attempt "alerts and dashboard only use metrics Brigade exports" python3 - <<'EOF'
import json, re
known = {
    "http_server_request_duration_seconds_bucket", "http_server_request_duration_seconds_sum",
    "http_server_request_duration_seconds_count",
    "brigade_orders_created_total", "brigade_order_transitions_total",
    "brigade_ticket_stage_duration_seconds_bucket", "brigade_ticket_stage_duration_seconds_sum",
    "brigade_ticket_stage_duration_seconds_count",
    "brigade_fefo_allocation_duration_seconds_bucket", "brigade_fefo_allocation_duration_seconds_sum",
    "brigade_fefo_allocation_duration_seconds_count",
    "brigade_stock_shortages_total", "brigade_ws_connections", "brigade_ws_disconnects_total",
    "brigade_events_fanout_lag_seconds_bucket", "brigade_events_fanout_lag_seconds_sum",
    "brigade_events_fanout_lag_seconds_count",
    "brigade_db_pool_connections", "brigade_idempotent_replays_total", "brigade_kitchen_stuck_orders",
    "brigade_kitchen_alerts_total", "brigade_http_slow_requests_total",
    "brigade_db_up",
    "brigade_payments_total", "brigade_payments_revenue_total", "brigade_payments_tips_total",
    "brigade_payment_duration_seconds_bucket", "brigade_payment_duration_seconds_sum",
    "brigade_payment_duration_seconds_count", "brigade_payment_failures_total",
    "brigade_refunds_total", "brigade_refunds_amount_total",
    "up", "ALERTS",
}
texts = {"prometheus/alerts.yml": open("prometheus/alerts.yml").read()}
dash = json.load(open("grafana/dashboards/brigade.json"))
def walk(panels):
    for p in panels:
        walk(p.get("panels", []))
        for t in p.get("targets", []):
            texts.setdefault("dashboard", "")
            texts["dashboard"] += "\n" + t.get("expr", "")
walk(dash["panels"])
used = {}
for where, text in texts.items():
    if where.endswith(".yml"):
        text = "\n".join(re.findall(r"expr: \|?\n?((?:.*\n)*?)\s*(?:for|labels):", text))
    for name in re.findall(r"\b(brigade_[a-z_]+|http_server_[a-z_]+|up|ALERTS)\b\s*(?=[{\[)\s]|$)", text):
        used.setdefault(name, set()).add(where)
unknown = {n: sorted(w) for n, w in used.items() if n not in known}
assert not unknown, f"unknown metric names: {unknown}"
print(f"{len(used)} metric names used, all known: {', '.join(sorted(used))}")
EOF
else
  skip "metric name check (python3 missing)"
fi

# ---------------------------------------------------------------------- runbook
section "Runbook links"
if have python3; then
  # GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes.
  attempt "every runbook_url and runbook link points at a heading of docs/RUNBOOK.md" python3 - <<'EOF'
import re
runbook = open("../docs/RUNBOOK.md").read()
anchors = {re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", h.strip().lower()))
           for h in re.findall(r"^#{1,6} (.+)$", runbook, re.M)}
alerts = open("prometheus/alerts.yml").read()
urls = re.findall(r"runbook_url: \"docs/RUNBOOK\.md#([^\"]+)\"", alerts)
names = re.findall(r"- alert: (\w+)", alerts)
assert len(urls) == len(names), f"{len(names)} alerts but {len(urls)} runbook_url annotations"
links = re.findall(r"\]\(#([^)]+)\)", runbook)
missing = sorted({a for a in urls + links if a not in anchors})
assert not missing, f"no such heading in docs/RUNBOOK.md: {missing}"
print(f"{len(set(urls))} alert anchors and {len(links)} internal links resolve")
EOF
else
  skip "runbook links (python3 missing)"
fi

# ------------------------------------------------------------------------- yaml
section "YAML files"
if ((have_yaml)); then
  attempt "compose, collector, provisioning and Prometheus files parse" python3 - <<'EOF'
import yaml
files = ["compose.yaml", "otel/collector.yaml", "prometheus/prometheus.yml", "prometheus/alerts.yml",
         "prometheus/alerts_test.yml", "grafana/provisioning/datasources/prometheus.yml",
         "grafana/provisioning/dashboards/brigade.yml"]
for f in files:
    yaml.safe_load(open(f))
print(f"{len(files)} files parse")
EOF
  attempt "compose.yaml: services, dependencies, mounts and pinned images" python3 - <<'EOF'
import os, re, yaml
c = yaml.safe_load(open("compose.yaml"))
s = c["services"]
want = {"postgres", "redis", "migrate", "app1", "app2", "nginx", "otel-collector", "prometheus", "grafana"}
assert want <= set(s), f"missing services: {want - set(s)}"
for name, svc in s.items():
    deps = svc.get("depends_on", {})
    for d in (deps if isinstance(deps, list) else deps.keys()):
        assert d in s, f"{name} depends on unknown service {d}"
    for v in svc.get("volumes", []):
        src = v.split(":")[0]
        if src.startswith("."):
            assert os.path.exists(src), f"{name} mounts {src}, which does not exist"
    img = svc.get("image", "")
    if "${" not in img:
        assert re.search(r":[^:]*\d", img) and not img.endswith(":latest"), f"{name}: image {img!r} is not pinned"
for app in ("app1", "app2"):
    d = s[app]["depends_on"]
    assert d["migrate"]["condition"] == "service_completed_successfully", f"{app} must wait for migrate"
    env = s[app]["environment"]
    for k in ("BRIGADE_DATABASE_URL", "BRIGADE_REDIS_URL", "BRIGADE_JWT_SECRET", "OTEL_EXPORTER_OTLP_ENDPOINT",
              "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"):
        assert k in env, f"{app} lacks {k}"
    assert f"service.instance.id={app}" in env["OTEL_RESOURCE_ATTRIBUTES"], f"{app}: service.instance.id"
nginx_ip = s["nginx"]["networks"]["default"]["ipv4_address"]
for app in ("app1", "app2"):
    assert s[app]["environment"]["BRIGADE_TRUSTED_PROXIES"] == nginx_ip, f"{app} must trust nginx ({nginx_ip}) alone"
assert s["migrate"]["command"] == ["migrate"]
assert s["postgres"]["healthcheck"]["test"][1].startswith("pg_isready")
print(f"{len(s)} services; dependencies resolve; mounted files exist; images pinned")
EOF
  attempt "compose.yaml: TLS files, Redis password, database roles; env.example has every required variable" \
    python3 test/compose_edges.py
  attempt "collector.yaml: pipelines only use configured components" python3 - <<'EOF'
import yaml
c = yaml.safe_load(open("otel/collector.yaml"))
svc = c["service"]
for ext in svc.get("extensions", []):
    assert ext in c.get("extensions", {}), f"extension {ext} not configured"
for name, p in svc["pipelines"].items():
    for kind in ("receivers", "processors", "exporters"):
        for comp in p.get(kind, []):
            assert comp in c.get(kind, {}), f"pipeline {name}: {kind[:-1]} {comp} not configured"
prom = c["exporters"]["prometheus"]
assert "namespace" not in prom, "the prometheus exporter must not set a namespace (metric names would change)"
assert prom["endpoint"].endswith(":8889")
print("pipelines: " + ", ".join(f"{n} ({' -> '.join(p['receivers'] + p.get('processors', []) + p['exporters'])})"
                                for n, p in svc["pipelines"].items()))
EOF
  attempt "prometheus.yml scrapes the collector with honor_labels" python3 - <<'EOF'
import yaml
c = yaml.safe_load(open("prometheus/prometheus.yml"))
jobs = {j["job_name"]: j for j in c["scrape_configs"]}
col = jobs["otel-collector"]
assert col.get("honor_labels") is True, "honor_labels: true is needed to keep job/instance from the collector"
assert "otel-collector:8889" in col["static_configs"][0]["targets"]
print("otel-collector:8889 scraped with honor_labels")
EOF
else
  skip "YAML checks (PyYAML missing)"
fi

# ----------------------------------------------------------------------- docker
section "Dockerfile"
if have python3; then
  attempt "COPY sources exist in the build context and are not ignored" python3 - <<'EOF'
import fnmatch, os, re
root = os.path.dirname(os.getcwd())
lines = open("Dockerfile").read().replace("\\\n", " ").splitlines()
ignore = [l.strip().rstrip("/") for l in open("Dockerfile.dockerignore") if l.strip() and not l.startswith("#")]
sources = []
for l in lines:
    m = re.match(r"\s*COPY\s+(.*)", l)
    if not m or "--from=" in l:
        continue
    parts = [p for p in m.group(1).split() if not p.startswith("--")]
    sources += parts[:-1]
for src in sources:
    assert os.path.exists(os.path.join(root, src)), f"COPY {src}: not in the repository"
    for pat in ignore:
        assert not fnmatch.fnmatch(src, pat) and not src.startswith(pat + "/"), f"COPY {src} is excluded by {pat}"
text = open("Dockerfile").read()
for needle in ("--mount=type=cache", "USER brigade", "EXPOSE 8080", "HEALTHCHECK", "/health/live",
               'ENTRYPOINT ["/usr/local/bin/brigade"]', 'CMD ["serve"]', "cargo build --release --locked -p brigade-app"):
    assert needle in text, f"Dockerfile lacks {needle}"
print("COPY " + " ".join(sources))
EOF
else
  skip "Dockerfile check (python3 missing)"
fi
skip "docker build / docker compose config: no Docker engine here (CI with Docker: docker compose -f deploy/compose.yaml config -q)"

# ---------------------------------------------------------------------- scripts
section "Scripts"
scripts=(deploy.sh rollback.sh lib.sh check.sh tls/self-signed.sh postgres/app-role.sh
  test/deploy_rollback_e2e.sh test/self_signed_test.sh test/app_role_test.sh test/expect.sh)
for f in "${scripts[@]}"; do attempt "bash -n $f" bash -n "$f"; done
if have shellcheck; then
  attempt "shellcheck ${scripts[*]}" shellcheck -x "${scripts[@]}"
else
  skip "shellcheck (missing)"
fi
if have python3; then
  attempt "python3 compiles test/nginx_smoke.py, test/nginx_stub.py and test/compose_edges.py" \
    python3 -m py_compile test/nginx_smoke.py test/nginx_stub.py test/compose_edges.py
  rm -rf test/__pycache__
fi
for f in deploy.sh rollback.sh; do
  attempt "$f --help" bash -c "bash $f --help >/dev/null"
done

# ------------------------------------------------------------------------ roles
section "Database roles"
if [[ -n ${BRIGADE_TEST_PG:-} ]] && have psql; then
  attempt "postgres/app-role.sh: the app role reads and writes rows, changes no schema (test/app_role_test.sh)" \
    bash test/app_role_test.sh
else
  skip "set BRIGADE_TEST_PG (a PostgreSQL whose superuser may create a database and a role; psql) to run test/app_role_test.sh"
fi

# -------------------------------------------------------------------------- e2e
section "deploy.sh / rollback.sh end to end"
if [[ -n ${BRIGADE_BIN:-} ]]; then
  attempt "deploy, roll back, restore on PostgreSQL with two real instances" test/deploy_rollback_e2e.sh
else
  skip "set BRIGADE_BIN to a built brigade binary (and BRIGADE_TEST_PG, BRIGADE_TEST_REDIS) to run test/deploy_rollback_e2e.sh"
fi

# ---------------------------------------------------------------------- summary
section "Summary"
if ((${#missing[@]})); then
  printf '  missing tools: apt-get install -y %s\n' "${missing[*]}"
fi
for f in "${failures[@]}"; do printf '  failed: %s\n' "$f"; done
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
