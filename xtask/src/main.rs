//! `cargo xtask <task>`: Brigade's developer tasks. One module per task.
//!
//! - `test-phase3 [--suite NAME]...` — every test suite against a real PostgreSQL.
//! - `tidy` — architecture invariants (the domain does no I/O; only the app uses the
//!   store; no adapter depends on another).
//! - `bench` — throughput and latency figures for docs/BENCHMARKS.md.
//! - `fuzz [--long]` — schemathesis against the served OpenAPI contract.

mod bench;
mod fuzz;
mod test;
mod tidy;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test-phase3") => test::run(&args[1..]),
        Some("tidy") => tidy::run(),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 test-phase3 [--suite NAME]...  run every suite (unit, e2e) on a real PostgreSQL\n  \
                 tidy                           check the architecture invariants\n  \
                 bench                          measure order and serve throughput and latency\n  \
                 fuzz [--long]                  schemathesis against the served OpenAPI contract"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `cargo` with `args` in the workspace root, inheriting output.
pub(crate) fn cargo(args: &[&str]) -> Result<std::process::ExitStatus, String> {
    cargo_command()
        .args(args)
        .status()
        .map_err(|e| format!("running cargo: {e}"))
}

/// The cargo that runs xtask (`$CARGO`), in the workspace root.
pub(crate) fn cargo_command() -> std::process::Command {
    let mut command =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(workspace_root());
    command
}

pub(crate) fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}
