//! `cargo xtask fuzz [--long]`: the fuzz suite on its own (`xtask/fuzz/run.sh`, also a
//! suite of `test-phase3`). `--long` is the exploratory run: about eight times the examples,
//! and schemathesis' stateful phase, which chains operations (create, then read,
//! change, delete what was created). It takes tens of minutes.

use std::process::Command;

pub(crate) const SCRIPT: &str = "xtask/fuzz/run.sh";

pub fn run(args: &[String]) -> Result<(), String> {
    let long = match args {
        [] => false,
        [flag] if flag == "--long" => true,
        _ => return Err("usage: cargo xtask fuzz [--long]".to_owned()),
    };
    // The same build as test-phase3's, so neither rebuilds the other's.
    if !crate::cargo(&["test", "--workspace", "--no-run", "--locked"])?.success() {
        return Err("the build failed".to_owned());
    }
    let mut command = Command::new("bash");
    command
        .arg(SCRIPT)
        .current_dir(crate::workspace_root())
        .env(
            "BRIGADE_BIN",
            crate::workspace_root().join("target/debug/brigade"),
        );
    if long {
        command
            .env("FUZZ_EXAMPLES", "1000")
            .env("FUZZ_PHASES", "examples,coverage,fuzzing,stateful");
    }
    let status = command
        .status()
        .map_err(|e| format!("running {SCRIPT}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("the fuzz run failed".to_owned())
    }
}
