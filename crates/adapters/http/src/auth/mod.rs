//! Authentication: HS256 JWT bearer tokens that say who (the user and their session
//! epoch), the access read server-side that says where (memberships and roles), and
//! the extractors that join them: [`Authenticated`] (any signed-in staff member) and
//! [`Acting`] (one in a venue).
//!
//! Tokens live [`JwtKeys::ttl`] (one shift by default: a wall-mounted kitchen screen
//! must not need a login mid-service), yet a logout, a disabled account or a changed
//! membership is in force within two seconds on every instance ([`access`]).

pub mod access;
pub(crate) mod login;
pub(crate) mod operator;

use std::sync::Arc;
use std::time::Duration;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use brigade_application::Actor;
use brigade_application::model::Access;
use brigade_domain::{UserId, VenueId};
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::limits::TrustedProxies;
use crate::{ApiError, AppState};
use access::AccessCache;
use login::{LoginGuard, LoginSettings};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub sub: Uuid,
    /// The session epoch the token was issued under. Tokens from before epochs existed
    /// carry none and count as epoch 0 (their venue claims are ignored).
    #[serde(default)]
    pub epoch: i64,
    pub iat: i64,
    pub exp: i64,
}

/// A verified token: who, under which session, until when.
#[derive(Debug, Clone, Copy)]
pub struct Identity {
    pub user_id: UserId,
    pub epoch: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Signing keys and token lifetime.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl: Duration,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
        }
    }

    /// A token for `user` under session `epoch`.
    pub fn issue(&self, user: UserId, epoch: i64) -> Result<String, ApiError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user.as_uuid(),
            epoch,
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "signing a token failed");
            ApiError::new(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "internal error",
            )
        })
    }

    /// Who a token speaks for, when its signature and expiry hold (whether its session
    /// still does is [`AccessCache::admit`]'s question).
    pub fn identify(&self, token: &str) -> Result<Identity, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| ApiError::unauthorized(format!("invalid token: {e}")))?;
        Ok(Identity {
            user_id: UserId::from_uuid(claims.sub),
            epoch: claims.epoch,
            expires_at: claims.exp,
        })
    }
}

/// Everything sign-in needs, shared by every worker.
pub struct Auth {
    pub keys: JwtKeys,
    pub access: Arc<AccessCache>,
    pub proxies: TrustedProxies,
    /// How long a WebSocket ticket stays redeemable.
    pub ticket_ttl: Duration,
    pub(crate) login: LoginGuard,
}

/// How sign-in is configured.
pub struct AuthSettings {
    pub secret: Vec<u8>,
    pub token_ttl: Duration,
    pub ticket_ttl: Duration,
    pub login: LoginSettings,
    pub trusted_proxies: TrustedProxies,
}

impl Auth {
    pub fn new(settings: AuthSettings, brigade: brigade_application::Brigade) -> Self {
        Self {
            keys: JwtKeys::new(&settings.secret, settings.token_ttl),
            access: Arc::new(AccessCache::new(brigade)),
            proxies: settings.trusted_proxies,
            ticket_ttl: settings.ticket_ttl,
            login: LoginGuard::new(&settings.login, &settings.secret),
        }
    }
}

/// The bearer token of a request (`Authorization: Bearer ...`). Tokens never travel in
/// URLs, where they would end up in access logs: the WebSocket takes a ticket.
pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::unauthorized("authentication is not configured"))
}

/// A signed-in staff member whose session holds: the token verified, the access read.
pub struct Authenticated {
    pub identity: Identity,
    pub access: Arc<Access>,
}

impl Authenticated {
    async fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = state(req)?;
        let token = bearer(req).ok_or_else(|| ApiError::unauthorized("missing bearer token"))?;
        let identity = state.auth.keys.identify(&token)?;
        state.rate.admit(
            identity.user_id,
            state.auth.proxies.client(req),
            req.method(),
        )?;
        let access = state
            .auth
            .access
            .admit(identity.user_id, identity.epoch)
            .await?;
        Ok(Self { identity, access })
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Self::of(&req).await })
    }
}

/// The authenticated staff member acting in one venue: the `{venue_id}` of the path,
/// else the `X-Venue-Id` header, else the user's only venue. A venue the user is not a
/// member of is answered 404, exactly like one that does not exist.
pub struct Acting(pub Actor);

impl FromRequest for Acting {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let who = Authenticated::of(&req).await?;
            acting(&req, &who.access).map(Acting)
        })
    }
}

fn acting(req: &HttpRequest, access: &Access) -> Result<Actor, ApiError> {
    let requested = match req.match_info().get("venue_id") {
        Some(text) => Some(text.to_owned()),
        None => req
            .headers()
            .get("x-venue-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    match requested {
        Some(text) => {
            let venue: Uuid = text
                .parse()
                .map_err(|_| ApiError::not_found("venue not found"))?;
            access
                .actor(VenueId::from_uuid(venue))
                .ok_or_else(|| ApiError::not_found("venue not found"))
        }
        None => match access.memberships.as_slice() {
            [only] => access
                .actor(only.venue_id)
                .ok_or_else(|| ApiError::not_found("venue not found")),
            [] => Err(ApiError::not_found("you are not a member of any venue")),
            _ => Err(ApiError::bad_request(
                "venue_required",
                "you belong to several venues: use /venues/{venue_id}/... or X-Venue-Id",
            )),
        },
    }
}
