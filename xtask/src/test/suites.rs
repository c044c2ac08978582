//! The suites of `cargo xtask test-phase3`, in the order they run.

use std::time::Duration;

/// A suite: name, what it proves, its runs and their environment.
pub(super) struct Suite {
    pub name: &'static str,
    pub about: &'static str,
    pub runs: &'static [Run],
    pub env: &'static [(&'static str, &'static str)],
    pub needs_postgres: bool,
    /// What it should take on the 2-core box from a clean clone; printed beside what it
    /// took (over it is a warning: a noisy box is not a failing suite).
    pub budget: Duration,
    /// Runs at the same time as the suite after it: both mostly wait (on servers,
    /// nginx, schemathesis), so the cores are not what they share.
    pub beside_next: bool,
}

/// One command of a suite.
pub(super) enum Run {
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
pub(super) const E2E: &[&str] = &["--workspace", "--test", "e2e"];

/// The performance gate: the e2e binary's ignored `performance::` tests, one at a time
/// (nothing else running), printing their p50 and p95.
const PERFORMANCE: &[&str] = &[
    "--workspace",
    "--test",
    "e2e",
    "--",
    "--ignored",
    "--test-threads=1",
    "--nocapture",
    "performance::",
];

pub(super) const SUITES: [Suite; 8] = [
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
        budget: Duration::from_secs(300),
        beside_next: false,
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
        budget: Duration::from_secs(30),
        beside_next: false,
    },
    Suite {
        name: "performance-postgres",
        about: "seed 002's budgets as p95 after a warm-up, alone on the cores: order creation, status change, kitchen display, WebSocket event, twenty orders at once",
        runs: &[Run::Cargo(PERFORMANCE)],
        env: &[("BRIGADE_TEST_STORE", "postgres")],
        needs_postgres: true,
        budget: Duration::from_secs(90),
        beside_next: false,
    },
    Suite {
        name: "performance-sqlite",
        about: "the same budgets on the embedded SQLite store",
        runs: &[Run::Cargo(PERFORMANCE)],
        env: &[("BRIGADE_TEST_STORE", "sqlite")],
        needs_postgres: false,
        budget: Duration::from_secs(90),
        beside_next: false,
    },
    Suite {
        name: "e2e-postgres",
        about: "the REST API, CLI, migrations and store contract on a real PostgreSQL",
        runs: &[Run::Cargo(E2E)],
        env: &[("BRIGADE_TEST_STORE", "postgres")],
        needs_postgres: true,
        budget: Duration::from_secs(150),
        beside_next: false,
    },
    Suite {
        name: "e2e-sqlite",
        about: "the same suite on the embedded SQLite store",
        runs: &[Run::Cargo(E2E)],
        env: &[("BRIGADE_TEST_STORE", "sqlite")],
        needs_postgres: false,
        budget: Duration::from_secs(90),
        beside_next: false,
    },
    Suite {
        name: "deploy",
        about: "deploy/: nginx -t, promtool config/rules/tests, dashboards, scripts, a live nginx, deploy and rollback on PostgreSQL",
        runs: &[Run::Bash("deploy/check.sh")],
        env: &[],
        needs_postgres: true,
        budget: Duration::from_secs(180),
        beside_next: true,
    },
    Suite {
        name: "fuzz",
        about: "the OpenAPI contract validates; schemathesis against it on SQLite and PostgreSQL finds no 5xx, no undocumented status or shape",
        runs: &[Run::Bash(crate::fuzz::SCRIPT)],
        env: &[],
        needs_postgres: true,
        budget: Duration::from_secs(420),
        beside_next: false,
    },
];
