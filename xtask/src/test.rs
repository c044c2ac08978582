//! `cargo xtask test-phase3`: builds every test once (one debug build shared by all
//! suites), then runs the suites. The e2e suite is the stores' contract: it runs once on
//! a real PostgreSQL and once on the embedded SQLite store. Each e2e test gets its own
//! database from a migrated template (see crates/app/tests/e2e/store.rs), so suites
//! need no shared state and tests run in parallel.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A suite: name, what it proves, its runs and their environment.
struct Suite {
    name: &'static str,
    about: &'static str,
    runs: &'static [Run],
    env: &'static [(&'static str, &'static str)],
    needs_postgres: bool,
}

/// One command of a suite.
enum Run {
    /// `cargo test --locked <args>`.
    Cargo(&'static [&'static str]),
    /// Any other cargo command: `cargo <args>`.
    CargoOther(&'static [&'static str]),
    /// A script from the workspace root, run with bash; `BRIGADE_BIN` points at the
    /// debug `brigade` the build step made.
    Bash(&'static str),
}

/// The e2e suite, selected from the whole workspace like the shared build: selecting
/// one package would unify features differently and build a second copy (1m43s on a
/// clean clone, measured).
const E2E: &[&str] = &["--workspace", "--test", "e2e"];

const SUITES: [Suite; 6] = [
    Suite {
        name: "lint",
        about: "cargo fmt --check, and clippy on every target with warnings denied",
        runs: &[
            Run::CargoOther(&["fmt", "--all", "--", "--check"]),
            Run::CargoOther(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--quiet",
                "--",
                "-D",
                "warnings",
            ]),
        ],
        env: &[],
        needs_postgres: false,
    },
    Suite {
        name: "unit",
        about: "domain rules and FEFO properties, use cases on mocked ports, configuration, architecture tidy",
        // Every package's unit tests plus the use-case tests, selected from the whole
        // workspace: a subset of packages would unify features differently and rebuild.
        runs: &[Run::Cargo(&[
            "--workspace",
            "--lib",
            "--bins",
            "--test",
            "usecases",
        ])],
        env: &[],
        needs_postgres: false,
    },
    Suite {
        name: "e2e-postgres",
        about: "the REST API, CLI, migrations and store contract on a real PostgreSQL",
        runs: &[Run::Cargo(E2E)],
        env: &[("BRIGADE_TEST_STORE", "postgres")],
        needs_postgres: true,
    },
    Suite {
        name: "e2e-sqlite",
        about: "the same suite on the embedded SQLite store",
        runs: &[Run::Cargo(E2E)],
        env: &[("BRIGADE_TEST_STORE", "sqlite")],
        needs_postgres: false,
    },
    Suite {
        name: "deploy",
        about: "deploy/: nginx -t, promtool config/rules/tests, dashboards, scripts, a live nginx, deploy and rollback on PostgreSQL",
        runs: &[Run::Bash("deploy/check.sh")],
        env: &[],
        needs_postgres: true,
    },
    Suite {
        name: "fuzz",
        about: "the OpenAPI contract validates; schemathesis against it on SQLite and PostgreSQL finds no 5xx, no undocumented status or shape",
        runs: &[Run::Bash(crate::fuzz::SCRIPT)],
        env: &[],
        needs_postgres: true,
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
            other => {
                return Err(format!(
                    "unknown argument {other:?} (try --suite lint|unit|e2e|e2e-postgres|e2e-sqlite|deploy|fuzz)"
                ));
            }
        }
    }
    let suites: Vec<&Suite> = if wanted.is_empty() {
        SUITES.iter().collect()
    } else {
        // `e2e` names both e2e-postgres and e2e-sqlite.
        let mut chosen = Vec::new();
        for name in &wanted {
            let matching: Vec<&Suite> = SUITES
                .iter()
                .filter(|s| s.name == *name || s.name.starts_with(&format!("{name}-")))
                .collect();
            if matching.is_empty() {
                let names: Vec<_> = SUITES.iter().map(|s| s.name).collect();
                return Err(format!("no suite {name:?}; suites: {}", names.join(", ")));
            }
            chosen.extend(matching);
        }
        chosen
    };

    let pg = std::env::var("BRIGADE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
    if suites.iter().any(|s| s.needs_postgres) {
        check_postgres(&pg)?;
    }
    // Both e2e runs start app instances that share a Redis (channels of their own).
    if suites.iter().any(|s| s.name.starts_with("e2e")) {
        check_redis()?;
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
        let mut ok = true;
        for run in suite.runs {
            let cargo =
                || Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
            let mut command = match run {
                Run::Cargo(args) => {
                    let mut command = cargo();
                    command.args(["test", "--locked"]).args(*args);
                    command
                }
                Run::CargoOther(args) => {
                    let mut command = cargo();
                    command.args(*args);
                    command
                }
                Run::Bash(script) => {
                    let mut command = Command::new("bash");
                    command.arg(script).env(
                        "BRIGADE_BIN",
                        crate::workspace_root().join("target/debug/brigade"),
                    );
                    command
                }
            };
            let child = command
                .envs(suite.env.iter().copied())
                .env("BRIGADE_TEST_PG", &pg)
                .env("RUST_BACKTRACE", "1")
                .current_dir(crate::workspace_root())
                .spawn()
                .map_err(|e| format!("running suite {}: {e}", suite.name))?;
            ok &= wait_with_timeout(child, SUITE_TIMEOUT)?;
        }
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
            "    {:<12} {:<6} {:>8.1?}",
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

fn check_redis() -> Result<(), String> {
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
