//! One WebSocket connection's frame loop (who it serves is `super::auth`'s business).

use std::sync::atomic::Ordering;
use std::time::Duration;

use std::sync::Arc;

use crate::Identity;
use crate::auth::access::{AccessCache, Changed};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use brigade_application::model::Access;
use brigade_application::{Actor, Brigade};
use brigade_domain::VenueId;
use bytestring::ByteString;
use futures_util::FutureExt;
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::hub::{Frame, Hub, PAGE, Subscription};
use super::protocol::{self, ClientFrame, close};

pub(super) struct Joined {
    pub(super) actor: Actor,
    subscription: Subscription,
    /// The seq this connection sends next.
    next: i64,
}

pub(super) struct Connection {
    pub(super) session: Session,
    pub(super) brigade: Brigade,
    pub(super) hub: Hub,
    pub(super) identity: Identity,
    /// Who the user is now; rechecked whenever their access changes (`super::auth`).
    pub(super) access: Arc<Access>,
    pub(super) sessions: Arc<AccessCache>,
    /// `None` once the cache is gone (the server is stopping).
    pub(super) changes: Option<broadcast::Receiver<Changed>>,
    pub(super) joined: Option<Joined>,
    pub(super) last_heard: Instant,
    /// The client's frames a second.
    pub(super) frames: governor::DefaultDirectRateLimiter,
    /// Its place among the user's connections, freed when the connection ends.
    pub(super) _slot: super::hub::UserSlot,
}

/// Why the loop ended.
pub(super) enum End {
    /// The connection is gone: nothing more to send.
    Gone,
    /// The client sent a Close frame: answer it with its own code (RFC 6455 §5.5.1), so
    /// the client need not wait for a timeout to finish the closing handshake.
    ClientClosed(Option<CloseReason>),
    /// Close with this code and reason.
    Close(u16, &'static str),
}

impl Connection {
    pub(super) async fn run(mut self, mut stream: actix_ws::AggregatedMessageStream) {
        let settings = self.hub.settings().clone();
        let mut heartbeat = tokio::time::interval(settings.heartbeat);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let expires = Instant::now()
            + Duration::from_secs(
                (self.identity.expires_at - time::OffsetDateTime::now_utc().unix_timestamp()).max(0)
                    as u64,
            );
        // One timer for the connection's life, not one per loop turn.
        let expiry = tokio::time::sleep_until(expires);
        tokio::pin!(expiry);
        let end = loop {
            let frame = async {
                match self.joined.as_mut() {
                    Some(joined) => joined.subscription.frames.recv().await,
                    None => std::future::pending().await,
                }
            };
            let change = async {
                match self.changes.as_mut() {
                    Some(changes) => changes.recv().await,
                    None => std::future::pending().await,
                }
            };
            let step = tokio::select! {
                message = stream.recv() => self.on_message(message).await,
                change = change => self.on_access_change(change).await,
                frame = frame => self.on_frame(frame).await,
                _ = heartbeat.tick() => {
                    if self.last_heard.elapsed() > settings.idle_timeout {
                        Err(End::Close(close::IDLE_TIMEOUT, "no heartbeat"))
                    } else {
                        self.send_ping().await
                    }
                }
                () = &mut expiry => {
                    Err(End::Close(close::TOKEN_EXPIRED, "token expired; log in again"))
                }
            };
            if let Err(end) = step {
                break end;
            }
        };
        self.joined = None;
        super::metrics::disconnected(super::metrics::reason(match end {
            End::Gone | End::ClientClosed(_) => None,
            End::Close(code, _) => Some(code),
        }));
        let answer = match end {
            End::Gone => return,
            End::ClientClosed(theirs) => Some(CloseReason {
                code: theirs.map_or(CloseCode::Normal, |r| echoable(r.code)),
                description: None,
            }),
            End::Close(code, reason) => Some(CloseReason {
                code: CloseCode::Other(code),
                description: Some(reason.to_owned()),
            }),
        };
        // A client that does not read may never take the close frame either.
        let _ = tokio::time::timeout(settings.send_timeout, self.session.close(answer)).await;
    }

    async fn send(&mut self, text: impl Into<ByteString>) -> Result<(), End> {
        let text = text.into();
        // Fast path: room in the connection's outgoing buffer, no timer needed. (A send
        // that is not ready is dropped unsent and made again under the timeout.)
        if let Some(sent) = self.session.text(text.clone()).now_or_never() {
            return sent.map_err(|_closed| End::Gone);
        }
        let timeout = self.hub.settings().send_timeout;
        timed(timeout, self.session.text(text)).await
    }

    async fn send_ping(&mut self) -> Result<(), End> {
        let timeout = self.hub.settings().send_timeout;
        timed(timeout, self.session.ping(b"")).await
    }

    async fn on_message(
        &mut self,
        message: Option<Result<AggregatedMessage, actix_ws::ProtocolError>>,
    ) -> Result<(), End> {
        self.last_heard = Instant::now();
        if matches!(message, Some(Ok(_))) && self.frames.check().is_err() {
            return Err(End::Close(
                close::TOO_MANY_FRAMES,
                "too many frames a second; slow down",
            ));
        }
        match message {
            None => Err(End::Gone),
            // The connection dropped mid-frame or without a close frame: the client is
            // gone, it did not break the protocol. (actix-ws reports a fragmented
            // message over the size limit as an I/O error too: that one is too big.)
            Some(Err(actix_ws::ProtocolError::Io(e)))
                if !e.to_string().contains("maximum continuation size") =>
            {
                tracing::debug!(error = %e, "websocket connection dropped");
                Err(End::Gone)
            }
            Some(Err(e)) => {
                tracing::debug!(error = %e, "websocket protocol error");
                Err(match e {
                    actix_ws::ProtocolError::Overflow | actix_ws::ProtocolError::Io(_) => {
                        End::Close(1009, "frames are limited to 64 KiB")
                    }
                    _ => End::Close(1002, "protocol error"),
                })
            }
            Some(Ok(AggregatedMessage::Close(reason))) => Err(End::ClientClosed(reason)),
            Some(Ok(AggregatedMessage::Ping(bytes))) => {
                let timeout = self.hub.settings().send_timeout;
                timed(timeout, self.session.pong(&bytes)).await
            }
            Some(Ok(AggregatedMessage::Pong(_))) => Ok(()),
            Some(Ok(AggregatedMessage::Binary(_))) => {
                self.send(protocol::error(
                    "invalid_frame",
                    "frames are JSON text, not binary",
                ))
                .await
            }
            Some(Ok(AggregatedMessage::Text(text))) => {
                match serde_json::from_str::<ClientFrame>(&text) {
                    Ok(frame) => self.on_client_frame(frame).await,
                    Err(e) => {
                        self.send(protocol::error("invalid_frame", e.to_string()))
                            .await
                    }
                }
            }
        }
    }

    async fn on_client_frame(&mut self, frame: ClientFrame) -> Result<(), End> {
        match frame {
            ClientFrame::Ping => self.send(protocol::pong()).await,
            ClientFrame::LeaveVenue => match self.joined.take() {
                Some(joined) => {
                    self.send(protocol::left(joined.actor.venue_id.as_uuid()))
                        .await
                }
                None => {
                    self.send(protocol::error("not_joined", "no venue joined"))
                        .await
                }
            },
            ClientFrame::JoinVenue {
                venue_id, since, ..
            } => {
                let venue = VenueId::from_uuid(venue_id);
                let Some(actor) = self.access.actor(venue) else {
                    return self
                        .send(protocol::error(
                            "venue_not_found",
                            "no such venue, or you are not a member of it",
                        ))
                        .await;
                };
                if since.is_some_and(|s| s < 0) {
                    return self
                        .send(protocol::error("invalid_frame", "since must be 0 or more"))
                        .await;
                }
                self.join(actor, since).await
            }
        }
    }

    /// Subscribes, answers `joined_venue`, replays what the client missed, and leaves
    /// the rest to the live loop. The subscription starts before the journal is read,
    /// so an event committed meanwhile is in the replay, the queue, or both (and sent
    /// once: `next` skips what was sent).
    async fn join(&mut self, actor: Actor, since: Option<i64>) -> Result<(), End> {
        self.joined = None;
        let subscription = match self.hub.subscribe(&self.brigade, actor.venue_id).await {
            Ok(s) => s,
            Err(e) => return self.unavailable(e).await,
        };
        let position = match self.brigade.journal_position(&actor).await {
            Ok(p) => p,
            Err(e) => return self.unavailable(e).await,
        };
        // A replay is bounded: a client further behind reloads its board instead.
        let max_replay = self.hub.settings().max_replay;
        let recovered =
            since.is_none_or(|s| position.can_resume(s) && position.latest - s <= max_replay);
        let next = match since {
            Some(s) if recovered => s + 1,
            _ => position.latest + 1,
        };
        self.send(protocol::joined(
            actor.venue_id.as_uuid(),
            position.latest,
            recovered,
        ))
        .await?;
        let live_from = subscription.position;
        self.joined = Some(Joined {
            actor,
            subscription,
            next,
        });
        // Replay from the journal up to where the live queue starts.
        self.fill(live_from).await
    }

    /// Sends journal entries from `next` up to `until`.
    async fn fill(&mut self, until: i64) -> Result<(), End> {
        loop {
            let Some(joined) = self.joined.as_ref() else {
                return Ok(());
            };
            if joined.next > until {
                return Ok(());
            }
            let (actor, after) = (joined.actor, joined.next - 1);
            let page = match self.brigade.journal_since(&actor, after, PAGE).await {
                Ok(page) => page,
                Err(e) => return self.unavailable(e).await,
            };
            if page.is_empty() {
                return Ok(());
            }
            for entry in page.iter().take_while(|e| e.seq <= until) {
                if self.joined.as_ref().is_some_and(|j| j.next != entry.seq) {
                    // A hole: retention pruned what this client needs. Resuming gets
                    // `recovered: false`, and the client reloads its board.
                    return Err(End::Close(
                        close::INTERNAL,
                        "events were pruned meanwhile; resume with since",
                    ));
                }
                self.send(protocol::event(entry)).await?;
                if let Some(joined) = self.joined.as_mut() {
                    joined.next = entry.seq + 1;
                }
            }
            if page.last().is_some_and(|e| e.seq >= until) || (page.len() as i64) < PAGE {
                return Ok(());
            }
        }
    }

    async fn on_frame(&mut self, frame: Option<std::sync::Arc<Frame>>) -> Result<(), End> {
        let Some(frame) = frame else {
            // The feed dropped this subscriber.
            let overflowed = self
                .joined
                .as_ref()
                .is_some_and(|j| j.subscription.overflowed.load(Ordering::Acquire));
            return Err(if overflowed {
                End::Close(close::TOO_SLOW, "too slow; resume with since")
            } else {
                End::Close(
                    close::INTERNAL,
                    "the venue's feed stopped; resume with since",
                )
            });
        };
        let next = match self.joined.as_ref() {
            Some(joined) => joined.next,
            None => return Ok(()),
        };
        if frame.seq < next {
            return Ok(());
        }
        if frame.seq > next {
            // Should not happen (feeds are gap-free), but the journal is the truth.
            self.fill(frame.seq - 1).await?;
        }
        if self.joined.as_ref().is_some_and(|j| j.next == frame.seq) {
            self.send(frame.text.clone()).await?;
            if let Some(joined) = self.joined.as_mut() {
                joined.next = frame.seq + 1;
            }
        }
        Ok(())
    }

    async fn unavailable(&mut self, error: brigade_application::AppError) -> Result<(), End> {
        tracing::warn!(error = %error, "realtime: journal unavailable");
        Err(End::Close(
            close::INTERNAL,
            "the journal is unavailable; resume with since",
        ))
    }
}

/// A send to the client that may wait at most `timeout` for it to read.
async fn timed(
    timeout: Duration,
    send: impl Future<Output = Result<(), actix_ws::Closed>>,
) -> Result<(), End> {
    match tokio::time::timeout(timeout, send).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_closed)) => Err(End::Gone),
        Err(_elapsed) => Err(End::Close(
            close::TOO_SLOW,
            "not reading; resume with since",
        )),
    }
}

/// The client's close code if an endpoint may send it (RFC 6455 §7.4), else 1000.
fn echoable(code: CloseCode) -> CloseCode {
    match u16::from(code) {
        1000..=1003 | 1007..=1011 | 3000..=4999 => code,
        _ => CloseCode::Normal,
    }
}

#[cfg(test)]
mod tests {
    use actix_ws::CloseCode;

    #[test]
    fn a_close_code_no_endpoint_may_send_is_answered_with_1000() {
        for (theirs, ours) in [
            (1000, 1000),
            (1001, 1001),
            (4100, 4100),
            (1005, 1000),
            (1006, 1000),
            (1015, 1000),
            (999, 1000),
            (2000, 1000),
        ] {
            assert_eq!(
                u16::from(super::echoable(CloseCode::from(theirs))),
                ours,
                "{theirs}"
            );
        }
    }
}
