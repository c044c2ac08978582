//! `cargo xtask test-phase3`: builds every test once (one debug build shared by all
//! suites), then runs the suites against a real PostgreSQL. Each e2e test clones its own
//! database from a migrated template (see crates/app/tests/e2e/support.rs), so suites
//! need no shared state and tests run in parallel.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A suite: name, what it proves, and its `cargo test` arguments.
struct Suite {
    name: &'static str,
    about: &'static str,
    args: &'static [&'static str],
}

const SUITES: [Suite; 2] = [
    Suite {
        name: "unit",
        about: "domain rules and FEFO properties, use cases on mocked ports, architecture tidy",
        args: &[
            "-p",
            "brigade-domain",
            "-p",
            "brigade-application",
            "-p",
            "xtask",
        ],
    },
    Suite {
        name: "e2e",
        about: "the REST API, CLI and migrations on a real PostgreSQL",
        args: &["-p", "brigade-app", "--test", "e2e"],
    },
];

/// A suite that runs longer than this has hung; it is killed and fails.
const SUITE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

pub fn run(args: &[String]) -> Result<(), String> {
    let mut wanted: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--suite" => wanted.push(rest.next().ok_or("--suite needs a name")?),
            other => return Err(format!("unknown argument {other:?} (try --suite unit|e2e)")),
        }
    }
    let suites: Vec<&Suite> = if wanted.is_empty() {
        SUITES.iter().collect()
    } else {
        wanted
            .iter()
            .map(|name| {
                SUITES.iter().find(|s| s.name == *name).ok_or_else(|| {
                    let names: Vec<_> = SUITES.iter().map(|s| s.name).collect();
                    format!("no suite {name:?}; suites: {}", names.join(", "))
                })
            })
            .collect::<Result<_, _>>()?
    };

    let pg = std::env::var("BRIGADE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
    if suites.iter().any(|s| s.name == "e2e") {
        check_postgres(&pg)?;
    }

    let started = Instant::now();
    println!("==> building all test targets once (debug)");
    let mut build_args = vec!["test", "--workspace", "--no-run", "--locked"];
    if std::env::var_os("CI").is_some() {
        build_args.push("--quiet");
    }
    if !crate::cargo(&build_args)?.success() {
        return Err("the build failed".to_owned());
    }
    println!("    built in {:.0?}", started.elapsed());

    let mut results = Vec::new();
    for (n, suite) in suites.iter().enumerate() {
        println!(
            "==> [{}/{}] suite {}: {}",
            n + 1,
            suites.len(),
            suite.name,
            suite.about
        );
        let suite_started = Instant::now();
        let mut cmd_args = vec!["test", "--locked"];
        cmd_args.extend_from_slice(suite.args);
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let child = Command::new(cargo)
            .args(&cmd_args)
            .env("BRIGADE_TEST_PG", &pg)
            .env("RUST_BACKTRACE", "1")
            .current_dir(crate::workspace_root())
            .spawn()
            .map_err(|e| format!("running cargo test: {e}"))?;
        let ok = wait_with_timeout(child, SUITE_TIMEOUT)?;
        let elapsed = suite_started.elapsed();
        println!(
            "    suite {} {} in {:.1?}",
            suite.name,
            if ok { "passed" } else { "FAILED" },
            elapsed
        );
        results.push((suite.name, ok, elapsed));
    }

    println!("==> summary ({:.0?} in all)", started.elapsed());
    for (name, ok, elapsed) in &results {
        println!(
            "    {:<6} {:<6} {:>8.1?}",
            name,
            if *ok { "ok" } else { "FAILED" },
            elapsed
        );
    }
    let failed: Vec<_> = results
        .iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(n, _, _)| *n)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed suites: {}", failed.join(", ")))
    }
}

fn check_postgres(url: &str) -> Result<(), String> {
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

fn wait_with_timeout(mut child: Child, timeout: Duration) -> Result<bool, String> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status.success());
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("    suite exceeded {timeout:?}: killed (a test hangs)");
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
