//! The kitchen display's real-time gateway, `GET /api/v1/ws` (actix-ws). The
//! protocol — frames, close codes, resuming with `since` — is in `docs/REALTIME.md`.
//!
//! - `auth`: who a connection serves. A single-use ticket is redeemed at the upgrade
//!   (401 before any WebSocket exists); when the user's access changes the connection
//!   checks again and closes if the session ended (4002) or the membership went (4003).
//! - `session`: one connection. `join_venue` checks membership, subscribes, answers
//!   `joined_venue`, replays what the client missed from the journal and then forwards
//!   the live feed, sending each `seq` exactly once and in order. Heartbeats, the idle
//!   timeout, the token's expiry and a send timeout end connections with documented
//!   close codes.
//! - `hub`: one feed per venue with subscribers on this instance. It implements the
//!   application's `EventSink`: whatever bus is configured (in-process or Redis) hands
//!   it committed journal entries; the feed's pump turns them into the venue's gap-free
//!   stream, reading the journal for any seq the bus lost; the instance's sweep (one
//!   query for all its venues) wakes a feed whose last publication was lost. Subscribers have bounded queues; overflowing one
//!   closes the connection (4008) instead of growing memory.

mod auth;
mod hub;
mod metrics;
mod protocol;
mod session;

use actix_web::web;
use serde_json::json;

pub(crate) use auth::upgrade;
pub use hub::{Hub, WsSettings};
pub use protocol::close;

/// Registers the gateway's hub; its route, `GET /api/v1/ws`, is in the route table
/// (`crate::configure`), which also registers the `AppState` it needs.
pub fn configure(hub: Hub) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(hub));
    }
}

/// The gateway's section of the detailed health view: `degraded` while queues
/// overflow or fan-out is slow (`hub::trouble`).
#[async_trait::async_trait]
impl crate::HealthReport for Hub {
    fn name(&self) -> &'static str {
        "websocket"
    }

    async fn report(&self) -> serde_json::Value {
        let venues = self.connections();
        let total: usize = venues.iter().map(|(_, n)| n).sum();
        let by_venue: serde_json::Map<String, serde_json::Value> = venues
            .into_iter()
            .map(|(venue, n)| (venue.to_string(), json!(n)))
            .collect();
        let (status, trouble) = self.trouble();
        let mut report = json!({ "status": status, "connections": total, "venues": by_venue });
        if let (Some(report), Some(trouble)) = (report.as_object_mut(), trouble.as_object()) {
            report.extend(trouble.clone());
        }
        report
    }
}
