//! Signing in and out, and the tickets that open WebSockets.

use actix_web::post;
use actix_web::{HttpRequest, HttpResponse, web};
use brigade_application::AppError;

use crate::auth::Authenticated;
use crate::auth::login::hex;
use crate::body::json_body;
use crate::dto::{LoginRequest, LoginResponse, UserDto};
use crate::{ApiError, AppState};

/// `POST /auth/login {email, password}` -> a bearer token for one shift. Limited per
/// account and per client address (`429`), hashes queue briefly (`503` past the queue);
/// a wrong password, an unknown email and a disabled account get one answer.
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    summary = "Sign in: a bearer token for one shift",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A bearer token and who it speaks for.", body = LoginResponse),
        (status = 401, description = "`invalid_credentials`: a wrong email or password, a disabled account, or one whose owner has not set a password yet (one answer for all)."),
        (status = 429, description = "`rate_limited`: too many attempts for this account or from this address."),
        (status = 503, description = "`login_busy`: too many passwords are being checked at once; retry after `Retry-After`."),
    )
)]
#[post("/auth/login")]
pub(crate) async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<LoginRequest>(&req, payload).await?.value;
    let guard = &state.auth.login;
    let account = guard.account(&body.email);
    let address = state.auth.proxies.client(&req);
    let client = address.map(|a| a.to_string()).unwrap_or_default();
    let mut place = guard.enter()?;
    guard.admit(&account, address).inspect_err(|_| {
        tracing::warn!(account.hash = %hex(&account), client.address = %client, "login refused: rate limited");
    })?;
    place.turn().await?;
    let user = state.brigade.login(&body.email, &body.password).await;
    drop(place);
    let user = user.inspect_err(|e| {
        if matches!(e, AppError::InvalidCredentials) {
            tracing::warn!(account.hash = %hex(&account), client.address = %client, "login failed");
        }
    })?;
    let token = state.auth.keys.issue(user.id, user.session_epoch)?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in: state.auth.keys.ttl.as_secs(),
        user: UserDto::from(&user),
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "3f9a…(the set_password_token from POST /staff)", "password": "correct horse battery"}))]
pub(crate) struct SetPassword {
    token: String,
    password: String,
}

/// `POST /auth/set-password {token, password}` -> 204: the owner of an account an admin
/// created sets its password with the one-time token they were given. Behind the same
/// per-address limit and hash queue as login.
#[utoipa::path(
    tag = "auth",
    operation_id = "set_password",
    summary = "Set a password with a one-time token",
    request_body = SetPassword,
    responses(
        (status = 204, description = "The password is set; the account's other sessions end."),
        (status = 409, description = "`invalid_token`: unknown, used or expired token."),
        (status = 429, description = "`rate_limited`: too many attempts from this address."),
        (status = 503, description = "`login_busy`: too many passwords are being checked at once; retry after `Retry-After`."),
    )
)]
#[post("/auth/set-password")]
pub(crate) async fn set_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<SetPassword>(&req, payload).await?.value;
    let guard = &state.auth.login;
    let mut place = guard.enter()?;
    let address = state.auth.proxies.client(&req);
    guard.admit(&guard.account(&body.token), address)?;
    place.turn().await?;
    state
        .brigade
        .set_password(&body.token, &body.password)
        .await?;
    drop(place);
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /auth/logout` -> 204: every token of the user stops working, on every
/// instance within two seconds (here at once), and their open sockets close.
#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    summary = "Sign out everywhere: every token of the user stops working",
    responses((status = 204, description = "Every token of the user stops working, on every instance, and their sockets close."))
)]
#[post("/auth/logout")]
pub(crate) async fn logout(
    who: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.brigade.logout(who.identity.user_id).await?;
    state.auth.access.forget(who.identity.user_id).await;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct WsTicket {
    /// Connect with `GET /api/v1/ws?ticket=<ticket>`.
    ticket: String,
    /// Seconds the ticket stays valid.
    expires_in: u64,
}

/// `POST /ws/ticket` -> `{ticket, expires_in}`: opens one WebSocket
/// (`GET /api/v1/ws?ticket=...`), once, within `expires_in` seconds, on any instance.
#[utoipa::path(
    tag = "realtime",
    operation_id = "create_ws_ticket",
    summary = "A single-use ticket to open the WebSocket",
    responses((status = 201, description = "A ticket that opens one WebSocket, once, within `expires_in` seconds, on any instance.", body = WsTicket))
)]
#[post("/ws/ticket")]
pub(crate) async fn ws_ticket(
    who: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ttl = state.auth.ticket_ttl;
    let token_expires_at = time::OffsetDateTime::from_unix_timestamp(who.identity.expires_at)
        .map_err(|_| ApiError::unauthorized("the token's expiry is out of range"))?;
    let ticket = state
        .brigade
        .issue_ticket(
            who.identity.user_id,
            who.identity.epoch,
            token_expires_at,
            time::Duration::try_from(ttl).unwrap_or(time::Duration::seconds(30)),
        )
        .await?;
    Ok(HttpResponse::Created().json(WsTicket {
        ticket,
        expires_in: ttl.as_secs(),
    }))
}
