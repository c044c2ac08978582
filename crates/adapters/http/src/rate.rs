//! Request rate limits on every signed-in route (DESIGN §11): per user and per client
//! address, reads (`GET`) and writes apart, answered `429 rate_limited` with
//! `Retry-After`. Sign-in has its own limits (`auth::login`); client telemetry has its
//! own on top (`routes::client`); health answers everyone. Limits are per instance.
//!
//! A client address gets ten times a user's allowance: a restaurant's tablets often
//! share one address behind its router. Behind a proxy, set `BRIGADE_TRUSTED_PROXIES`,
//! or every client shares the proxy's address.

use std::net::IpAddr;

use actix_web::http::Method;
use brigade_domain::UserId;

use crate::ApiError;
use crate::limits::PerKey;

/// Requests a minute (bursts of as many); 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSettings {
    pub reads_per_minute: u32,
    pub writes_per_minute: u32,
}

impl Default for RateSettings {
    fn default() -> Self {
        Self {
            reads_per_minute: 1200,
            writes_per_minute: 300,
        }
    }
}

/// How many users' worth an address may send.
const ADDRESS_FACTOR: u32 = 10;

pub struct RequestLimits {
    /// Reads, then writes.
    users: [Option<PerKey<UserId>>; 2],
    addresses: [Option<PerKey<IpAddr>>; 2],
}

fn class(method: &Method) -> usize {
    usize::from(!matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS
    ))
}

impl RequestLimits {
    pub fn new(settings: RateSettings) -> Self {
        let per = |n: u32, factor: u32| (n > 0).then(|| n.saturating_mul(factor));
        let (reads, writes) = (settings.reads_per_minute, settings.writes_per_minute);
        Self {
            users: [per(reads, 1), per(writes, 1)].map(|n| n.map(PerKey::per_minute)),
            addresses: [per(reads, ADDRESS_FACTOR), per(writes, ADDRESS_FACTOR)]
                .map(|n| n.map(PerKey::per_minute)),
        }
    }

    /// Takes one request of `user`'s (and `address`'s) allowance for `method`.
    pub(crate) fn admit(
        &self,
        user: UserId,
        address: Option<IpAddr>,
        method: &Method,
    ) -> Result<(), ApiError> {
        let class = class(method);
        let kind = ["reads", "writes"][class];
        // The user first: a client refused for itself must not spend its address's
        // allowance, which the other tablets behind the same router share.
        if let Some(limit) = &self.users[class] {
            limit.admit(&user).map_err(|wait| {
                ApiError::rate_limited(wait, &format!("too many {kind} for your account"))
            })?;
        }
        if let (Some(limit), Some(address)) = (&self.addresses[class], address) {
            limit.admit(&address).map_err(|wait| {
                ApiError::rate_limited(wait, &format!("too many {kind} from your address"))
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_limited_per_class_and_another_user_is_not() {
        let limits = RequestLimits::new(RateSettings {
            reads_per_minute: 3,
            writes_per_minute: 1,
        });
        let (chef, waiter) = (UserId::new(), UserId::new());
        let here = Some(IpAddr::from([10, 0, 0, 7]));
        for _ in 0..3 {
            assert!(limits.admit(chef, here, &Method::GET).is_ok());
        }
        assert!(limits.admit(chef, here, &Method::GET).is_err());
        assert!(
            limits.admit(chef, here, &Method::POST).is_ok(),
            "writes apart"
        );
        assert!(limits.admit(chef, here, &Method::PATCH).is_err());
        assert!(
            limits.admit(waiter, here, &Method::GET).is_ok(),
            "another account"
        );
    }

    #[test]
    fn a_client_refused_for_itself_does_not_use_up_its_address() {
        let limits = RequestLimits::new(RateSettings {
            reads_per_minute: 1,
            writes_per_minute: 1,
        });
        let here = Some(IpAddr::from([10, 0, 0, 7]));
        let runaway = UserId::new();
        for _ in 0..100 {
            let _ = limits.admit(runaway, here, &Method::GET);
        }
        // The address allows ten users' worth: nine more accounts still get through.
        for _ in 0..9 {
            assert!(limits.admit(UserId::new(), here, &Method::GET).is_ok());
        }
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let limits = RequestLimits::new(RateSettings {
            reads_per_minute: 0,
            writes_per_minute: 0,
        });
        for _ in 0..1000 {
            assert!(limits.admit(UserId::new(), None, &Method::GET).is_ok());
        }
    }
}
