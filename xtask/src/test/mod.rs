//! `cargo xtask test-phase3`: builds every test once (one debug build shared by all
//! suites), then runs the suites (`suites.rs`). The e2e suite is the stores' contract: it
//! runs once on a real PostgreSQL and once on the embedded SQLite store. Each e2e test
//! gets its own database from a migrated template (see crates/app/tests/e2e/store.rs), so
//! suites need no shared state and tests run in parallel. The performance gate runs
//! alone; suites that mostly wait run side by side (`Suite::beside_next`). Each suite's
//! time is printed beside its budget, and the whole against 20 minutes.

mod coverage;
mod services;
mod suites;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use coverage::Coverage;
use services::{check_postgres, check_redis};
use suites::{Run, SUITES, Suite};

/// What the whole command should take from a clean clone on the 2-core box.
const TOTAL_BUDGET: Duration = Duration::from_secs(20 * 60);
/// What the shared build should take from a clean clone.
const BUILD_BUDGET: Duration = Duration::from_secs(8 * 60);
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
                    "unknown argument {other:?} (try --suite lint|unit|performance|e2e|e2e-postgres|e2e-sqlite|deploy|fuzz)"
                ));
            }
        }
    }
    let suites: Vec<&Suite> = if wanted.is_empty() {
        SUITES.iter().collect()
    } else {
        // `e2e` names both e2e-postgres and e2e-sqlite (and `performance` both stores).
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
    // The whole command measures coverage (and enforces its floors); one suite does not.
    let coverage = if wanted.is_empty() {
        Coverage::prepare()?
    } else {
        None
    };
    let instrumented: &[(String, String)] = coverage.as_ref().map_or(&[], Coverage::env);
    let coverage_row = match (&coverage, wanted.is_empty()) {
        (Some(_), _) => "measured, floors checked (below)",
        (None, true) => "NOT MEASURED (tools missing)",
        (None, false) => "not measured (one suite)",
    };
    println!("==> building all test targets once (debug)");
    let mut build_args = vec!["test", "--workspace", "--no-run", "--locked"];
    if std::env::var_os("CI").is_some() {
        build_args.push("--quiet");
    }
    let built_ok = crate::cargo_command()
        .args(&build_args)
        .envs(instrumented.iter().map(|(k, v)| (k, v)))
        .status()
        .map_err(|e| format!("running cargo: {e}"))?
        .success();
    if !built_ok {
        return Err("the build failed".to_owned());
    }
    let built = started.elapsed();
    println!("    built in {built:.0?} (budget {BUILD_BUDGET:?})");

    let mut results = Vec::new();
    let mut next = 0;
    while next < suites.len() {
        // This suite, and those that run beside it.
        let mut group = vec![suites[next]];
        while group.last().is_some_and(|s| s.beside_next) && next + group.len() < suites.len() {
            group.push(suites[next + group.len()]);
        }
        for (k, suite) in group.iter().enumerate() {
            println!(
                "==> [{}/{}] suite {}: {}{}",
                next + k + 1,
                suites.len(),
                suite.name,
                suite.about,
                if k > 0 {
                    " (beside the one above; its output follows when it ends)"
                } else {
                    ""
                }
            );
        }
        let outcomes: Vec<(bool, Duration)> = std::thread::scope(|scope| {
            let handles: Vec<_> = group
                .iter()
                .enumerate()
                .map(|(k, suite)| {
                    // The first streams its output; the others write a log, shown after.
                    let log = (k > 0).then(|| log_path(suite.name));
                    if let Some(log) = &log {
                        let _ = std::fs::remove_file(log);
                    }
                    let pg = pg.as_str();
                    scope.spawn(move || run_suite(suite, pg, instrumented, log.as_deref()))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or(Err("the suite's thread panicked".to_owned()))
                })
                .collect::<Result<_, String>>()
        })?;
        for (k, (&suite, (ok, elapsed))) in group.iter().zip(outcomes).enumerate() {
            if k > 0 {
                let log = std::fs::read_to_string(log_path(suite.name)).unwrap_or_default();
                println!(
                    "==> output of suite {} (ran beside {})",
                    suite.name, group[0].name
                );
                print!("{log}");
            }
            println!(
                "    suite {} {} in {:.1?} (budget {:?}{})",
                suite.name,
                if ok { "passed" } else { "FAILED" },
                elapsed,
                suite.budget,
                if elapsed > suite.budget { ": OVER" } else { "" }
            );
            results.push((suite, ok, elapsed));
        }
        next += group.len();
    }

    let total = started.elapsed();
    println!(
        "==> summary ({total:.0?} in all, budget {TOTAL_BUDGET:?}{})",
        if total > TOTAL_BUDGET { ": OVER" } else { "" }
    );
    println!(
        "    {:<21} {:<6} {:>8.1?}  budget {BUILD_BUDGET:?}",
        "build", "ok", built
    );
    println!("    {:<21} {coverage_row}", "coverage");
    for (suite, ok, elapsed) in &results {
        println!(
            "    {:<21} {:<6} {:>8.1?}  budget {:?}{}",
            suite.name,
            if *ok { "ok" } else { "FAILED" },
            elapsed,
            suite.budget,
            if suite.beside_next {
                "  (beside the next)"
            } else {
                ""
            }
        );
    }
    let mut failed: Vec<String> = results
        .iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(s, _, _)| s.name.to_owned())
        .collect();
    if let Some(coverage) = &coverage
        && let Err(e) = coverage.report()
    {
        println!("    {e}");
        failed.push("coverage".to_owned());
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}

fn log_path(suite: &str) -> PathBuf {
    crate::workspace_root()
        .join("target")
        .join(format!("test-phase3-{suite}.log"))
}

/// Runs a suite's commands one after the other; with `log`, their output goes there.
fn run_suite(
    suite: &Suite,
    pg: &str,
    instrumented: &[(String, String)],
    log: Option<&std::path::Path>,
) -> Result<(bool, Duration), String> {
    let started = Instant::now();
    let mut ok = true;
    for run in suite.runs {
        let mut command = match run {
            Run::Cargo(args) => {
                let mut command = crate::cargo_command();
                command.args(["test", "--locked"]).args(*args);
                command.envs(instrumented.iter().map(|(k, v)| (k, v)));
                command
            }
            Run::CargoOther(args) => {
                let mut command = crate::cargo_command();
                command.args(*args);
                command
            }
            Run::Bash(script) => {
                let mut command = Command::new("bash");
                command.arg(script).env(
                    "BRIGADE_BIN",
                    crate::workspace_root().join("target/debug/brigade"),
                );
                // The instrumented `brigade` writes its profile where the report reads.
                command.envs(instrumented.iter().map(|(k, v)| (k, v)));
                command
            }
        };
        if let Some(log) = log {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .map_err(|e| format!("{}: {e}", log.display()))?;
            let err = file.try_clone().map_err(|e| e.to_string())?;
            command.stdout(Stdio::from(file)).stderr(Stdio::from(err));
        }
        let child = command
            .envs(suite.env.iter().copied())
            .env("BRIGADE_TEST_PG", pg)
            .env("RUST_BACKTRACE", "1")
            .current_dir(crate::workspace_root())
            .spawn()
            .map_err(|e| format!("running suite {}: {e}", suite.name))?;
        ok &= wait_with_timeout(child, SUITE_TIMEOUT)?;
    }
    Ok((ok, started.elapsed()))
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
