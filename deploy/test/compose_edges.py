#!/usr/bin/env python3
"""The deployment edges in deploy/compose.yaml (issue #20), checked against the files
they name: nginx gets tls/ where nginx.conf reads its certificate, and publishes HTTPS
on 443 (the HTTP redirect names no port); Redis wants a password, which the instances'
URL carries and redis-cli reads from the environment only; the migrate job connects as
the schema owner and the instances as brigade_app, which postgres/app-role.sh makes on
a new volume; env.example lists every variable compose requires. Run by
deploy/check.sh from deploy/ (PyYAML)."""

import os, re, yaml
text = open("compose.yaml").read()
s = yaml.safe_load(text)["services"]
def mounts(svc):  # {target: source}
    return {v.split(":")[1]: v.split(":")[0] for v in s[svc].get("volumes", [])}
# TLS: nginx.conf reads tls/*.pem relative to itself, /etc/nginx/nginx.conf in compose.
conf = open("nginx/nginx.conf").read()
for f in ("cert.pem", "key.pem"):
    assert re.search(rf"^\s*ssl_certificate(_key)?\s+tls/{f};", conf, re.M), f"nginx.conf no longer reads tls/{f}"
m = mounts("nginx")
assert m.get("/etc/nginx/nginx.conf") == "./nginx/nginx.conf", "nginx.conf must be /etc/nginx/nginx.conf"
assert m.get("/etc/nginx/tls") == "./tls" and os.path.isfile("tls/self-signed.sh"), "nginx must mount ./tls at /etc/nginx/tls"
ports = [str(p) for p in s["nginx"]["ports"]]
assert any(p.endswith(":8443") and p.rsplit(":", 1)[0].endswith("443}") for p in ports), f"HTTPS (8443) must be published on 443: {ports}"
assert any(p.endswith(":8080") for p in ports), f"plain HTTP (8080) must be published: {ports}"
assert "https://127.0.0.1:8443/" in " ".join(s["nginx"]["healthcheck"]["test"]), "nginx's healthcheck must use HTTPS"
# Redis: a password on the server, in the instances' URL, and for redis-cli by env only.
cmd = s["redis"]["command"]
assert "--requirepass" in cmd and cmd[cmd.index("--requirepass") + 1].startswith("${REDIS_PASSWORD:?"), \
    "redis: --requirepass ${REDIS_PASSWORD:?...}"
assert s["redis"]["environment"]["REDISCLI_AUTH"].startswith("${REDIS_PASSWORD"), "redis: REDISCLI_AUTH for redis-cli"
health = " ".join(s["redis"]["healthcheck"]["test"])
assert "PASSWORD" not in health and " -a " not in health and "PONG" in health, f"redis healthcheck: {health}"
# Database roles: the owner migrates, the instances are brigade_app (app-role.sh).
own = "postgres://brigade:${POSTGRES_PASSWORD:?"
app = "postgres://brigade_app:${BRIGADE_APP_DB_PASSWORD:?"
assert s["migrate"]["environment"]["BRIGADE_DATABASE_URL"].startswith(own), "migrate must use the owner's URL"
for a in ("app1", "app2"):
    env = s[a]["environment"]
    assert env["BRIGADE_DATABASE_URL"].startswith(app), f"{a} must connect as brigade_app"
    assert env["BRIGADE_REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?"), f"{a}: Redis URL without the password"
m = mounts("postgres")
init = {src: t for t, src in m.items() if t.startswith("/docker-entrypoint-initdb.d/")}
sh = init.get("./postgres/app-role.sh", "")
assert sh.endswith(".sh"), "postgres must mount postgres/app-role.sh into /docker-entrypoint-initdb.d"
assert sh > init["./postgres/init.sql"], "app-role.sh must sort after init.sql (the image runs them in name order)"
assert os.access("postgres/app-role.sh", os.X_OK), "postgres/app-role.sh must be executable (the image sources it otherwise)"
sql = [t for t, src in m.items() if src == "./postgres/app-role.sql"]
assert len(sql) == 1 and not sql[0].startswith("/docker-entrypoint-initdb.d/"), "app-role.sql must be mounted outside initdb.d"
script = open("postgres/app-role.sh").read()
assert f"BRIGADE_APP_ROLE_SQL:-{sql[0]}" in script, f"app-role.sh must read {sql[0]}"
assert "BRIGADE_APP_ROLE:-brigade_app}" in script, "app-role.sh must make brigade_app"
assert s["postgres"]["environment"]["BRIGADE_APP_DB_PASSWORD"].startswith("${BRIGADE_APP_DB_PASSWORD:?")
# Every variable compose requires is in env.example.
example = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", open("env.example").read(), re.M))
required = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", text))
assert required <= example, f"env.example lacks {sorted(required - example)}"
print(f"nginx: ./tls at /etc/nginx/tls, HTTPS on 443; Redis: requirepass, REDISCLI_AUTH; "
      f"migrate as brigade, app1/app2 as brigade_app ({sh}); env.example: {', '.join(sorted(required))}")
