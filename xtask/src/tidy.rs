//! Architecture invariants, checked from `cargo tree` so that a new dependency that
//! breaks one fails here, not in review:
//!
//! 1. `brigade-domain` and `brigade-application` never depend on a framework or an I/O
//!    crate, directly or transitively.
//! 2. Only `brigade-app`, the composition root, depends on the store crate
//!    (`brigade-sql`): everything else reaches the database through the ports.
//! 3. No adapter depends on another: each stands on `brigade-application` alone
//!    (inbound `brigade-http`; outbound `brigade-sql`, `brigade-redis`,
//!    `brigade-telemetry`).

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

/// The store crate, and the one crate that may depend on it.
const STORE: &str = "brigade-sql";
const COMPOSITION_ROOT: &str = "brigade-app";

/// Adapters: none may depend on another.
const ADAPTERS: [&str; 4] = [
    "brigade-http",
    "brigade-sql",
    "brigade-redis",
    "brigade-telemetry",
];

pub fn run() -> Result<(), String> {
    let mut violations = violations()?;
    violations.extend(layering_violations()?);
    if violations.is_empty() {
        println!(
            "tidy: domain and application are free of I/O and framework crates; only \
             {COMPOSITION_ROOT} uses {STORE}; no adapter depends on another"
        );
        Ok(())
    } else {
        Err(format!(
            "architecture invariant broken:\n  {}",
            violations.join("\n  ")
        ))
    }
}

/// `cargo tree` with `args`, its output.
fn cargo_tree(args: &[&str]) -> Result<String, String> {
    let output = crate::cargo_command()
        .arg("tree")
        .args(args)
        .output()
        .map_err(|e| format!("cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Rule 1.
pub fn violations() -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for krate in PURE {
        let tree = cargo_tree(&[
            "-p",
            krate,
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])?;
        for line in tree.lines() {
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

/// Rules 2 and 3, over every workspace crate's direct dependencies of any kind.
pub fn layering_violations() -> Result<Vec<String>, String> {
    let tree = cargo_tree(&[
        "--workspace",
        "--no-dedupe",
        "-e",
        "normal,build,dev",
        "--depth",
        "1",
        "--prefix",
        "depth",
        "--format",
        "{p}",
    ])?;
    Ok(broken_layers(&direct_dependencies(&tree)))
}

/// What in `edges` breaks rule 2 or 3.
fn broken_layers(edges: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (from, to) in edges {
        if to == STORE && from != COMPOSITION_ROOT {
            found.push(format!(
                "{from} depends on {STORE}: only {COMPOSITION_ROOT} may (use the ports)"
            ));
        }
        if ADAPTERS.contains(&from.as_str()) && ADAPTERS.contains(&to.as_str()) {
            found.push(format!(
                "adapter {from} depends on adapter {to}: adapters stand on brigade-application alone"
            ));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// `(crate, direct dependency)` pairs from `cargo tree --prefix depth --depth 1`.
fn direct_dependencies(tree: &str) -> Vec<(String, String)> {
    let mut edges = Vec::new();
    let mut root = String::new();
    for line in tree.lines() {
        let name_at = line
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(line.len());
        let (depth, rest) = line.split_at(name_at);
        let name = rest
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        match depth {
            "0" => root = name,
            "1" => edges.push((root.clone(), name)),
            _ => {}
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    #[test]
    fn domain_and_application_depend_on_no_io_or_framework_crate() {
        let violations = super::violations().expect("cargo tree runs");
        assert!(violations.is_empty(), "{violations:#?}");
    }

    #[test]
    fn only_the_app_uses_the_store_and_no_adapter_uses_another() {
        let violations = super::layering_violations().expect("cargo tree runs");
        assert!(violations.is_empty(), "{violations:#?}");
    }

    #[test]
    fn a_store_dependency_outside_the_app_and_an_adapter_on_an_adapter_are_caught() {
        let tree = "0brigade-http v0.1.0 (/w)\n1brigade-sql v0.1.0 (/w)\n1serde v1\n\
                    0brigade-app v0.1.0 (/w)\n1brigade-sql v0.1.0 (/w)\n";
        assert_eq!(
            super::broken_layers(&super::direct_dependencies(tree)),
            [
                "adapter brigade-http depends on adapter brigade-sql: adapters stand on \
                 brigade-application alone",
                "brigade-http depends on brigade-sql: only brigade-app may (use the ports)",
            ]
        );
    }
}
