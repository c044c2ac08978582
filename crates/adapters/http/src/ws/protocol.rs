//! The wire protocol of `GET /api/v1/ws` (docs/REALTIME.md): JSON text frames.

use brigade_application::model::JournalEntry;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// Largest frame a client may send; larger ones close the connection (1009).
pub const MAX_CLIENT_FRAME: usize = 64 * 1024;

/// What a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Subscribe to a venue's stream (replacing any earlier subscription), resuming
    /// after `since` when given.
    JoinVenue {
        venue_id: Uuid,
        since: Option<i64>,
        /// Sent by the seeds' clients and ignored: who joins is the connection's
        /// credential, never what a frame claims.
        #[serde(default, rename = "user_id")]
        _user_id: Option<serde_json::Value>,
        #[serde(default, rename = "role")]
        _role: Option<serde_json::Value>,
    },
    /// Stop receiving the venue's stream; the connection stays open.
    LeaveVenue,
    /// Application-level heartbeat for clients that cannot see protocol pings.
    Ping,
}

/// Close codes the server uses (the 4xxx are Brigade's own).
pub mod close {
    /// The client did not answer heartbeats within the idle timeout.
    pub const IDLE_TIMEOUT: u16 = 4000;
    /// The token expired: log in again and reconnect.
    pub const TOKEN_EXPIRED: u16 = 4001;
    /// The session ended (logout, account disabled): log in again.
    pub const SESSION_ENDED: u16 = 4002;
    /// The user is no longer a member of the joined venue.
    pub const NOT_A_MEMBER: u16 = 4003;
    /// The client did not keep up: its queue overflowed. Reconnect with `since`.
    pub const TOO_SLOW: u16 = 4008;
    /// The journal could not be read; reconnect with `since`.
    pub const INTERNAL: u16 = 1011;
    /// The client sent more frames a second than allowed (RFC 6455's policy violation).
    pub const TOO_MANY_FRAMES: u16 = 1008;
}

pub fn joined(venue: Uuid, seq: i64, recovered: bool) -> String {
    json!({ "type": "joined_venue", "venue_id": venue, "seq": seq, "recovered": recovered })
        .to_string()
}

pub fn left(venue: Uuid) -> String {
    json!({ "type": "left_venue", "venue_id": venue }).to_string()
}

pub fn pong() -> String {
    json!({ "type": "pong" }).to_string()
}

pub fn error(code: &str, message: impl Into<String>) -> String {
    json!({ "type": "error", "code": code, "message": message.into() }).to_string()
}

/// The envelope of one journaled event, serialized once for every subscriber.
pub fn event(entry: &JournalEntry) -> String {
    #[derive(Serialize)]
    struct Envelope<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        venue_id: Uuid,
        seq: i64,
        at: String,
        data: &'a Value,
    }
    let envelope = Envelope {
        kind: &entry.kind,
        venue_id: entry.venue_id.as_uuid(),
        seq: entry.seq,
        at: entry.at.format(&Rfc3339).unwrap_or_default(),
        data: &entry.data,
    };
    serde_json::to_string(&envelope).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_frame_parses_with_or_without_since() {
        let frame: ClientFrame = serde_json::from_str(
            r#"{"type":"join_venue","venue_id":"00000000-0000-0000-0000-000000000001","since":7}"#,
        )
        .expect("valid");
        assert!(matches!(
            frame,
            ClientFrame::JoinVenue { since: Some(7), .. }
        ));
        let frame: ClientFrame = serde_json::from_str(
            r#"{"type":"join_venue","venue_id":"00000000-0000-0000-0000-000000000001"}"#,
        )
        .expect("valid");
        assert!(matches!(frame, ClientFrame::JoinVenue { since: None, .. }));
    }

    #[test]
    fn unknown_types_and_fields_are_refused() {
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"subscribe"}"#).is_err());
        assert!(
            serde_json::from_str::<ClientFrame>(
                r#"{"type":"join_venue","venue_id":"00000000-0000-0000-0000-000000000001","sinse":3}"#
            )
            .is_err(),
            "a misspelt field is an error, not a join without since"
        );
        assert!(serde_json::from_str::<ClientFrame>(r#"{"venue_id":"x"}"#).is_err());
    }
}
