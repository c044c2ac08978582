//! Who a WebSocket connection serves: checked at the upgrade (a single-use ticket, or a
//! bearer header; never a token in the URL), and again whenever the user's access
//! changes (DESIGN §9, §11).

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::hub::Hub;
use super::protocol::{self, close};
use super::session::{Connection, End};
use crate::auth::access::Changed;
use crate::auth::bearer;
use crate::{ApiError, AppState, Identity};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UpgradeQuery {
    /// A ticket from `POST /api/v1/ws/ticket` (single use, a few seconds).
    ticket: Option<String>,
    /// Refused with 401: a token in a URL ends up in access logs.
    token: Option<String>,
}

/// `GET /api/v1/ws?ticket=...`: the ticket comes from `POST /api/v1/ws/ticket` and
/// works once, for a few seconds (browsers cannot set headers on a WebSocket, and a
/// token in a URL would end up in access logs). Other clients may send
/// `Authorization: Bearer` instead. Anything else is refused before the upgrade (401
/// problem+json), `?token=` included.
#[utoipa::path(
    tag = "realtime",
    operation_id = "open_websocket",
    summary = "Open the kitchen display feed (WebSocket)",
    params(UpgradeQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 101, description = "Switching protocols: the kitchen display's feed (frames, close codes and resuming are in docs/REALTIME.md)."),
        (status = 400, description = "`not_a_websocket`: the request is not a WebSocket handshake."),
        (status = 401, description = "`unauthorized`: no ticket or bearer token, a used or expired ticket, or a token in the URL."),
    )
)]
#[get("/ws")]
pub(crate) async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<UpgradeQuery>,
    state: web::Data<AppState>,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, actix_web::Error> {
    let query = query.into_inner();
    if query.token.is_some() {
        return Err(ApiError::unauthorized(
            "tokens are not accepted in URLs, where they end up in logs: \
             POST /api/v1/ws/ticket with your bearer token, then connect with ?ticket=",
        )
        .into());
    }
    let identity = match (query.ticket, bearer(&req)) {
        (Some(ticket), _) => redeem(&state, &ticket).await?,
        (None, Some(token)) => state.auth.keys.identify(&token)?,
        (None, None) => {
            return Err(ApiError::unauthorized(
                "missing ticket: POST /api/v1/ws/ticket, then connect with ?ticket=<ticket>",
            )
            .into());
        }
    };
    let access = state
        .auth
        .access
        .admit(identity.user_id, identity.epoch)
        .await?;
    let slot = hub.take_slot(identity.user_id).ok_or_else(|| {
        ApiError::rate_limited(
            std::time::Duration::from_secs(5),
            &format!(
                "this account has {} screens open on this server already",
                hub.settings().connections_per_user
            ),
        )
    })?;
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::bad_request("not_a_websocket", e.to_string()))?;
    let stream = stream
        .max_frame_size(protocol::MAX_CLIENT_FRAME)
        .aggregate_continuations()
        .max_continuation_size(protocol::MAX_CLIENT_FRAME);
    let connection = Connection {
        session,
        brigade: state.brigade.clone(),
        hub: hub.get_ref().clone(),
        identity,
        access,
        sessions: Arc::clone(&state.auth.access),
        changes: Some(state.auth.access.subscribe()),
        joined: None,
        last_heard: Instant::now(),
        frames: governor::RateLimiter::direct(governor::Quota::per_second(
            std::num::NonZeroU32::new(hub.settings().frames_per_second.max(1))
                .unwrap_or(std::num::NonZeroU32::MIN),
        )),
        _slot: slot,
    };
    actix_web::rt::spawn(connection.run(stream));
    Ok(response)
}

/// The session a ticket opens, once.
async fn redeem(state: &AppState, ticket: &str) -> Result<Identity, ApiError> {
    let ticket = state.brigade.redeem_ticket(ticket).await?.ok_or_else(|| {
        ApiError::unauthorized(
            "invalid ticket: tickets work once, within seconds; ask for a new one",
        )
    })?;
    Ok(Identity {
        user_id: ticket.user_id,
        epoch: ticket.session_epoch,
        expires_at: ticket.token_expires_at.unix_timestamp(),
    })
}

impl Connection {
    /// Someone's access changed: when it is this user's, their session may have ended
    /// (closed 4002) or their membership of the joined venue (closed 4003); a new role
    /// applies from now.
    pub(super) async fn on_access_change(
        &mut self,
        change: Result<Changed, broadcast::error::RecvError>,
    ) -> Result<(), End> {
        let user = self.identity.user_id;
        match change {
            Ok(change) if !change.concerns(user) => return Ok(()),
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => {
                self.changes = None;
                return Ok(());
            }
        }
        let access = match self.sessions.get(user).await {
            Ok(Some(access)) if access.admits(self.identity.epoch) => access,
            Ok(_) => {
                return Err(End::Close(
                    close::SESSION_ENDED,
                    "session ended (logged out or disabled); log in again",
                ));
            }
            // The store cannot say: keep serving what this session was allowed.
            Err(_) => return Ok(()),
        };
        if let Some(joined) = self.joined.as_mut() {
            match access.actor(joined.actor.venue_id) {
                Some(actor) => joined.actor = actor,
                None => {
                    return Err(End::Close(
                        close::NOT_A_MEMBER,
                        "no longer a member of this venue",
                    ));
                }
            }
        }
        self.access = access;
        Ok(())
    }
}
