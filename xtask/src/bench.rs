//! `cargo xtask bench`: see docs/BENCHMARKS.md.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("the benchmark is not written yet; see docs/BENCHMARKS.md".to_owned())
}
