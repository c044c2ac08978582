//! Authentication: HS256 JWT bearer tokens, and the [`Acting`] extractor that turns a token plus a venue into an [`Actor`].
//!
//! The token carries the user's venue memberships, so authorising a request needs no
//! database round trip; a membership change takes effect at the next login (tokens
//! live [`JwtKeys::ttl`], one shift by default).

use std::future::{Ready, ready};
use std::time::Duration;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use brigade_application::Actor;
use brigade_application::model::User;
use brigade_domain::{Role, UserId, VenueId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ApiError, AppState};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VenueClaim {
    pub venue_id: Uuid,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub sub: Uuid,
    pub venues: Vec<VenueClaim>,
    pub iat: i64,
    pub exp: i64,
}

/// A verified token.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user_id: UserId,
    pub memberships: Vec<(VenueId, Role)>,
    /// Unix seconds.
    pub expires_at: i64,
}

impl Identity {
    /// The identity acting in `venue`, when it is a member.
    pub fn actor(&self, venue: VenueId) -> Option<Actor> {
        self.memberships
            .iter()
            .find(|(v, _)| *v == venue)
            .map(|(venue_id, role)| Actor {
                user_id: self.user_id,
                venue_id: *venue_id,
                role: *role,
            })
    }
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

    /// A token for `user`, carrying their venue memberships.
    pub fn issue(&self, user: &User) -> Result<String, ApiError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user.id.as_uuid(),
            venues: user
                .memberships
                .iter()
                .map(|m| VenueClaim {
                    venue_id: m.venue_id.as_uuid(),
                    role: m.role,
                })
                .collect(),
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

    /// Who a token speaks for (the WebSocket gateway checks it at the upgrade): the
    /// user, their venue memberships, and when the token expires.
    pub fn identify(&self, token: &str) -> Result<Identity, ApiError> {
        let claims = self.verify(token)?;
        Ok(Identity {
            user_id: UserId::from_uuid(claims.sub),
            memberships: claims
                .venues
                .iter()
                .map(|m| (VenueId::from_uuid(m.venue_id), m.role))
                .collect(),
            expires_at: claims.exp,
        })
    }

    pub(crate) fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| ApiError::unauthorized(format!("invalid token: {e}")))
    }
}

/// The bearer token of a request (`Authorization: Bearer ...`). Tokens never travel in
/// URLs on REST routes, where they would end up in access logs (the WebSocket upgrade
/// also takes `?token=`, since browsers cannot set headers on it).
pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

pub(crate) fn claims(req: &HttpRequest) -> Result<Claims, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::unauthorized("authentication is not configured"))?;
    let token = bearer(req).ok_or_else(|| ApiError::unauthorized("missing bearer token"))?;
    state.keys.verify(&token)
}

/// The authenticated staff member acting in one venue: the `{venue_id}` of the path,
/// else the `X-Venue-Id` header, else the user's only venue. A venue the user is not a
/// member of is answered 404, exactly like one that does not exist.
pub struct Acting(pub Actor);

impl FromRequest for Acting {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(acting(req))
    }
}

fn acting(req: &HttpRequest) -> Result<Acting, ApiError> {
    let claims = claims(req)?;
    let requested = match req.match_info().get("venue_id") {
        Some(text) => Some(text.to_owned()),
        None => req
            .headers()
            .get("x-venue-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let membership = match requested {
        Some(text) => {
            let venue: Uuid = text
                .parse()
                .map_err(|_| ApiError::not_found("venue not found"))?;
            claims
                .venues
                .iter()
                .find(|m| m.venue_id == venue)
                .ok_or_else(|| ApiError::not_found("venue not found"))?
        }
        None => match claims.venues.as_slice() {
            [only] => only,
            [] => return Err(ApiError::not_found("you are not a member of any venue")),
            _ => {
                return Err(ApiError::bad_request(
                    "venue_required",
                    "you belong to several venues: use /venues/{venue_id}/... or X-Venue-Id",
                ));
            }
        },
    };
    Ok(Acting(Actor {
        user_id: UserId::from_uuid(claims.sub),
        venue_id: VenueId::from_uuid(membership.venue_id),
        role: membership.role,
    }))
}
