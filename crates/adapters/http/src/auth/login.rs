//! What stands between the internet and the password hash: limits per account and per
//! client address, and a short queue of concurrent hashes (each argon2 verification
//! takes ~19 MiB and a core for tens of milliseconds).

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::ApiError;
use crate::limits::PerKey;

/// The login limits (`BRIGADE_LOGIN_*`).
#[derive(Debug, Clone)]
pub struct LoginSettings {
    /// Attempts one account may take a minute (right or wrong), in bursts of as many.
    pub per_account_per_minute: u32,
    /// Attempts one client address may make a minute.
    pub per_address_per_minute: u32,
    /// Password hashes computed at once.
    pub concurrent_hashes: usize,
    /// Logins that may wait for a hash; more get `503` at once.
    pub queued_hashes: usize,
}

impl Default for LoginSettings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            per_account_per_minute: 10,
            per_address_per_minute: 30,
            concurrent_hashes: cores,
            queued_hashes: 4 * cores,
        }
    }
}

pub(crate) struct LoginGuard {
    per_account: PerKey<[u8; 16]>,
    per_address: PerKey<IpAddr>,
    hashing: Semaphore,
    admitted: AtomicUsize,
    capacity: usize,
    /// Keys the account hash in logs and limits, so neither holds an email in clear.
    key: Vec<u8>,
}

/// A login's place in the hashing queue; leaving it (done, refused or cancelled) frees
/// the place.
pub(crate) struct Place<'a> {
    guard: &'a LoginGuard,
    permit: Option<SemaphorePermit<'a>>,
}

impl Place<'_> {
    /// Waits for this login's turn to hash.
    pub(crate) async fn turn(&mut self) -> Result<(), ApiError> {
        let permit = self
            .guard
            .hashing
            .acquire()
            .await
            .map_err(|_closed| busy())?;
        self.permit = Some(permit);
        Ok(())
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.guard.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl LoginGuard {
    pub(crate) fn new(settings: &LoginSettings, key: &[u8]) -> Self {
        let concurrent = settings.concurrent_hashes.max(1);
        Self {
            per_account: PerKey::per_minute(settings.per_account_per_minute),
            per_address: PerKey::per_minute(settings.per_address_per_minute),
            hashing: Semaphore::new(concurrent),
            admitted: AtomicUsize::new(0),
            capacity: concurrent + settings.queued_hashes,
            key: key.to_vec(),
        }
    }

    /// A keyed hash of the (normalised) email: how logs and limits name an account.
    pub(crate) fn account(&self, email: &str) -> [u8; 16] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"brigade login account\0");
        mac.update(email.trim().to_lowercase().as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut account = [0u8; 16];
        account.copy_from_slice(&digest[..16]);
        account
    }

    /// Admits one attempt on `account` from `address`, or says why not (`429`).
    pub(crate) fn admit(
        &self,
        account: &[u8; 16],
        address: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        if let Some(address) = address {
            self.per_address.admit(&address).map_err(|wait| {
                ApiError::rate_limited(wait, "too many logins from this address")
            })?;
        }
        self.per_account
            .admit(account)
            .map_err(|wait| ApiError::rate_limited(wait, "too many logins for this account"))
    }

    /// A place in the hashing queue, or `503` at once when it is full (taken before the
    /// limits are charged: a login turned away busy costs no allowance).
    pub(crate) fn enter(&self) -> Result<Place<'_>, ApiError> {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(busy());
        }
        Ok(Place {
            guard: self,
            permit: None,
        })
    }
}

fn busy() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        "login_busy",
        "too many logins at once; retry in a second",
    )
}

/// Hex of an account hash, for logs.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;
    use std::time::Duration;

    fn guard(concurrent: usize, queued: usize) -> LoginGuard {
        LoginGuard::new(
            &LoginSettings {
                concurrent_hashes: concurrent,
                queued_hashes: queued,
                ..LoginSettings::default()
            },
            b"key",
        )
    }

    #[test]
    fn accounts_are_named_by_a_keyed_hash_of_the_normalised_email() {
        let g = guard(1, 1);
        assert_eq!(g.account("Ana@Example.com "), g.account("ana@example.com"));
        assert_ne!(g.account("ana@example.com"), g.account("ben@example.com"));
        let other_key = LoginGuard::new(&LoginSettings::default(), b"another key");
        assert_ne!(
            g.account("ana@example.com"),
            other_key.account("ana@example.com")
        );
        assert!(!hex(&g.account("ana@example.com")).contains("ana"));
    }

    #[tokio::test]
    async fn past_the_queue_a_login_is_turned_away_at_once_and_a_freed_place_is_reused() {
        let g = guard(1, 1);
        let mut first = g.enter().ok();
        if let Some(place) = first.as_mut() {
            assert!(place.turn().await.is_ok());
        }
        assert!(first.is_some());
        // One hashing, one may wait: a third is turned away without waiting.
        let waiting = async {
            let mut place = g.enter()?;
            place.turn().await
        };
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), &mut waiting)
                .await
                .is_err(),
            "the second waits for the first"
        );
        let third = g.enter().err().map(|e| e.status_code().as_u16());
        assert_eq!(third, Some(503));
        drop(first);
        assert!(waiting.await.is_ok(), "the waiting one goes on");
        assert!(g.enter().is_ok(), "places are given back");
    }
}
