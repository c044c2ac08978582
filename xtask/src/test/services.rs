//! The services the suites need, checked before anything is built: a missing one is
//! named with how to start it, rather than failing fifty tests.

use std::time::Duration;

pub(super) fn check_postgres(url: &str) -> Result<(), String> {
    let host_port = url
        .split('@')
        .next_back()
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:5432");
    let addr = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let resolved = std::net::ToSocketAddrs::to_socket_addrs(&addr.as_str())
        .map_err(|e| format!("BRIGADE_TEST_PG host {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("BRIGADE_TEST_PG host {addr} resolves to nothing"))?;
    std::net::TcpStream::connect_timeout(&resolved, Duration::from_secs(3)).map_err(|e| {
        format!(
            "PostgreSQL is not reachable at {addr} ({e}).\n\
             The e2e suite needs a PostgreSQL server it may create databases on.\n\
             Start one (Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)\n\
             or point BRIGADE_TEST_PG at one, e.g. BRIGADE_TEST_PG=postgres://postgres@127.0.0.1:5432"
        )
    })?;
    Ok(())
}

pub(super) fn check_redis() -> Result<(), String> {
    let url =
        std::env::var("BRIGADE_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let addr = url
        .trim_start_matches("redis://")
        .rsplit('@')
        .next()
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:6379")
        .to_owned();
    let reachable = std::net::ToSocketAddrs::to_socket_addrs(&addr.as_str())
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(3)).is_ok());
    if reachable {
        Ok(())
    } else {
        Err(format!(
            "Redis is not reachable at {addr}.\n\
             The e2e suites run app instances that fan out through Redis (they also start\n\
             private redis-server processes, so the redis-server binary must be installed).\n\
             Start one: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no\n\
             or point BRIGADE_TEST_REDIS at one."
        ))
    }
}
