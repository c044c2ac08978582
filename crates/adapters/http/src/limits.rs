//! Rate limits keyed by who asks (governor's GCRA), and who asks: the client address,
//! read from `X-Forwarded-For` only when the peer is a trusted proxy.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;

/// Keys remembered before the idle ones (whose bucket refilled) are forgotten.
const MAX_KEYS: usize = 100_000;

/// `n` requests a minute per key, in bursts of as many.
pub(crate) struct PerKey<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> PerKey<K> {
    pub(crate) fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request of `key`'s allowance, or says how long until there is one.
    pub(crate) fn admit(&self, key: &K) -> Result<(), Duration> {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// The proxies whose `X-Forwarded-For` is believed (`BRIGADE_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    pub(crate) fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The address of the client behind `req`: the peer, or, when the peer is a trusted
    /// proxy, the nearest address in `X-Forwarded-For` that is not one (a client can
    /// write anything at the left end of the header, never at the right).
    pub fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut client = peer;
        let hops = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies(list.iter().filter_map(|n| n.parse().ok()).collect())
    }

    fn from(peer: &str, forwarded: Option<&str>) -> TestRequest {
        let req = TestRequest::default().peer_addr(format!("{peer}:4000").parse().expect("addr"));
        match forwarded {
            Some(f) => req.insert_header(("x-forwarded-for", f)),
            None => req,
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let req = from("203.0.113.9", Some("10.0.0.1")).to_http_request();
        assert_eq!(
            proxies(&["127.0.0.1/32"]).client(&req),
            "203.0.113.9".parse().ok()
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let list = proxies(&["127.0.0.1/32", "10.0.0.0/8"]);
        let req = from("127.0.0.1", Some("6.6.6.6, 198.51.100.7, 10.1.2.3")).to_http_request();
        assert_eq!(list.client(&req), "198.51.100.7".parse().ok());
        let direct = from("127.0.0.1", None).to_http_request();
        assert_eq!(list.client(&direct), "127.0.0.1".parse().ok());
        let garbage = from("127.0.0.1", Some("not-an-ip")).to_http_request();
        assert_eq!(list.client(&garbage), "127.0.0.1".parse().ok());
    }

    #[test]
    fn the_eleventh_request_of_a_key_within_a_minute_waits() {
        let limit = PerKey::per_minute(10);
        for _ in 0..10 {
            assert!(limit.admit(&"ana").is_ok());
        }
        let wait = limit.admit(&"ana").err().unwrap_or_default();
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(6),
            "{wait:?}"
        );
        assert!(limit.admit(&"ben").is_ok());
    }
}
