//! Line coverage of the whole test command, on its one build (#21). cargo-llvm-cov's
//! environment (`show-env`) instruments the shared debug build, every process the
//! suites start writes its profile (a server stopped with SIGKILL writes none), and the
//! report at the end is checked against the floors, per crate (`xtask` left out, and
//! the tests themselves: cargo-llvm-cov reports no file under a `tests` directory).
//!
//! Tools: cargo-llvm-cov (crates.io) and Debian's LLVM 19 (`llvm-cov`, `llvm-profdata`),
//! which reads rustc 1.95's profiles (docs/TESTING.md, *Code coverage*). `.ci/run`
//! installs both; without them a local run says so and measures nothing, and a CI run
//! fails.

use std::path::PathBuf;

/// The floors the command enforces, in percent of lines: seed 002's 90 % overall and
/// 95 % on the critical logic (the domain's rules and the use cases). Never lowered to
/// make a change pass (docs/TESTING.md, *The coverage floor*).
const FLOORS: &[(&str, f64)] = &[
    ("total", 90.0),
    ("brigade-domain", 95.0),
    ("brigade-application", 95.0),
];

/// The tools' version: `cargo install` is a no-op once it is there.
pub(super) const CARGO_LLVM_COV: &str = "0.9.1";

pub(super) struct Coverage {
    env: Vec<(String, String)>,
}

impl Coverage {
    /// The instrumenting environment, after removing an earlier run's profiles; `None`
    /// when the tools are missing outside CI.
    pub(super) fn prepare() -> Result<Option<Coverage>, String> {
        let tools = match llvm_tools() {
            Ok(tools) => tools,
            Err(missing) if std::env::var_os("CI").is_none() => {
                println!("==> coverage NOT measured: {missing}");
                return Ok(None);
            }
            Err(missing) => return Err(format!("coverage: {missing}")),
        };
        let mut coverage = Coverage { env: tools };
        let shown = coverage.llvm_cov(&["show-env", "--sh"])?;
        for line in shown.lines() {
            let Some((key, value)) = line.trim_start_matches("export ").split_once('=') else {
                continue;
            };
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            coverage.env.push((key.to_owned(), value.to_owned()));
        }
        coverage.llvm_cov(&["clean", "--workspace"])?;
        println!("==> coverage: the build is instrumented; every suite writes profiles");
        Ok(Some(coverage))
    }

    /// What every build and suite process runs with.
    pub(super) fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// Merges the profiles, prints lines covered per crate and checks the floors.
    pub(super) fn report(&self) -> Result<(), String> {
        let out = crate::workspace_root().join("target/coverage.json");
        let out_arg = out.display().to_string();
        self.llvm_cov(&[
            "report",
            "--json",
            "--summary-only",
            "--output-path",
            &out_arg,
        ])?;
        let text = std::fs::read_to_string(&out).map_err(|e| format!("{out_arg}: {e}"))?;
        let per_crate = per_crate(&text)?;
        println!("==> coverage (lines), per crate; the report: {out_arg}");
        let mut below = unmeasured(&per_crate);
        for (name, covered, count) in &per_crate {
            let percent = percent(*covered, *count);
            let floor = FLOORS.iter().find(|(n, _)| n == name).map(|(_, f)| *f);
            let verdict = match floor {
                Some(f) if percent < f => {
                    below.push(format!("{name} {percent:.1}% < {f}%"));
                    format!("  floor {f}%: BELOW")
                }
                Some(f) => format!("  floor {f}%"),
                None => String::new(),
            };
            println!("    {name:<22} {covered:>6}/{count:<6} {percent:5.1}%{verdict}");
        }
        if below.is_empty() {
            Ok(())
        } else {
            Err(format!("coverage below its floor: {}", below.join(", ")))
        }
    }

    fn llvm_cov(&self, args: &[&str]) -> Result<String, String> {
        let output = crate::cargo_command()
            .arg("llvm-cov")
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .map_err(|e| format!("cargo llvm-cov: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "cargo llvm-cov {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// `LLVM_COV` and `LLVM_PROFDATA` (Debian's LLVM 19 unless set), and a cargo-llvm-cov
/// that never calls rustup; or what is missing and how to install it.
fn llvm_tools() -> Result<Vec<(String, String)>, String> {
    let tool = |var: &str, name: &str| {
        std::env::var(var)
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(format!("/usr/lib/llvm-19/bin/{name}")))
    };
    let cov = tool("LLVM_COV", "llvm-cov");
    let profdata = tool("LLVM_PROFDATA", "llvm-profdata");
    let installed = crate::cargo_command()
        .args(["llvm-cov", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !cov.exists() || !profdata.exists() || !installed {
        return Err(format!(
            "needs LLVM 19's llvm-cov and llvm-profdata and cargo-llvm-cov \
             (apt-get install llvm-19; cargo install cargo-llvm-cov --locked --version \
             {CARGO_LLVM_COV}); .ci/run installs them"
        ));
    }
    Ok(vec![
        ("LLVM_COV".to_owned(), cov.display().to_string()),
        ("LLVM_PROFDATA".to_owned(), profdata.display().to_string()),
        ("CARGO_LLVM_COV_SETUP".to_owned(), "no".to_owned()),
    ])
}

/// Lines covered and counted per crate (by its folder under `crates/`), then the total.
fn per_crate(json: &str) -> Result<Vec<(String, u64, u64)>, String> {
    let report: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("coverage.json: {e}"))?;
    let files = report["data"][0]["files"]
        .as_array()
        .ok_or("coverage.json: no data[0].files")?;
    let mut crates: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for file in files {
        let name = file["filename"].as_str().unwrap_or_default();
        let Some((_, inside)) = name.split_once("/crates/") else {
            continue; // xtask, and anything outside the workspace's crates
        };
        let folder = inside
            .split_once("/src/")
            .map_or(inside, |(folder, _)| folder);
        let crate_name = format!("brigade-{}", folder.rsplit('/').next().unwrap_or(folder));
        let lines = &file["summary"]["lines"];
        let entry = crates.entry(crate_name).or_default();
        entry.0 += lines["covered"].as_u64().unwrap_or(0);
        entry.1 += lines["count"].as_u64().unwrap_or(0);
    }
    let (covered, count) = crates
        .values()
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
    let mut rows: Vec<_> = crates.into_iter().map(|(n, (c, t))| (n, c, t)).collect();
    rows.push(("total".to_owned(), covered, count));
    Ok(rows)
}

/// A floor whose crate has no measured line: a report that measured nothing (paths
/// not under `crates/`, no profile) must not pass as 100 %.
fn unmeasured(rows: &[(String, u64, u64)]) -> Vec<String> {
    FLOORS
        .iter()
        .filter(|(name, _)| !rows.iter().any(|(n, _, count)| n == name && *count > 0))
        .map(|(name, _)| format!("{name}: no line measured"))
        .collect()
}

fn percent(covered: u64, count: u64) -> f64 {
    if count == 0 {
        0.0
    } else {
        100.0 * covered as f64 / count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_that_measured_nothing_fails_every_floor() {
        let rows = per_crate(r#"{"data":[{"files":[]}]}"#).expect("parsed");
        assert_eq!(unmeasured(&rows).len(), FLOORS.len());
        let only_domain = per_crate(
            r#"{"data":[{"files":[
            {"filename":"/w/crates/domain/src/a.rs","summary":{"lines":{"covered":9,"count":10}}}
        ]}]}"#,
        )
        .expect("parsed");
        assert_eq!(
            unmeasured(&only_domain),
            vec!["brigade-application: no line measured".to_owned()]
        );
        assert_eq!(percent(0, 0), 0.0);
    }

    #[test]
    fn lines_are_summed_per_crate_folder_and_xtask_is_left_out() {
        let json = r#"{"data":[{"files":[
            {"filename":"/w/crates/domain/src/a.rs","summary":{"lines":{"covered":9,"count":10}}},
            {"filename":"/w/crates/adapters/sql/src/pg/mod.rs","summary":{"lines":{"covered":1,"count":4}}},
            {"filename":"/w/crates/domain/src/b.rs","summary":{"lines":{"covered":1,"count":2}}},
            {"filename":"/w/xtask/src/main.rs","summary":{"lines":{"covered":0,"count":50}}}
        ]}]}"#;
        assert_eq!(
            per_crate(json).expect("parsed"),
            vec![
                ("brigade-domain".to_owned(), 10, 12),
                ("brigade-sql".to_owned(), 1, 4),
                ("total".to_owned(), 11, 16),
            ]
        );
    }
}
