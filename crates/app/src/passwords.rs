//! Password hashing for the `PasswordHasher` port: used by login (HTTP) and by
//! `brigade user create` and the demo seed (CLI), so it lives with the wiring, not in
//! an inbound adapter.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng,
};
use async_trait::async_trait;
use brigade_application::ports::PasswordHasher;

/// argon2id with the crate's defaults (OWASP's m=19 MiB, t=2, p=1), run on the
/// blocking pool so a login never stalls a request thread. (How many run at once is
/// the HTTP adapter's login queue's business.)
#[derive(Debug, Clone, Copy, Default)]
pub struct Argon2Passwords;

/// What an unknown email's password is checked against: a hash made with the same
/// parameters, once, so the check costs what a real one does.
fn nobody() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"no account has this password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[async_trait]
impl PasswordHasher for Argon2Passwords {
    async fn hash(&self, password: String) -> anyhow::Result<String> {
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
        })
        .await?
    }

    async fn verify(&self, password: String, hash: String) -> bool {
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
    }

    async fn verify_nothing(&self, password: String) {
        let hash = tokio::task::spawn_blocking(|| nobody().to_owned()).await;
        if let Ok(hash) = hash {
            self.verify(password, hash).await;
        }
    }
}
