//! Secrets: refused when weak, generated (in dev mode) rather than defaulted, never
//! printed ([`Secret`]).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::config::Secret;

/// The file in the data directory that keeps a dev server's signing secret.
pub const DEV_SECRET_FILE: &str = "jwt-secret";

/// Secrets that were published: examples from docs and the old dev default.
const KNOWN: [&str; 3] = [
    "brigade-dev-secret-not-for-production-use",
    "0123456789abcdef0123456789abcdef",
    "change-me-change-me-change-me-change-me",
];

/// At least this many bits by the estimate of [`estimated_bits`]: 32 random bytes in
/// hex or base64 give about 230.
const MIN_BITS: f64 = 128.0;

/// `value` as the secret `name`, unless it is short, low-entropy or known.
pub fn strong(name: &str, value: &str) -> anyhow::Result<Secret> {
    let advice = "use at least 32 random bytes, e.g. `openssl rand -hex 32`";
    if value.len() < 32 {
        anyhow::bail!("{name} is too short ({} bytes): {advice}", value.len());
    }
    if KNOWN.contains(&value) {
        anyhow::bail!("{name} is a published example, not a secret: {advice}");
    }
    let bits = estimated_bits(value);
    if bits < MIN_BITS {
        anyhow::bail!(
            "{name} looks guessable (about {bits:.0} bits of entropy, at least {MIN_BITS:.0} \
             needed): {advice}"
        );
    }
    Ok(Secret::new(value))
}

/// Length times the Shannon entropy of the value's characters: repeated or
/// small-alphabet values score low, random ones high. An estimate, not a proof.
pub fn estimated_bits(value: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = value.chars().count() as f64;
    let per_char: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    per_char * n
}

/// The dev server's secret in `data_dir`: made once (32 random bytes, hex, readable by
/// the owner only) and read back at every start, so tokens survive a restart. Servers
/// starting together on one directory agree on it (the file appears whole or not at
/// all).
/// `bytes` random bytes from the OS, as hex.
pub(crate) fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| anyhow::anyhow!("no randomness for a secret: {e}"))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn kept_in(data_dir: &Path) -> anyhow::Result<Secret> {
    let path = data_dir.join(DEV_SECRET_FILE);
    if let Some(secret) = read(&path)? {
        return Ok(secret);
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let value = random_hex(32)?;
    let draft = data_dir.join(format!(".{DEV_SECRET_FILE}.{}", std::process::id()));
    {
        let mut file = owner_only(&draft)?;
        file.write_all(value.as_bytes())?;
        file.sync_all()?;
    }
    // A hard link never replaces: whoever links first wins, the others read theirs.
    let linked = std::fs::hard_link(&draft, &path);
    let _ = std::fs::remove_file(&draft);
    match linked {
        Ok(()) => {
            tracing::info!(file = %path.display(), "generated the dev signing secret");
            Ok(Secret::new(value))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path)?
            .ok_or_else(|| anyhow::anyhow!("{} vanished while starting", path.display())),
        Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
    }
}

fn read(path: &Path) -> anyhow::Result<Option<Secret>> {
    match std::fs::read_to_string(path) {
        Ok(text) => strong(&path.display().to_string(), text.trim()).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(unix)]
fn owner_only(path: &Path) -> anyhow::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))
}

#[cfg(not(unix))]
fn owner_only(path: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(value: &str) -> String {
        strong("BRIGADE_JWT_SECRET", value)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn short_repeated_and_published_secrets_are_refused_naming_the_variable() {
        for weak in [
            "secret",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "e2e-secret-e2e-secret-e2e-secret-e2e",
            "0123456789abcdef0123456789abcdef",
            "brigade-dev-secret-not-for-production-use",
        ] {
            let why = refusal(weak);
            assert!(why.contains("BRIGADE_JWT_SECRET"), "{weak}: {why}");
            assert!(why.contains("openssl rand"), "{weak}: {why}");
        }
    }

    #[test]
    fn random_secrets_pass() {
        for strong_one in [
            "3f9c1e0a7b5d42e8a1c6f0b9d8e7a6c5b4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9",
            "q3Zr8vN1xK5mW7tY2pL9sD4fG6hJ0aBcE+/uiO=",
        ] {
            assert_eq!(refusal(strong_one), "", "{strong_one}");
        }
    }

    #[test]
    fn a_dev_secret_is_made_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("brigade-secret-{}", uuid::Uuid::now_v7()));
        let first = kept_in(&dir).map(|s| s.expose().to_owned()).ok();
        let again = kept_in(&dir).map(|s| s.expose().to_owned()).ok();
        assert!(first.as_ref().is_some_and(|s| s.len() == 64));
        assert_eq!(first, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(DEV_SECRET_FILE))
                .map(|m| m.permissions().mode() & 0o777)
                .ok();
            assert_eq!(mode, Some(0o600));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
