//! Architecture invariant: `brigade-domain` and `brigade-application` never depend on
//! a framework or an I/O crate, directly or transitively. Checked from `cargo tree`, so
//! a new dependency that drags one in fails here, not in review.

use std::process::Command;

/// Crates (by name prefix) that mean I/O or a framework.
const FORBIDDEN: [&str; 11] = [
    "actix",
    "awc",
    "diesel",
    "deadpool",
    "redis",
    "tokio",
    "mio",
    "hyper",
    "postgres",
    "tracing-subscriber",
    "opentelemetry",
];

const PURE: [&str; 2] = ["brigade-domain", "brigade-application"];

pub fn run() -> Result<(), String> {
    let violations = violations()?;
    if violations.is_empty() {
        println!("tidy: domain and application are free of I/O and framework crates");
        Ok(())
    } else {
        Err(format!(
            "architecture invariant broken:\n  {}",
            violations.join("\n  ")
        ))
    }
}

pub fn violations() -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for krate in PURE {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let output = Command::new(cargo)
            .args([
                "tree",
                "-p",
                krate,
                "-e",
                "normal,build",
                "--prefix",
                "none",
                "--format",
                "{p}",
            ])
            .current_dir(crate::workspace_root())
            .output()
            .map_err(|e| format!("cargo tree: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "cargo tree failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let name = line.split_whitespace().next().unwrap_or_default();
            if FORBIDDEN.iter().any(|f| name.starts_with(f)) {
                found.push(format!("{krate} depends on {name}"));
            }
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

#[cfg(test)]
mod tests {
    #[test]
    fn domain_and_application_depend_on_no_io_or_framework_crate() {
        let violations = super::violations().expect("cargo tree runs");
        assert!(violations.is_empty(), "{violations:#?}");
    }
}
