//! The operator credential (DESIGN §11): one bearer token from configuration
//! (`BRIGADE_OPERATOR_TOKEN`) opens the cross-venue views — the detailed `/health`, the
//! metrics summary, the statement statistics. Without a configured token, a request
//! from loopback that came through no proxy (no `Forwarded`, `X-Forwarded-For` or
//! `X-Real-IP`) is an operator's: `curl` on the host itself. No venue role is an
//! operator.

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::StatusCode};
use sha2::{Digest, Sha256};

use crate::ApiError;
use crate::limits::TrustedProxies;

/// Who may see the operators' views.
#[derive(Clone)]
pub struct Operators {
    /// The token's digest: compared digest to digest, the token's bytes are never
    /// compared one by one.
    token: Option<[u8; 32]>,
}

impl Operators {
    /// Operators present `token` (`None`: operators are on the host itself).
    pub fn new(token: Option<&str>) -> Self {
        Self {
            token: token
                .filter(|t| !t.trim().is_empty())
                .map(|t| Sha256::digest(t.trim().as_bytes()).into()),
        }
    }

    /// Whether `req` is an operator's. `proxies` are the declared proxies: a request
    /// through one is never the host's own, whatever headers it carries.
    pub fn admit(&self, req: &HttpRequest, proxies: &TrustedProxies) -> bool {
        match &self.token {
            Some(token) => super::bearer(req)
                .is_some_and(|t| <[u8; 32]>::from(Sha256::digest(t.as_bytes())) == *token),
            None => {
                let headers = req.headers();
                req.peer_addr()
                    .map(|p| p.ip().to_canonical())
                    .is_some_and(|ip| ip.is_loopback() && !proxies.trusts(ip))
                    && !["forwarded", "x-forwarded-for", "x-real-ip"]
                        .iter()
                        .any(|proxied| headers.contains_key(*proxied))
            }
        }
    }
}

/// An operator's request; anyone else gets `401 operator_required`.
pub struct Operator;

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let admitted = req
            .app_data::<actix_web::web::Data<crate::AppState>>()
            .is_some_and(|state| state.operators.admit(req, &state.auth.proxies));
        std::future::ready(if admitted {
            Ok(Operator)
        } else {
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "operator_required",
                "this view is for operators: send Authorization: Bearer <BRIGADE_OPERATOR_TOKEN>",
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn from(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(peer.parse().expect("addr"));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        req.to_http_request()
    }

    #[test]
    fn a_configured_token_is_the_only_way_in() {
        let operators = Operators::new(Some("s3cret-operator-token"));
        let none = TrustedProxies::default();
        let bearer = [("authorization", "Bearer s3cret-operator-token")];
        assert!(operators.admit(&from("203.0.113.9:4000", &bearer), &none));
        let loopback = from("127.0.0.1:4000", &[]);
        assert!(!operators.admit(&loopback, &none), "loopback is not enough");
        let wrong = [("authorization", "Bearer s3cret-operator-tokex")];
        assert!(!operators.admit(&from("127.0.0.1:4000", &wrong), &none));
    }

    #[test]
    fn without_a_token_only_the_host_itself_is_an_operator() {
        let operators = Operators::new(None);
        let none = TrustedProxies::default();
        assert!(operators.admit(&from("127.0.0.1:4000", &[]), &none));
        assert!(operators.admit(&from("[::1]:4000", &[]), &none));
        assert!(operators.admit(&from("[::ffff:127.0.0.1]:4000", &[]), &none));
        assert!(!operators.admit(&from("192.168.1.20:4000", &[]), &none));
        for header in ["x-forwarded-for", "x-real-ip", "forwarded"] {
            let proxied = from("127.0.0.1:4000", &[(header, "203.0.113.9")]);
            assert!(!operators.admit(&proxied, &none), "a proxy on the host");
        }
        // A proxy declared on the host forwards the internet, headers or not.
        let declared = TrustedProxies(vec!["127.0.0.1/32".parse().expect("a network")]);
        assert!(!operators.admit(&from("127.0.0.1:4000", &[]), &declared));
    }
}
